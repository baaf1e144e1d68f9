/* global process, performance, console */
// Engine.restore back to back across builds, and proof that they restore the same engine. For each build directory
// given (a worktree with its dist/ built): build the bench world (ACCOUNTS, 10 markets), walk PRE ticks of up to
// +-1.5% (so that breaches and margin calls happen), snapshot through text, Engine.restore it (timed), then walk POST
// ticks of up to +-1%. Prints the restore's ms, a hash of the restored indexes (stats and breached ledgers of the
// breach index and both margin-call indexes) and a hash of every event after the restore plus the final snapshot.
// usage: npm run build, then
//   node scripts/restore-ab.mjs ACCOUNTS PRE POST DIR [DIR...]   e.g. 20000 300 2000 /tmp/base .
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
const [accounts, pre, post] = [Number(process.argv[2]), Number(process.argv[3]), Number(process.argv[4])];
const dirs = process.argv.slice(5);
const ser = (_k, v) => (typeof v === 'bigint' ? `${v}n` : v);
for (const dir of dirs) {
  const dist = pathToFileURL(resolve(dir, 'dist')).href;
  const { buildWorld, rng, START_PRICE } = await import(`${dist}/bench/world.js`);
  const { Engine } = await import(`${dist}/src/core/engine/engine.js`);
  const { price } = await import(`${dist}/src/core/units/index.js`);
  const world = buildWorld({ accounts, markets: 10, seed: 42 });
  const rand = rng(9);
  const px = Array.from({ length: 10 }, () => START_PRICE);
  let ts = world.timeMs;
  const next = (bp) => {
    const i = Math.floor(rand() * 10);
    px[i] = (px[i] * BigInt(10_000 + Math.floor(rand() * (2 * bp + 1)) - bp)) / 10_000n;
    return { kind: 'price', tsMs: ++ts, market: `M${i}-PERP`, mark: price(px[i]) };
  };
  for (let i = 0; i < pre; i++) world.apply(next(150));
  const text = JSON.stringify(world.snapshot(), ser);
  const snapshot = JSON.parse(text, (_k, v) => (typeof v === 'string' && /^-?\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v));
  const called = snapshot.enforcement.marginCalled.length;
  const t = performance.now();
  const e = Engine.restore(snapshot);
  const ms = performance.now() - t;
  // The indexes as built (private in TS, readable here): stats and breached ledgers of each.
  // (Margin calls: the two-level index `levels` since the call and recovery indexes were merged, or the two of old.)
  const idx = [e.index, e.calls?.levels, e.calls?.call, e.calls?.recovery].filter((x) => x !== undefined && x !== null);
  const ih = createHash('sha256').update(JSON.stringify(idx.map((x) => [x.stats(), x.breached().map((r) => `${r.account}/${r.market}`).sort()]))).digest('hex').slice(0, 16);
  const exact = idx.map((x) => x.stats().exactLedgers).join('/');
  const h = createHash('sha256');
  let events = 0;
  for (let i = 0; i < post; i++) {
    const ev = e.apply(next(100));
    events += ev.length;
    h.update(JSON.stringify(ev, ser));
  }
  h.update(JSON.stringify(e.snapshot(), ser));
  console.log(`${dir}: restore ${ms.toFixed(0)} ms (${called} called); indexes ${ih} (exact ledgers ${exact}); ${events} events after, hash ${h.digest('hex').slice(0, 16)}`);
}
