/* global process, console, performance, structuredClone */
// Where the crash tick's re-arms go: every BreachIndex.reindex in bench/crash.ts's tick (the world of
// scripts/crash-world.mjs), counted and timed by index (B: the breach index, C: the margin-call levels) and by how
// many positions the account holds after the block (0: closed in full), with the time of the index's methods inside
// them (self time: a method's time less that of the wrapped methods it calls; each wrapper adds ~0.1-0.2 µs).
// DETAIL=0 times the re-arms alone (no method wrapped: the uninstrumented cost of each kind).
// usage: npm run build, then
//   node --expose-gc --max-old-space-size=14000 --max-semi-space-size=64 --no-allocation-site-pretenuring \
//     scripts/reindex-census.mjs [ACCOUNTS=1000000] [DROP_PCT=5] [ROUNDS=2]
// docs/performance.md "2026-12-07, s62": what it found.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { crashWorld, settleHeap } from './crash-world.mjs';

const dist = pathToFileURL(resolve(process.cwd(), 'dist')).href;
const { BreachIndex } = await import(`${dist}/src/core/triggers/breach-index.js`);
const { BoundaryBand } = await import(`${dist}/src/core/triggers/boundary-band.js`);
const { IndexedHeap } = await import(`${dist}/src/core/triggers/heap.js`);
const [accounts, drop, rounds] = [Number(process.argv[2] ?? 1_000_000), Number(process.argv[3] ?? 5), Number(process.argv[4] ?? 2)];
const detail = process.env.DETAIL !== '0';
const { Engine, snap, cmd } = await crashWorld(dist, accounts, drop);

/** Per `kind method`: calls and self time (ms). null outside a re-arm. */
let table = null;
/** The kind of the re-arm under way: B or C, then the positions held (0, 1, 2 for two or more). */
let kind = '';
/** Time of wrapped callees, per open wrapper. */
const stack = [];
const count = (key, dt) => {
  const st = table.get(key) ?? { n: 0, ms: 0 };
  st.n++;
  st.ms += dt;
  table.set(key, st);
};
/**
 * Runs `call`, counting its self time under `label` of the re-arm under way (and, with `whole`, its whole time): the
 * time of the wrapped methods it calls is theirs.
 */
const timed = (label, call, whole = false) => {
  const t = performance.now();
  stack.push(0);
  try {
    return call();
  } finally {
    const dt = performance.now() - t;
    const inner = stack.pop();
    if (stack.length > 0) stack[stack.length - 1] += dt;
    if (detail) count(`${kind} ${label}`, dt - inner);
    if (whole) count(`${kind} whole re-arm`, dt);
  }
};
const wrap = (proto, name, label = name) => {
  const orig = proto[name];
  if (typeof orig !== 'function') throw new Error(`no method ${name}: the script needs updating`);
  proto[name] = function (...args) {
    return table === null || kind === '' ? orig.apply(this, args) : timed(label, () => orig.apply(this, args));
  };
};
if (detail) {
  for (const n of ['reindexAccount', 'evaluateLedgers', 'armSingle', 'arm', 'armAt', 'leaveBand', 'setEntries', 'setExactKeys', 'freeLedgerSlot', 'unwait', 'headOf', 'unlinkBreached', 'linkBreached']) wrap(BreachIndex.prototype, n);
  for (const n of ['delete', 'insert', 'rekey']) wrap(BoundaryBand.prototype, n, `band.${n}`);
  for (const n of ['remove', 'update', 'push']) wrap(IndexedHeap.prototype, n, `heap.${n}`);
}
const reindex = BreachIndex.prototype.reindex;
for (let r = 0; r < rounds; r++) {
  const engine = Engine.restore(structuredClone(snap), { restoreUnsettledCalls: true });
  await settleHeap();
  const s = engine.state;
  const breachIndex = engine.index;
  table = new Map();
  BreachIndex.prototype.reindex = function (id) {
    const a = s.accounts.get(id);
    kind = `${this === breachIndex ? 'B' : 'C'}${a === undefined ? '-' : Math.min(a.positions.size, 2)}`;
    try {
      return timed('reindex (self)', () => reindex.call(this, id), true);
    } finally {
      kind = '';
    }
  };
  const t = performance.now();
  engine.apply(cmd);
  const ms = performance.now() - t;
  BreachIndex.prototype.reindex = reindex;
  console.log(`round ${r}: the ${drop}% tick ${ms.toFixed(0)} ms${detail ? ' (instrumented)' : ''}; B = breach index, C = margin-call levels, then the positions held after the block`);
  for (const [key, v] of [...table].sort((a, b) => a[0].localeCompare(b[0]))) {
    if (v.ms >= 0.5 || key.endsWith('whole re-arm')) console.log(`  ${key.padEnd(26)} ${String(v.n).padStart(6)} calls ${v.ms.toFixed(1).padStart(7)} ms ${((v.ms * 1000) / v.n).toFixed(2).padStart(6)} µs each`);
  }
  table = null;
}
