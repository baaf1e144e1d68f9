import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Engine } from '../core/engine/engine.js';
import type { EngineEvent } from '../core/engine/events.js';
import { dec } from '../core/units/index.js';
import { parseScenario } from '../scenario/load.js';
import { ACCOUNT_COLUMNS, LIQUIDATION_COLUMNS, ReplayMismatch, accountRows, csvField, csvLines, jsonLines, liquidationRows, type ExportRow } from './export.js';
import { JOURNAL_FORMAT_VERSION, type JournalEntry, type JournalGenesis } from './types.js';

/** A tiny RFC 4180 reader (section 2): CRLF records, quoted fields with doubled quotes inside. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i++;
      } else {
        field += c;
        i++;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
      i++;
    } else if (c === ',') {
      record.push(field);
      field = '';
      i++;
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 2;
    } else {
      expect(c, `bare ${JSON.stringify(c)} outside quotes at ${i}`).not.toMatch(/["\r\n]/);
      field += c;
      i++;
    }
  }
  expect(field === '' && record.length === 0, 'the text ends with CRLF').toBe(true);
  return records;
}

/** A journal in memory: the scenario's commands applied to an engine, each with its events (what A's journal stores). */
function journalOf(json: unknown): { genesis: JournalGenesis; entries: JournalEntry[]; units: ReturnType<typeof parseScenario>['units'] } {
  const sc = parseScenario(json);
  const genesis: JournalGenesis = { formatVersion: JOURNAL_FORMAT_VERSION, config: sc.config, rulebook: sc.rulebook };
  const engine = Engine.create(sc.config, sc.rulebook);
  const entries = sc.commands.map((command) => ({ command, events: engine.apply(command), seq: engine.seq }));
  return { genesis, entries, units: sc.units };
}

// An isolated 20x long liquidated on the book (BTCUSDT: 3 size decimals, 2 price decimals, MMR 0.4%).
const ISOLATED_LONG = {
  settlement: { asset: 'USDT', decimals: 6 },
  rulebook: 'binance',
  startAt: '2025-02-02T22:00:00Z',
  markets: [
    {
      id: 'BTCUSDT',
      baseDecimals: 3,
      priceDecimals: 2,
      tickSize: '0.1',
      stepSize: '0.001',
      margin: { tiers: [{ notionalFloor: '0', maxLeverage: 125, maintenanceRatio: '0.004' }] },
    },
  ],
  accounts: [
    { id: 'alice', deposits: { USDT: '1000' } },
    { id: 'maker', deposits: { USDT: '1000000' } },
  ],
  commands: [
    { at: '2025-02-02T22:00:00Z', kind: 'price', market: 'BTCUSDT', mark: '100000' },
    {
      kind: 'fill',
      market: 'BTCUSDT',
      price: '100000',
      size: '0.2',
      buyer: { account: 'alice', marginMode: 'isolated', isolatedMargin: '1000', feeRate: '0' },
      seller: { account: 'maker', feeRate: '0' },
    },
    { kind: 'place_order', account: 'maker', market: 'BTCUSDT', id: 'b1', side: 'buy', price: '95100', size: '0.2' },
    { at: '2025-02-02T22:10:00Z', kind: 'price', market: 'BTCUSDT', mark: '95200' },
  ],
};

const rowsOf = (records: string[][]): Record<string, string>[] => {
  const [header, ...body] = records;
  return body.map((r) => Object.fromEntries((header ?? []).map((h, i) => [h, r[i] ?? ''])));
};

