// The verifier against journals built in memory: a small scenario that liquidates, applied to an engine, its
// entries chained into records, then tampered with one way at a time. Each tampering is caught by its own finding;
// the clean journal gives none.

import { describe, expect, it } from 'vitest';
import { Engine } from '../core/engine/engine.js';
import type { Command } from '../core/engine/commands.js';
import type { EngineEvent } from '../core/engine/events.js';
import { JOURNAL_FORMAT_VERSION, type JournalEntry, type JournalGenesis, type JournalRecord } from '../journal/types.js';
import { parseScenario } from '../scenario/load.js';
import { canonicalRecordHasher, chainRecords, decodeJsonLines, encodeJsonLines } from './jsonl.js';
import { verifyJournal, type Finding } from './verify.js';

const T = Date.UTC(2025, 1, 2, 20, 0);

// BTCUSDT, flat 20x: MM 2.5%. trader: an isolated long of 0.5 BTC at 20,000 with 1,000 USDT of margin; its equity is
// 1,000 + 0.5 (P - 20,000) and its maintenance 2.5% x 0.5 P. At 18,400: equity 200 <= maintenance 230: liquidated on
// the maker's bid at 18,400 (test/enforcement.test.ts works the fill and the fee). At 19,500: equity 750 > 243.75.
const SCENARIO = {
  settlement: { asset: 'USDT', decimals: 6 },
  rulebook: 'binance',
  startAt: T,
  markets: [
    {
      id: 'BTCUSDT',
      baseDecimals: 3,
      priceDecimals: 2,
      tickSize: '0.01',
      stepSize: '0.001',
      margin: { tiers: [{ notionalFloor: '0', maxLeverage: 20, maintenanceRatio: '0.025' }] },
    },
  ],
  accounts: [
    { id: 'trader', deposits: { USDT: '1000' } },
    { id: 'maker', deposits: { USDT: '1000000' } },
  ],
  commands: [
    { at: T, kind: 'price', market: 'BTCUSDT', mark: '20000' },
    { at: T + 1_000, kind: 'fill', market: 'BTCUSDT', price: '20000', size: '0.5', buyer: { account: 'trader', marginMode: 'isolated', isolatedMargin: '1000' }, seller: 'maker' },
    { at: T + 2_000, kind: 'place_order', account: 'maker', market: 'BTCUSDT', id: 'bid', side: 'buy', price: '18400', size: '0.5' },
    { at: T + 3_000, kind: 'price', market: 'BTCUSDT', mark: '18400' },
    { at: T + 4_000, kind: 'deposit', account: 'trader', asset: 'USDT', amount: '5' },
    { at: T + 5_000, kind: 'price', market: 'BTCUSDT', mark: '18500' },
  ],
};

/** The clean journal: genesis and the chained records of applying the scenario's commands. */
function cleanJournal(): { genesis: JournalGenesis; entries: JournalEntry[]; records: JournalRecord[] } {
  const scenario = parseScenario(SCENARIO);
  const genesis: JournalGenesis = { formatVersion: JOURNAL_FORMAT_VERSION, config: scenario.config, rulebook: scenario.rulebook };
  const engine = Engine.create(genesis.config, genesis.rulebook);
  const entries = scenario.commands.map((command) => ({ command, events: engine.apply(command), seq: engine.seq }));
  return { genesis, entries, records: chainRecords(genesis, entries) };
}

const verify = (genesis: JournalGenesis, records: Iterable<JournalRecord>) => verifyJournal(genesis, records, { hasher: canonicalRecordHasher });
const kinds = (findings: readonly Finding[]) => findings.map((f) => [f.seq, f.kind, f.account, f.market]);

/** The seq of the first record whose events include `kind`. */
function seqOf(entries: readonly JournalEntry[], kind: EngineEvent['kind']): number {
  const e = entries.find((x) => x.events.some((ev) => ev.kind === kind));
  if (e === undefined) throw new Error(`no ${kind} in the scenario`);
  return e.seq;
}

