/* global process, performance, console, structuredClone */
// Does a crash after a quiet spell run warm code? One engine (as a service runs it): the bench world's crash tick
// (scripts/crash-world.mjs), then full collections as a quiet spell brings them, then a second, deeper drop of the
// same market. Prints a MARK line after each step; with --trace-deopt, the functions V8 throws away between them (the
// reason "weak objects": a hidden class their optimized code embeds was freed).
// usage: npm run build, then
//   node --expose-gc --max-semi-space-size=128 --trace-deopt scripts/quiet-spell.mjs [ACCOUNTS=20000] [SECOND_DROP_PCT=9] \
//     | grep -E 'MARK|weak objects'
// docs/performance.md "2026-12-07, s69".
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { crashWorld, settleHeap } from './crash-world.mjs';

const dist = pathToFileURL(resolve(process.cwd(), 'dist')).href;
const [accounts, secondDrop] = [Number(process.argv[2] ?? 20_000), Number(process.argv[3] ?? 9)];
const { Engine, snap, cmd } = await crashWorld(dist, accounts, 5);
const engine = Engine.restore(structuredClone(snap), { restoreUnsettledCalls: true });
await settleHeap();

const tick = (name, command) => {
  const t = performance.now();
  const events = engine.apply(command);
  const deleveraged = events.filter((e) => e.kind === 'Deleveraged').length;
  console.log(`MARK ${name}: ${Math.round(performance.now() - t)} ms, ${events.length} events, ${deleveraged} deleveraged`);
};
tick('first crash (5%)', cmd);
for (let i = 0; i < 6; i++) await settleHeap();
console.log('MARK quiet spell over (6 full collections)');
const start = (cmd.mark * 100n) / 95n;
tick(`second crash (${secondDrop}%)`, { kind: 'price', tsMs: cmd.tsMs + 1000, market: cmd.market, mark: (start * BigInt(100 - secondDrop)) / 100n });
