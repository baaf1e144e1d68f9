// End-to-end through the CLI: `bailiff verify` on a clean journal, a tampered one and unreadable input.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliCaptured, type CliRun } from '../support/cli.js';
import { Engine } from '../../src/core/engine/engine.js';
import { JOURNAL_FORMAT_VERSION, type JournalGenesis, type JournalRecord } from '../../src/journal/types.js';
import { parseScenario } from '../../src/scenario/load.js';
import { chainRecords, encodeJsonLines } from '../../src/verify/jsonl.js';

const cli = (args: string[]): Promise<CliRun> => runCliCaptured(args);

function file(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'bailiff-verify-'));
  const path = join(dir, 'journal.jsonl');
  writeFileSync(path, text);
  return path;
}

const T = Date.UTC(2025, 1, 2, 20, 0);

/** An isolated long liquidated on the maker's bid at 18,400 (src/verify/verify.test.ts works the figures). */
function journal(): { genesis: JournalGenesis; records: JournalRecord[] } {
  const scenario = parseScenario({
    settlement: { asset: 'USDT', decimals: 6 },
    rulebook: 'binance',
    startAt: T,
    markets: [{ id: 'BTCUSDT', baseDecimals: 3, priceDecimals: 2, tickSize: '0.01', stepSize: '0.001', margin: { tiers: [{ notionalFloor: '0', maxLeverage: 20, maintenanceRatio: '0.025' }] } }],
    accounts: [
      { id: 'trader', deposits: { USDT: '1000' } },
      { id: 'maker', deposits: { USDT: '1000000' } },
    ],
    commands: [
      { at: T, kind: 'price', market: 'BTCUSDT', mark: '20000' },
      { at: T + 1, kind: 'fill', market: 'BTCUSDT', price: '20000', size: '0.5', buyer: { account: 'trader', marginMode: 'isolated', isolatedMargin: '1000' }, seller: 'maker' },
      { at: T + 2, kind: 'place_order', account: 'maker', market: 'BTCUSDT', id: 'bid', side: 'buy', price: '18400', size: '0.5' },
      { at: T + 3, kind: 'price', market: 'BTCUSDT', mark: '18400' },
    ],
  });
  const genesis: JournalGenesis = { formatVersion: JOURNAL_FORMAT_VERSION, config: scenario.config, rulebook: scenario.rulebook };
  const engine = Engine.create(genesis.config, genesis.rulebook);
  const entries = scenario.commands.map((command) => ({ command, events: engine.apply(command), seq: engine.seq }));
  return { genesis, records: chainRecords(genesis, entries) };
}

describe('bailiff verify', () => {
  it('a clean journal: no finding line, a summary, exit 0', async () => {
    const { genesis, records } = journal();
    const r = await cli(['verify', file(encodeJsonLines(genesis, records))]);
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    expect(r.err).toContain(`verify: ${records.length} records, replayed through seq ${records.length} with the exact scan, 1 liquidation steps recorded; no findings`);
  });

  it('a dropped record: one finding line naming the gap, exit 1', async () => {
    const { genesis, records } = journal();
    const r = await cli(['verify', file(encodeJsonLines(genesis, records.filter((x) => x.seq !== 2)))]);
    expect(r.code).toBe(1);
    expect(r.out.trimEnd().split('\n')).toEqual(['seq 2 seq_gap: record 2 is missing: the chain goes on without it (replay stops at seq 1)']);
    expect(r.err).toContain('1 finding(s): 1 seq_gap');
  });

  it('unreadable input: exit 2 with one error line', async () => {
    expect((await cli(['verify', '/nonexistent/journal.jsonl'])).code).toBe(2);
    const garbage = await cli(['verify', file('{"genesis": {}}\nnot json\n')]);
    expect(garbage.code).toBe(2);
    expect(garbage.err).toMatch(/^error: .*line 1: not a genesis/);
    const badRecord = journal();
    const text = encodeJsonLines(badRecord.genesis, badRecord.records).replace(/\n[^\n]*\n$/, '\nnot json\n');
    const r = await cli(['verify', file(text)]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/line \d+: not JSON/);
  });
});
