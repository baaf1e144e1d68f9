/* global process, console, performance */
// A measurement prototype, not the product: what would an index image save a recovery? The two breach indexes of a
// restored engine (the liquidation index and the margin-call levels) are saved with v8.serialize (their typed arrays,
// Maps and shared references; the heads by account number as they are, no strings), then loaded
// into an engine restored from the same snapshot without building them (its ADL mirror built as restore builds it).
// It prints both restores' times, the image's size and save time, and checks the loaded engine: the same events as the
// built one over a +-5 bp tail (hashes) and the indexes' invariants. It reads the indexes' private fields by name (a
// deny-list of the references to the engine and of scratch buffers): a field added to BreachIndex that holds a function
// makes v8.serialize throw here, one of a new class comes back without its methods and the check fails.
// docs/performance.md "2026-12-04, late night": the numbers and what a product would need.
// usage: npm run build, then
//   node --max-old-space-size=14000 --max-semi-space-size=32 --no-allocation-site-pretenuring scripts/index-image-prototype.mjs ACCOUNTS [TAIL=20000]
import { serialize, deserialize } from 'node:v8';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
const dist = pathToFileURL(resolve(process.cwd(), 'dist')).href;
const { buildWorld, rng, START_PRICE } = await import(`${dist}/bench/world.js`);
const { Engine } = await import(`${dist}/src/core/engine/engine.js`);
const { restoreFrame, restoreContents, accountCountHint } = await import(`${dist}/src/core/engine/snapshot.js`);
const { indexTogether } = await import(`${dist}/src/core/triggers/detector.js`);
const { IndexedHeap, Int32List } = await import(`${dist}/src/core/triggers/heap.js`);
const { BoundaryBand } = await import(`${dist}/src/core/triggers/boundary-band.js`);
const { SlopeRows } = await import(`${dist}/src/core/triggers/slope-rows.js`);
const { price } = await import(`${dist}/src/core/units/index.js`);
const N = Number(process.argv[2] ?? 200000);
const TAIL = Number(process.argv[3] ?? 20000);
const world = buildWorld({ accounts: N, markets: 10, seed: 42 });
const snap = world.snapshot();
const ms = (t) => (performance.now() - t).toFixed(0);

let t = performance.now();
const A = Engine.restore(snap);
console.log(`restore with the indexes built: ${ms(t)} ms`);

const DENY = new Set(['view', 'accountOf', 'ruleOf', 'upperView', 'upperHolds', 'baseView', 'onRecover', 'marketIdOf', 'marketSlotOf', 'armedRule', 'slopeRow', 'screen', 'keys', 'noKeys', 'crossed', 'flipScratch', 'headScratch', 'bandScratch', 'markCrossed', 'bulkOut', 'spareMarkets']);
function exportIndex(ix) {
  const out = {};
  // The heads are a table by account number (Account.no): imaged as they are; ledgerAccount is rebuilt from them on
  // load (no strings in the image).
  for (const k of Object.keys(ix)) {
    if (DENY.has(k) || k === 'ledgerAccount') continue;
    const v = ix[k];
    if (typeof v === 'function') continue;
    if (k === 'markets') out[k] = v.map((m) => ({ ...m, state: undefined, spec: undefined }));
    else out[k] = v;
  }
  return out;
}
function importIndex(ix, image, view, rule, accounts) {
  for (const k of Object.keys(image)) ix[k] = image[k];
  const la = new Array(ix.ledgerHead.length);
  for (const a of accounts) {
    const h = a.no < ix.headByNo.length ? ix.headByNo[a.no] : -1;
    if (h >= 0) la[h] = a.id;
  }
  for (let l = 0; l < ix.ledgerTop; l++) if (ix.ledgerState[l] !== 0 && la[l] === undefined) la[l] = la[ix.ledgerHead[l]];
  ix.ledgerAccount = la;
  for (const m of ix.markets) {
    Object.setPrototypeOf(m.down, IndexedHeap.prototype);
    Object.setPrototypeOf(m.up, IndexedHeap.prototype);
    Object.setPrototypeOf(m.band, BoundaryBand.prototype);
    Object.setPrototypeOf(m.pending, Int32List.prototype);
    m.state = view.market(m.id);
    m.spec = m.state?.spec;
  }
  if (ix.slopeRows !== null) Object.setPrototypeOf(ix.slopeRows, SlopeRows.prototype);
  if (ix.recoveredHeads !== null) Object.setPrototypeOf(ix.recoveredHeads, Int32List.prototype);
  ix.armedRule = rule;
}
const indexesOf = (e) => [e.index, e.calls.levelIndex];
t = performance.now();
const bytes = serialize(indexesOf(A).map((ix) => exportIndex(ix)));
console.log(`image saved: ${(bytes.length / 2 ** 20).toFixed(0)} MiB in ${ms(t)} ms`);

// B: the state restored, its indexes left empty, then the image loaded; the ADL mirror built as restore builds it.
t = performance.now();
const s = restoreFrame(snap);
const B = new Engine(s, {}, accountCountHint(snap.accounts));
restoreContents(s, snap);
const t1 = performance.now();
const images = deserialize(bytes);
const t2 = performance.now();
const accountsB = [...s.watchedAccounts()];
indexesOf(B).forEach((ix, k) => importIndex(ix, images[k], ix.view, s.rulebook.breachRule, accountsB));
const t3 = performance.now();
indexTogether([B.adlMirror], s.watchedAccounts(), s.accounts.size);
console.log(`restore from the image: ${ms(t)} ms (state ${(t1 - t).toFixed(0)}, deserialize ${(t2 - t1).toFixed(0)}, fix-ups ${(t3 - t2).toFixed(0)}, ADL mirror ${ms(t3)})`);

const hashOf = (e) => {
  const h = createHash('sha256');
  const rand = rng(7);
  for (let i = 0; i < TAIL; i++) {
    const m = i % 10;
    const px = (START_PRICE * BigInt(10_000 + Math.floor(rand() * 11) - 5)) / 10_000n;
    h.update(JSON.stringify(e.apply({ kind: 'price', tsMs: e.timeMs + 1, market: `M${m}-PERP`, mark: price(px) }), (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)));
  }
  return h.digest('hex').slice(0, 16);
};
console.log('events built', hashOf(A), 'events imaged', hashOf(B));
for (const ix of indexesOf(B)) ix.checkInvariants();
console.log('invariants hold');
