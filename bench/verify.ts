// The verifier (verify/verify.ts) over a realistic journal vs the plain replay of the same journal.
// The journal: the demo's world (src/cli/demo.ts): the 2025-02-02 crash (real klines from ../shared/data, else the
// synthetic crash of the same shape), a population of leveraged accounts opened against the house, a maker
// re-quoting after every price, the Binance preset (margin calls on). Built by applying the commands to an engine
// and chaining the entries (verify/jsonl.ts).
// Timed: (1) the plain replay: a fresh engine (the breach index) applies every recorded command, nothing compared;
// (2) the verifier as `bailiff verify` runs it (the exact scan, events compared, breach cover checked, chain hashed);
// (3) the verifier with the index instead of the scan, which splits (2) into the scan's cost and the checks'.
// Size: BAILIFF_BENCH_VERIFY_ACCOUNTS (default 2,000): the scan evaluates every account on every price, three times
// with margin calls (the breach, call and recovery levels), so it is O(accounts) per price by design.

import { Engine } from '../src/core/engine/engine.js';
import type { Command } from '../src/core/engine/commands.js';
import { dec, ppm, price, type Price } from '../src/core/units/index.js';
import { rulebookPreset } from '../src/core/rulebooks/presets.js';
import type { Rulebook } from '../src/core/rulebooks/rulebook.js';
import { JOURNAL_FORMAT_VERSION, type JournalEntry, type JournalGenesis } from '../src/journal/types.js';
import { requote } from '../src/cli/demo.js';
import { CRASH_WINDOW, realCrash, syntheticCrash, type CrashMarket } from '../src/sim/crash.js';
import { altMarketSpec, DEFAULT_POPULATION, populationCommands, QUOTE_ASSET, QUOTE_DECIMALS } from '../src/sim/population.js';
import { canonicalRecordHasher, chainRecords } from '../src/verify/jsonl.js';
import { verifyJournal } from '../src/verify/verify.js';
import { elapsedMs, type BenchReport } from './report.js';

export async function benchVerify(accounts: number): Promise<BenchReport> {
  const path = (await realCrash()) ?? syntheticCrash();
  const t0 = CRASH_WINDOW.fromMs;
  const rulebook = rulebookPreset('binance', QUOTE_DECIMALS) as Rulebook;
  const genesis: JournalGenesis = {
    formatVersion: JOURNAL_FORMAT_VERSION,
    config: { settlement: { asset: QUOTE_ASSET, decimals: QUOTE_DECIMALS }, settlementLtvPpm: ppm(800_000n), settlementLiquidationThresholdPpm: ppm(850_000n) },
    rulebook,
  };
  const commands: Command[] = [
    { kind: 'insurance_deposit', tsMs: t0, amount: dec('2000000', QUOTE_DECIMALS) },
    { kind: 'deposit', tsMs: t0, account: 'maker', asset: QUOTE_ASSET, amount: dec('1000000000', QUOTE_DECIMALS) },
  ];
  for (const m of path.markets) {
    commands.push({ kind: 'set_market', tsMs: t0, market: altMarketSpec(m) });
    const first = path.points.find((p) => p.market === m.id);
    if (first !== undefined) commands.push({ kind: 'price', tsMs: t0, market: m.id, mark: price(first.priceAtoms) });
  }
  commands.push(...populationCommands(path.markets, t0, { ...DEFAULT_POPULATION, accounts }));
  const byId = new Map(path.markets.map((m) => [m.id, m]));
  for (const point of path.points) {
    commands.push(...requote(byId.get(point.market) as CrashMarket, point.priceAtoms, point.tsMs));
    commands.push({ kind: 'price', tsMs: point.tsMs, market: point.market, mark: price(point.priceAtoms) as Price });
  }

  let start = process.hrtime.bigint();
  const engine = Engine.create(genesis.config, genesis.rulebook);
  const entries: JournalEntry[] = commands.map((command) => ({ command, events: engine.apply(command), seq: engine.seq }));
  const buildMs = elapsedMs(start);
  const records = chainRecords(genesis, entries);
  let liquidations = 0;
  let events = 0;
  for (const e of entries) {
    events += e.events.length;
    for (const ev of e.events) if (ev.kind === 'LiquidationStarted') liquidations++;
  }

  start = process.hrtime.bigint();
  const replay = Engine.create(genesis.config, genesis.rulebook);
  for (const r of records) replay.apply(r.command);
  const replayMs = elapsedMs(start);

  start = process.hrtime.bigint();
  const verified = verifyJournal(genesis, records, { hasher: canonicalRecordHasher });
  const verifyMs = elapsedMs(start);

  start = process.hrtime.bigint();
  const withIndex = verifyJournal(genesis, records, { hasher: canonicalRecordHasher, detection: 'index' });
  const verifyIndexMs = elapsedMs(start);

  return {
    name: `verify: ${records.length.toLocaleString('en')} records (${path.source}; ${accounts.toLocaleString('en')} accounts, ${events.toLocaleString('en')} events, ${liquidations.toLocaleString('en')} liquidation steps)`,
    lines: [
      `journal built (apply + record) in ${buildMs.toFixed(0)} ms`,
      `plain replay (breach index, nothing compared): ${replayMs.toFixed(0)} ms`,
      `verifier (exact scan, events compared, breach cover, chain): ${verifyMs.toFixed(0)} ms = ${(verifyMs / replayMs).toFixed(1)}x the plain replay; ${verified.findings.length} findings`,
      `verifier with the index instead of the scan: ${verifyIndexMs.toFixed(0)} ms = ${(verifyIndexMs / replayMs).toFixed(1)}x; ${withIndex.findings.length} findings`,
    ],
  };
}
