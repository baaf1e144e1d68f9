/* global process, performance, console */
// A measurement prototype, not the engine: what the margin calls of the ledgers exact at both levels cost when the
// tracker does only what a call needs, beside the engine's whole tick on the same ticks (all its ledgers, the
// slope-bound ones' re-checks included: not a cost per call to compare with this one's). The same tracker built into
// the engine (branch wip/exact-calls) made the engine's tick no cheaper: those calls were not its expensive part
// (docs/performance.md "2026-12-07, s63").
// The prototype follows the bench world's ledgers that are armed at an exact boundary at both margin-call levels (one
// cross position, settlement cash only: most of the world's ledgers, and most of the +-5 bp tail's calls). Each ledger
// sits in its market's sorted list twice, at its call boundary and at its recovery boundary, with a called flag. A tick
// walks the boundaries between the old mark and the new one: crossing the call boundary into the call zone calls a
// ledger not called (its figures confirmed exactly, as the engine's call reports them: singlePositionSlack at the call
// level, positionMaintenance at the base level, and an event object), crossing the recovery boundary out of the zone
// releases a called one. No level moves, no breached list, no slope-bound ledgers, no account changes (the tail's
// ticks liquidate almost nothing after its warm-up).
// Prints, over the same TAIL ticks after WARM untimed ones: the engine's µs a tick and calls a tick (its MarginCall
// events, all ledgers) and the prototype's µs a tick and calls a tick (its ledgers only), how many of the engine's
// calls went to the prototype's ledgers, and whether they are the prototype's calls (the same tick, account and
// figures; exit code 1 if not).
// usage: npm run build, then
//   node --expose-gc --max-old-space-size=14000 --max-semi-space-size=64 --no-allocation-site-pretenuring \
//     scripts/call-tracker-prototype.mjs [ACCOUNTS=100000] [WARM=20000] [TAIL=300000]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = pathToFileURL(resolve(process.cwd(), 'dist')).href;
const { buildWorld, rng, tailTicks } = await import(`${dist}/bench/world.js`);
const { singlePositionSlack, positionMaintenance } = await import(`${dist}/src/core/margin/evaluate.js`);
const { isBreached } = await import(`${dist}/src/core/margin/thresholds.js`);
const { exactBoundaryOf } = await import(`${dist}/src/core/triggers/bounds.js`);
const { callLevelsOf, levelViews } = await import(`${dist}/src/core/engine/margin-calls.js`);
const [accounts, warm, tail] = [Number(process.argv[2] ?? 100_000), Number(process.argv[3] ?? 20_000), Number(process.argv[4] ?? 300_000)];
if (!(accounts > 0 && warm >= 0 && tail > 0)) {
  console.error('usage: call-tracker-prototype.mjs [ACCOUNTS>0] [WARM>=0] [TAIL>0]');
  process.exit(2);
}
const MARKETS = 10;

const engine = buildWorld({ accounts, markets: MARKETS, seed: 42 });
const s = engine.state;
const views = levelViews(s, callLevelsOf(s.rulebook.liquidation));
const rule = s.rulebook.breachRule;
const next = tailTicks(MARKETS, rng(7));
const commands = Array.from({ length: warm + tail }, (_, i) => next(i, engine.timeMs + 1));
for (let i = 0; i < warm; i++) engine.apply(commands[i]);

// The engine on the tail, with its calls counted by account.
const called = new Set(s.enforcement.marginCalled); // the prototype starts from the engine's state after the warm-up
const firstSeq = s.seq + 1 - warm; // the engine's seq of tick `warm` is firstSeq + warm
let t = performance.now();
const engineCalls = [];
for (let i = warm; i < warm + tail; i++) for (const e of engine.apply(commands[i])) if (e.kind === 'MarginCall') engineCalls.push(e);
const engineUs = (1000 * (performance.now() - t)) / tail;