describe('liquidation history', () => {
  const j = journalOf(ISOLATED_LONG);
  const csv = [...csvLines(liquidationRows(j.entries, j.units), LIQUIDATION_COLUMNS)].join('');

  it('one row per step, fill, fund movement and end, with the figures worked out by hand', () => {
    const records = parseCsv(csv);
    expect(records[0]).toEqual([...LIQUIDATION_COLUMNS]);
    const rows = rowsOf(records);
    // Seq 8 is the price of 95200 (setup: 1 rulebook, 2 market, 3-4 deposits; 5 price, 6 fill, 7 order).
    expect(rows.map((r) => [r.seq, r.ordinal, r.event, r.stage, r.account, r.side, r.size, r.price])).toEqual([
      ['8', '0', 'LiquidationStarted', 'size', 'alice', 'sell', '0.2', '95200'],
      ['8', '1', 'PositionChanged', 'book', 'maker', 'buy', '0.2', '95100'],
      ['8', '2', 'PositionChanged', 'book', 'alice', 'sell', '0.2', '95100'],
      ['8', '3', 'InsuranceFundChanged', 'book', 'alice', '', '', ''],
      ['8', '4', 'LiquidationFill', 'book', 'alice', 'sell', '0.2', '95100'],
      ['8', '5', 'LiquidationEnded', '', 'alice', '', '', ''],
    ]);
    const [started, , aliceFill, fund] = rows;
    // Isolated equity at 95200: 1000 + 0.2 x (95200 - 100000) = 40; maintenance 0.2 x 95200 x 0.004 = 76.16;
    // bankruptcy price 100000 - 1000 / 0.2 = 95000 (the Binance limit).
    expect(started).toMatchObject({ time: '2025-02-02T22:10:00.000Z', ledger: 'BTCUSDT', equity: '40', maintenance: '76.16', bankruptcy_price: '95000', limit_price: '95000', step: '1', reason: 'full_policy' });
    // The fill at 95100 realises 0.2 x (95100 - 100000) = -980; the surplus over bankruptcy, 0.2 x (95100 - 95000) =
    // 20, is the insurance fund's liquidation fee.
    expect(aliceFill).toMatchObject({ route: 'liquidation', fee: '0', realised_pnl: '-980' });
    expect(fund).toMatchObject({ amount: '20', reason: 'liquidation_fee', market: 'BTCUSDT' });
  });

  it('JSON lines carry the same rows, typed: decimal strings stay strings, null where CSV is empty', () => {
    const csvRows = rowsOf(parseCsv(csv));
    const json = [...jsonLines(liquidationRows(j.entries, j.units), LIQUIDATION_COLUMNS)].map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(json).toHaveLength(csvRows.length);
    json.forEach((row, i) => {
      expect(Object.keys(row)).toEqual([...LIQUIDATION_COLUMNS]);
      for (const c of LIQUIDATION_COLUMNS) expect(row[c] === null ? '' : String(row[c])).toBe(csvRows[i]?.[c]);
    });
    expect(json[0]).toMatchObject({ seq: 8, size: '0.2', price: '95200', fee: null });
  });

  it('stops at --seq', () => {
    expect([...liquidationRows(j.entries, j.units, 7)]).toEqual([]);
    expect([...liquidationRows(j.entries, j.units, 8)]).toHaveLength(6);
  });

  it('decimal strings are exact: every price and size parses back to the atoms of its event (crash example)', () => {
    const crash = journalOf(JSON.parse(readFileSync('examples/crash-liquidations.json', 'utf8')));
    const events = new Map<string, EngineEvent>();
    for (const e of crash.entries) for (const ev of e.events) events.set(`${ev.seq}/${ev.ordinal}`, ev);
    let checked = 0;
    for (const row of liquidationRows(crash.entries, crash.units)) {
      const ev = events.get(`${row.seq}/${row.ordinal}`) as unknown as Record<string, unknown>;
      const m = crash.units.market(String(row.market));
      if (m === undefined || typeof row.size !== 'string' || typeof row.price !== 'string') continue;
      const rawSize = (ev.closeSize ?? ev.sizeDelta ?? ev.size) as bigint;
      const rawPrice = (ev.kind === 'LiquidationStarted' ? ev.mark : ev.price) as bigint;
      expect(dec(row.size, m.baseDecimals)).toBe(rawSize < 0n ? -rawSize : rawSize);
      expect(dec(row.price, m.priceDecimals)).toBe(rawPrice);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(4); // the start, two book fills (each side) and the fill summary at least
  });
});

describe('account states', () => {
  const j = journalOf(ISOLATED_LONG);
  const rows = (atSeq?: number): ExportRow[] => [...accountRows(j.genesis, j.entries, j.units, atSeq === undefined ? {} : { atSeq })];

  it('before the liquidation (seq 7): one row per position, figures at the mark', () => {
    const [alice, maker, fund, ...rest] = rows(7);
    expect(rest).toEqual([]);
    // The insurance fund is an account of the venue's, empty until the liquidation.
    expect(fund).toMatchObject({ account: 'venue:insurance', balance: '0', ledger: 'cross', market: null, equity: '0' });
    // alice: isolated long 0.2 at 100000, mark 100000: notional 20000, uPnL 0, margin 1000, equity 1000,
    // maintenance 20000 x 0.004 = 80; her cash went into the isolated margin (balance 0).
    expect(alice).toEqual({
      seq: 7, time: '2025-02-02T22:00:00.000Z', account: 'alice', balance: '0', ledger: 'BTCUSDT', market: 'BTCUSDT', margin_mode: 'isolated',
      side: 'long', size: '0.2', entry_price: '100000', mark_price: '100000', notional: '20000', unrealised_pnl: '0', isolated_margin: '1000',
      equity: '1000', maintenance: '80', in_breach: false, priced: true,
    });
    // maker: cross short 0.2, 1000000 cash; the same maintenance of 80.
    expect(maker).toMatchObject({ account: 'maker', ledger: 'cross', margin_mode: 'cross', side: 'short', size: '0.2', isolated_margin: null, equity: '1000000', maintenance: '80' });
  });

  it('at the head: no positions left, one row per account (the insurance fund holds the 20 fee)', () => {
    expect(rows().map((r) => [r.seq, r.account, r.balance, r.market, r.equity])).toEqual([
      [8, 'alice', '0', null, '0'],
      // The maker bought back its short at 95100: 1000000 + 0.2 x (100000 - 95100) = 1000980.
      [8, 'maker', '1000980', null, '1000980'],
      [8, 'venue:insurance', '20', null, '20'],
    ]);
    for (const r of rows()) expect(Object.keys(r).sort()).toEqual([...ACCOUNT_COLUMNS].sort());
  });

  it('refuses a journal its replay does not match, and a --seq beyond the head', () => {
    const dropped = j.entries.filter((e) => e.seq !== 6); // the fill gone: seq 7 replays as seq 6
    expect(() => [...accountRows(j.genesis, dropped, j.units)]).toThrow(ReplayMismatch);
    expect(() => rows(99)).toThrow(/journal ends at seq 8/);
  });
});

describe('CSV per RFC 4180', () => {
  it('quotes fields with commas, quotes, CR or LF, doubling quotes; plain fields stay bare', () => {
    expect(csvField('plain-1.5')).toBe('plain-1.5');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\r\nlines')).toBe('"two\r\nlines"');
    expect(csvField(null)).toBe('');
    expect(csvField(-3)).toBe('-3');
    expect(csvField(false)).toBe('false');
  });

  it('any strings round-trip through the reader', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.string({ unit: fc.constantFrom('a', ',', '"', '\r', '\n', ' ', '9') }), { minLength: 2, maxLength: 2 }), { maxLength: 8 }), (cells) => {
        const rows = cells.map(([a, b]) => ({ x: a ?? '', y: b ?? '' }));
        const back = parseCsv([...csvLines(rows, ['x', 'y'])].join(''));
        expect(back).toEqual([['x', 'y'], ...rows.map((r) => [r.x, r.y])]);
      }),
      { seed: 4180, numRuns: 300 },
    );
  });
});