describe('verifyJournal', () => {
  it('finds nothing in a clean journal, replays it whole and counts its liquidation', () => {
    const { genesis, records } = cleanJournal();
    const report = verify(genesis, records);
    expect(report.findings).toEqual([]);
    expect(report.records).toBe(records.length);
    expect(report.replayedThrough).toBe(records.length);
    expect(report.liquidations).toBe(1);
    expect(report.signaturesChecked).toBe(false);
  });

  it('an edited amount: the record no longer hashes to its hash, and its replayed events differ', () => {
    const { genesis, records } = cleanJournal();
    const at = records.findIndex((r) => r.command.kind === 'deposit' && r.command.account === 'trader' && r.command.amount === 5_000_000n);
    const r = records[at] as JournalRecord;
    const edited = [...records];
    edited[at] = { ...r, command: { ...(r.command as Extract<Command, { kind: 'deposit' }>), amount: 50_000_000n } };
    expect(kinds(verify(genesis, edited).findings)).toEqual([
      [r.seq, 'chain_broken', null, null],
      // The recorded Deposited event says 5 USDT; the edited command deposits 50.
      [r.seq, 'events_differ', 'trader', null],
    ]);
  });

  it('an edited amount with the chain re-hashed after it: the replay still tells', () => {
    const { genesis, entries } = cleanJournal();
    const at = entries.findIndex((e) => e.command.kind === 'deposit' && e.command.account === 'trader' && e.command.amount === 5_000_000n);
    const e = entries[at] as JournalEntry;
    const forged = [...entries];
    forged[at] = { ...e, command: { ...(e.command as Extract<Command, { kind: 'deposit' }>), amount: 50_000_000n } };
    const findings = verify(genesis, chainRecords(genesis, forged)).findings;
    expect(kinds(findings)).toEqual([[e.seq, 'events_differ', 'trader', null]]);
    expect(findings[0]?.explanation).toContain('"$n":"5000000"');
  });

  it('a dropped record: a sequence gap, and the replay stops before it', () => {
    const { genesis, records } = cleanJournal();
    const dropped = records.filter((_, i) => i !== 3);
    const report = verify(genesis, dropped);
    expect(kinds(report.findings)).toEqual([[4, 'seq_gap', null, null]]);
    expect(report.replayedThrough).toBe(3);
  });

  it('reordered records: the record that comes late is out of order; nothing is reported missing', () => {
    const { genesis, records } = cleanJournal();
    const swapped = [...records];
    [swapped[3], swapped[4]] = [swapped[4] as JournalRecord, swapped[3] as JournalRecord];
    const report = verify(genesis, swapped);
    expect(kinds(report.findings)).toEqual([[4, 'out_of_order', null, null]]);
    expect(report.replayedThrough).toBe(3);
  });

  it('a liquidation whose price was not breaching: not justified, and at the journal price the ledger was sound', () => {
    const { genesis, entries } = cleanJournal();
    const seq = seqOf(entries, 'LiquidationStarted');
    // The operator's journal: the price command says 19,500 (equity 750 > maintenance 243.75) and the liquidation
    // events of the 18,400 tick are kept; the chain is re-hashed, so only the replay can tell.
    const forged = entries.map((e) => (e.seq === seq && e.command.kind === 'price' ? { ...e, command: { ...e.command, mark: 1_950_000n } } : e)) as JournalEntry[];
    const findings = verify(genesis, chainRecords(genesis, forged)).findings;
    expect(kinds(findings.filter((f) => f.seq === seq))).toEqual([[seq, 'liquidation_not_justified', 'trader', 'BTCUSDT']]);
    // 750 USDT and 243.75 USDT in 1e-6 atoms.
    expect(findings[0]?.explanation).toContain('(mark 1950000) its exact equity 750000000 is NOT below its requirement 243750000');
  });

  it('a missed liquidation: the replay liquidates a ledger the record does not', () => {
    const { genesis, entries } = cleanJournal();
    const seq = seqOf(entries, 'LiquidationStarted');
    // The record of the 18,400 tick without its enforcement events (the ledger was left alone), re-hashed.
    const forged = entries.map((e) => (e.seq === seq ? { ...e, events: [] } : e));
    const findings = verify(genesis, chainRecords(genesis, forged)).findings;
    expect(kinds(findings.filter((f) => f.seq === seq))).toEqual([[seq, 'missed_liquidation', 'trader', 'BTCUSDT']]);
    // equity 200 vs maintenance 230 (USDT atoms), at mark 18,400.00.
    expect(findings.find((f) => f.seq === seq)?.explanation).toContain('at mark 1840000 (equity 200000000 vs maintenance 230000000)');
  });

  it('a deferral longer than the rulebook allows is a breach left unhandled', () => {
    const { genesis, entries } = cleanJournal();
    const seq = seqOf(entries, 'LiquidationStarted');
    const retryAfterMs = genesis.rulebook.liquidation.retryAfterMs;
    // The record claims the ledger was deferred (book unfilled) for twice the rule's retry time instead of liquidated.
    const tsMs = entries[seq - 1]?.command.tsMs as number;
    const deferred: EngineEvent = { seq, ordinal: 0, tsMs, kind: 'LiquidationDeferred', account: 'trader', ledger: 'BTCUSDT', reason: 'book_unfilled', stage: 'book', retryAtMs: tsMs + 2 * retryAfterMs };
    const forged = entries.map((e) => (e.seq === seq ? { ...e, events: [deferred] } : e));
    const findings = verify(genesis, chainRecords(genesis, forged)).findings;
    expect(kinds(findings.filter((f) => f.kind === 'breach_unhandled'))).toEqual([[seq, 'breach_unhandled', 'trader', 'BTCUSDT']]);
    expect(findings.find((f) => f.kind === 'breach_unhandled')?.explanation).toContain(`longer than the rulebook's retryAfterMs ${retryAfterMs}`);
  });

  it('re-checks price signatures through the given check, and reports what it refuses', () => {
    const { genesis, records } = cleanJournal();
    const report = verifyJournal(genesis, records, {
      hasher: canonicalRecordHasher,
      signatures: (cmd) => (cmd.kind === 'price' && cmd.mark === 1_840_000n ? { ok: false, reason: 'forged' } : { ok: true }),
    });
    expect(report.signaturesChecked).toBe(true);
    expect(report.findings.map((f) => [f.kind, f.explanation])).toEqual([['signature_invalid', 'forged']]);
  });

  it('reads back what it writes as JSON lines (bigints included)', () => {
    const { genesis, records } = cleanJournal();
    const back = decodeJsonLines(encodeJsonLines(genesis, records));
    expect(encodeJsonLines(back.genesis, back.records)).toBe(encodeJsonLines(genesis, records));
    expect(verify(back.genesis, back.records).findings).toEqual([]);
  });
});
