// The recovery bench's journal, written by a process of its own that exits before recovery starts (bench/journal.ts
// journal-recovery): as a restart finds it, its writer gone. Built in the bench's own process instead, the world's
// ~3 GB stayed in that process while the recovery ran beside it, and the recovery took ~1-2.5 s more, most of it the
// first one after the build (on this VM a process's first touch of memory no process touched lately costs more;
// docs/performance.md "2026-12-07, s65").
// usage (bench/journal.ts runs it): node --max-old-space-size=8192 ENGINE_NODE_FLAGS dist/bench/recovery-journal-process.js JOURNAL ACCOUNTS MARKETS TAIL
// (BAILIFF_BENCH_CALL_INTERVAL_MS as the bench reads it). Prints the setup's lines as one JSON array on stdout.

import { TEST_CONFIG } from '../src/core/engine/testkit.js';
import { JOURNAL_FORMAT_VERSION, type JournalGenesis } from '../src/journal/types.js';
import { buildRecoveryJournal } from './journal.js';
import { benchCallIntervalMs, benchRulebook } from './world.js';

const [path, accounts, markets, tail] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5])];
if (path === undefined || !(accounts >= 0) || !(markets > 0) || !(tail >= 0)) throw new Error('usage: recovery-journal-process.js JOURNAL ACCOUNTS MARKETS TAIL');
// The world's rulebook (margin calls swept at BAILIFF_BENCH_CALL_INTERVAL_MS when set: world.ts).
const genesis: JournalGenesis = { formatVersion: JOURNAL_FORMAT_VERSION, config: TEST_CONFIG, rulebook: benchRulebook(benchCallIntervalMs()) };
process.stdout.write(`${JSON.stringify(buildRecoveryJournal(path, genesis, accounts, markets, tail))}\n`);
