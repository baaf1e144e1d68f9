// `npm run bench`: benchmarks of the hot paths, each printing its figures and a ratio against a baseline run in the
// same process. Sizes can be reduced for a quick look: BAILIFF_BENCH_ACCOUNTS=100000 npm run bench.

import { benchBreach } from './breach.js';
import { benchMargin } from './margin.js';

const accounts = Number(process.env.BAILIFF_BENCH_ACCOUNTS ?? 1_000_000);
const only = process.argv[2];

const benches: Record<string, () => { name: string; lines: readonly string[] }> = {
  margin: () => benchMargin(accounts),
  breach: () => benchBreach({ accounts, ticks: Number(process.env.BAILIFF_BENCH_TICKS ?? 50_000) }),
};

for (const [name, run] of Object.entries(benches)) {
  if (only !== undefined && only !== name) continue;
  const report = run();
  process.stdout.write(`\n== ${report.name}\n${report.lines.map((l) => `   ${l}`).join('\n')}\n`);
  const rss = process.memoryUsage().rss;
  process.stdout.write(`   rss ${(rss / 2 ** 30).toFixed(2)} GiB\n`);
}
