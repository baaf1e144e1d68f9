/* global process, performance, console, URL */
// A/B of order commands between two builds in ONE process, alternating rounds: the bench maker (bench/maker.ts) re-
// quoting its 10 levels a side in each of the 10 markets (a cancel and a place per level and side) around a mark that
// moves a little each round. Prints, per build, the mean time of an order command and the SHA-256 of the JSON of all
// their events (equal: the same events).
// usage: npm run build (in both checkouts), then
//   node --max-old-space-size=8192 scripts/quote-ab.mjs BASE_CHECKOUT NEW_CHECKOUT [ACCOUNTS=200000] [ROUNDS=20]
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
const [baseDir, newDir, accounts, rounds] = [process.argv[2], process.argv[3], Number(process.argv[4] ?? 200000), Number(process.argv[5] ?? 20)];
// The canonical JSON of this checkout's build (keys sorted: since s69 the engine stamps an event's body in place,
// so two builds may order an event's fields differently).
const { canonicalJson: json } = await import(new URL('../dist/src/core/engine/snapshot.js', import.meta.url).href);
async function load(dir) {
  const d = pathToFileURL(resolve(dir, 'dist')).href;
  const { buildWorld, START_PRICE } = await import(`${d}/bench/world.js`);
  const { setupMaker, MAKER } = await import(`${d}/bench/maker.js`);
  const { price, size } = await import(`${d}/src/core/units/index.js`);
  const engine = buildWorld({ accounts, markets: 10, seed: 42 });
  setupMaker(engine, 10);
  const hash = createHash('sha256');
  let ms = 0;
  let commands = 0;
  const round = (r) => {
    for (let m = 0; m < 10; m++) {
      const mark = (START_PRICE * BigInt(1000 + ((r * 7 + m) % 5) - 2)) / 1000n;
      for (let level = 1; level <= 10; level++) for (const side of ['buy', 'sell']) {
        const t = engine.timeMs + 1;
        const px = side === 'buy' ? (mark * BigInt(1000 - 2 * level)) / 1000n : (mark * BigInt(1000 + 2 * level)) / 1000n;
        const s = performance.now();
        const a = engine.apply({ kind: 'cancel_order', tsMs: t, account: MAKER, market: `M${m}-PERP`, id: `${side}${level}` });
        const b = engine.apply({ kind: 'place_order', tsMs: t, account: MAKER, market: `M${m}-PERP`, id: `${side}${level}`, side, price: price(px), size: size(5_000_000n), tif: 'gtc' });
        ms += performance.now() - s; commands += 2;
        for (const e of [...a, ...b]) hash.update(json(e));
      }
    }
  };
  return { dir, round, get us() { return (ms * 1000) / commands; }, hash };
}
const A = await load(baseDir), B = await load(newDir);
for (let r = 0; r < rounds; r++) { if (r % 2) { A.round(r); B.round(r); } else { B.round(r); A.round(r); } }
for (const x of [A, B]) console.log(x.dir, `${x.us.toFixed(2)} µs a command`, x.hash.digest('hex').slice(0, 16));