// The prototype's ledgers, from the state before the tail (the world again, warmed the same way).
const world = buildWorld({ accounts, markets: MARKETS, seed: 42 });
for (let i = 0; i < warm; i++) world.apply(commands[i]);
const ws = world.state;
const ids = [];
const positions = [];
const cash = [];
const longs = [];
const perMarket = Array.from({ length: MARKETS }, () => []);
for (const a of ws.accounts.reading()) {
  if (a.positions.size !== 1 || a.balances.size > 1 || a.borrows.size > 0) continue;
  const p = a.positions.values().next().value;
  if (p.isolatedMargin !== null) continue;
  const c = a.balances.get(ws.settlementAsset) ?? 0n;
  const atCall = exactBoundaryOf(views.call, p, c, rule, null, null);
  const atRecovery = exactBoundaryOf(views.recovery, p, c, rule, null, null);
  if (atCall === null || atRecovery === null) continue;
  const k = ids.length;
  ids.push(a.id);
  positions.push(p);
  cash.push(c);
  longs.push(p.size > 0n ? 1 : 0);
  const m = Number(p.market.slice(1, p.market.indexOf('-')));
  perMarket[m].push([atCall.boundary, 2 * k], [atRecovery.boundary, 2 * k + 1]);
}
const isCalled = new Uint8Array(ids.length);
for (let k = 0; k < ids.length; k++) if (called.has(ids[k])) isCalled[k] = 1;
const inPrototype = new Set(ids);
const lists = perMarket.map((pairs) => {
  pairs.sort((x, y) => x[0] - y[0]);
  return { keys: Float64Array.from(pairs, (x) => x[0]), refs: Int32Array.from(pairs, (x) => x[1]) };
});
const states = Array.from({ length: MARKETS }, (_, m) => ws.market(`M${m}-PERP`));
const marks = states.map((st) => Number(st.markPrice));

/** The first index whose key is >= x. */
function lowerBound(keys, x) {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const events = [];
const made = []; // every call the prototype made, compared with the engine's below (not timed: the list only grows)
let protoCalls = 0;
t = performance.now();
for (let i = warm; i < warm + tail; i++) {
  const cmd = commands[i];
  const m = Number(cmd.market.slice(1, cmd.market.indexOf('-')));
  const state = states[m];
  state.markPrice = cmd.mark; // the tick's price (the prototype's world follows no other part of the command)
  state.indexPrice = cmd.mark;
  const from = marks[m];
  const to = Number(cmd.mark);
  marks[m] = to;
  const { keys, refs } = lists[m];
  const lo = from < to ? from : to;
  const hi = from < to ? to : from;
  for (let j = lowerBound(keys, lo); j < keys.length && keys[j] <= hi; j++) {
    const ref = refs[j];
    const k = ref >> 1;
    const b = keys[j];
    const long = longs[k] === 1;
    const was = long ? from <= b : from >= b;
    const now = long ? to <= b : to >= b;
    if (was === now) continue;
    if ((ref & 1) === 0) {
      if (!now || isCalled[k] === 1) continue;
      // Into the call zone, not called: confirmed and reported as the engine's call is.
      const p = positions[k];
      const f = singlePositionSlack(views.call, state, p, cmd.mark, cash[k]);
      if (!isBreached(f.equity, f.maintenance, rule)) continue;
      const maintenance = positionMaintenance(s, state, p, cmd.mark);
      const event = { seq: i, ordinal: 0, tsMs: cmd.tsMs, kind: 'MarginCall', account: ids[k], ledger: 'cross', equity: f.equity, maintenance, callLevel: f.maintenance };
      events.push(event);
      made.push(event);
      isCalled[k] = 1;
      protoCalls++;
    } else if (!now && isCalled[k] === 1) isCalled[k] = 0; // out of the recovery zone: released
  }
  if (events.length > 4096) events.length = 0;
}
const protoUs = (1000 * (performance.now() - t)) / tail;
// The engine's calls to the prototype's ledgers against the prototype's: tick, account and figures (the engine's
// events are numbered by its own sequence, which the warm-up started at warm + 1 for tick `warm`).
const key = (tick, e) => `${tick}/${e.account}/${e.equity}/${e.maintenance}/${e.callLevel}`;
const engineKeys = engineCalls.filter((e) => inPrototype.has(e.account)).map((e) => key(e.seq - firstSeq, e)).sort();
const protoKeys = made.map((e) => key(e.seq, e)).sort();
const same = engineKeys.length === protoKeys.length && engineKeys.every((k, j) => k === protoKeys[j]);
const engineOnProto = engineKeys.length;
console.log(`${accounts.toLocaleString('en')} accounts, ${tail.toLocaleString('en')} ticks after ${warm.toLocaleString('en')}; the prototype follows ${ids.length.toLocaleString('en')} ledgers`);
console.log(`engine    : ${engineUs.toFixed(2)} µs a tick, ${(engineCalls.length / tail).toFixed(3)} calls a tick (${(engineOnProto / tail).toFixed(3)} to the prototype's ledgers)`);
console.log(`prototype : ${protoUs.toFixed(2)} µs a tick (the price's bookkeeping not included), ${(protoCalls / tail).toFixed(3)} calls a tick`);
console.log(`the same calls as the engine's to these ledgers (tick, account, equity, maintenance, call level): ${same ? 'yes' : 'NO'}`);
if (!same) process.exitCode = 1;
