/* global process, console */
// Writes the canonical snapshot bytes (encodeSnapshot) of the bench world (ACCOUNTS, 10 markets) after PRE ticks of up
// to +-1.5% (as restore-ab.mjs walks before its snapshot), for scripts/restore-time-ab.mjs. Run it in a process of its
// own: the world it builds is not on the heap of the restores timed.
// usage: npm run build, then node --max-old-space-size=12000 scripts/restore-snapshot.mjs ACCOUNTS PRE DIR OUT
//   e.g. 1000000 300 . /tmp/snap1m.json
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
const [accounts, pre, dir, out] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4], process.argv[5]];
const dist = pathToFileURL(resolve(dir, 'dist')).href;
const { buildWorld, rng, START_PRICE } = await import(`${dist}/bench/world.js`);
const { price } = await import(`${dist}/src/core/units/index.js`);
const { encodeSnapshot } = await import(`${dist}/src/core/engine/snapshot.js`);
const world = buildWorld({ accounts, markets: 10, seed: 42 });
const rand = rng(9);
const px = Array.from({ length: 10 }, () => START_PRICE);
let ts = world.timeMs;
let events = 0;
for (let i = 0; i < pre; i++) {
  const k = Math.floor(rand() * 10);
  px[k] = (px[k] * BigInt(10_000 + Math.floor(rand() * 301) - 150)) / 10_000n;
  events += world.apply({ kind: 'price', tsMs: ++ts, market: `M${k}-PERP`, mark: price(px[k]) }).length;
}
const snap = world.snapshot();
writeFileSync(out, encodeSnapshot(snap));
console.log(`${out}: ${accounts} accounts, ${pre} ticks (${events} events), ${snap.enforcement.marginCalled.length} called`);
