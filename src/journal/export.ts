// Export for analysts: the liquidation history and the account states of a journal, as rows of decimal strings,
// written as CSV (RFC 4180) or JSON lines. Rows come out of generators over the journal's entries, so a journal of
// any length streams through in constant memory (the account states replay it into one engine).
//
// Amounts print through the wire encoder (wire/encode.ts encodeEvent): one rule for atoms -> decimal strings, in
// the unit EVENT_UNITS declares for each field (price and size in the market's decimals, quote in the settlement
// asset's). A size column is always non-negative; `side` says its direction.

import { Engine } from '../core/engine/engine.js';
import type { EngineEvent } from '../core/engine/events.js';
import { evaluateAccount } from '../core/margin/evaluate.js';
import { priceForNotional } from '../core/market/spec.js';
import { abs, formatDecimal } from '../core/units/index.js';
import type { UnitLookup } from '../wire/decode.js';
import { encodeEvent, type WireValue } from '../wire/encode.js';
import type { JournalEntry, JournalGenesis } from './types.js';

/** One exported row: column -> decimal string, code or id; null for a column that does not apply. */
export type ExportRow = Readonly<Record<string, string | number | boolean | null>>;

// ---- liquidation history ---------------------------------------------------------------------------------------

/**
 * The columns of the liquidation history, in order.
 * - event: the engine's event kind; stage: the waterfall stage (size, book, takeover, deleverage, deficit, unwind,
 *   guard); route: book, backstop, takeover, adl, offset (how a position left the ledger)
 * - account: the account the row is about (the liquidated one; the liquidator for LiquidatorRewarded; the opposite
 *   position for Deleveraged); counterparty: the other side when there is one (the taker, the liquidated account)
 * - side: buy / sell for a trade's direction; long / short for the side a socialised loss was charged to
 * - size, price, bankruptcy_price, limit_price: in the market's units; fee, amount, realised_pnl, equity,
 *   maintenance: in the settlement asset's
 * - reason: the code that explains the row (sizing why, deferral, cap, fund movement)
 */
export const LIQUIDATION_COLUMNS = [
  'seq',
  'ordinal',
  'time',
  'event',
  'stage',
  'route',
  'account',
  'ledger',
  'market',
  'counterparty',
  'side',
  'size',
  'price',
  'fee',
  'amount',
  'realised_pnl',
  'equity',
  'maintenance',
  'bankruptcy_price',
  'limit_price',
  'step',
  'reason',
] as const;

export type LiquidationColumn = (typeof LIQUIDATION_COLUMNS)[number];

/** The causes of a position change that belong to a liquidation (the fills of stages 2-4 and the fund's unwind). */
const LIQUIDATION_CAUSES: ReadonlySet<string> = new Set(['liquidation', 'takeover', 'deleverage', 'unwind']);
const STAGE_OF_CAUSE: Readonly<Record<string, string>> = { liquidation: 'book', takeover: 'takeover', deleverage: 'deleverage', unwind: 'unwind' };

const isoTime = (tsMs: number): string => new Date(tsMs).toISOString();
/** A decimal string without its sign: the size columns are magnitudes, `side` carries the direction. */
const magnitude = (v: WireValue | undefined): string | null => (typeof v === 'string' ? v.replace(/^-/, '') : null);
const text = (v: WireValue | undefined): string | null => (typeof v === 'string' ? v : null);
const tradeSide = (signed: bigint): string => (signed > 0n ? 'buy' : 'sell');

/**
 * The direction in which each liquidated position closes, by account and market, learned from LiquidationStarted
 * (a long closes by selling): the fills that follow carry only a size.
 */
export type CloseSides = Map<string, 'buy' | 'sell'>;
const sideKey = (account: string, market: string): string => `${account}\u0000${market}`;
const opposite = (side: 'buy' | 'sell' | undefined): 'buy' | 'sell' | null => (side === undefined ? null : side === 'buy' ? 'sell' : 'buy');

/** The liquidation row of one event, or null for an event that is not part of a liquidation. */
export function liquidationRow(event: EngineEvent, units: UnitLookup, sides: CloseSides): ExportRow | null {
  const partial = liquidationFields(event, units, sides);
  if (partial === null) return null;
  const row: Record<string, string | number | null> = {};
  for (const c of LIQUIDATION_COLUMNS) row[c] = null;
  Object.assign(row, { seq: event.seq, ordinal: event.ordinal, time: isoTime(event.tsMs), event: event.kind }, partial);
  return row;
}

function liquidationFields(e: EngineEvent, units: UnitLookup, sides: CloseSides): Partial<Record<LiquidationColumn, string | number | null>> | null {
  switch (e.kind) {
    case 'LiquidationStarted': {
      const w = encodeEvent(e, units);
      const side = e.size > 0n ? 'sell' : 'buy'; // closing a long sells; closing a short buys
      sides.set(sideKey(e.account, e.market), side);
      return {
        stage: e.stage,
        route: e.route,
        account: e.account,
        ledger: e.ledger,
        market: e.market,
        side,
        size: magnitude(w.closeSize),
        price: text(w.mark),
        equity: text(w.equity),
        maintenance: text(w.maintenance),
        bankruptcy_price: text(w.bankruptcyPrice),
        limit_price: text(w.limitPrice),
        step: e.step,
        reason: e.why,
      };
    }
    case 'LiquidationFill': {
      const w = encodeEvent(e, units);
      const side = sides.get(sideKey(e.account, e.market)) ?? null;
      return { stage: e.stage, route: e.route, account: e.account, market: e.market, counterparty: e.counterparty, side, size: magnitude(w.size), price: text(w.price) };
    }
    case 'PositionChanged': {
      if (!LIQUIDATION_CAUSES.has(e.cause)) return null;
      const w = encodeEvent(e, units);
      return {
        stage: STAGE_OF_CAUSE[e.cause] ?? null,
        route: e.cause,
        account: e.account,
        ledger: e.marginMode === 'isolated' ? e.market : 'cross',
        market: e.market,
        side: tradeSide(e.sizeDelta),
        size: magnitude(w.sizeDelta),
        price: text(w.price),
        fee: text(w.fee),
        realised_pnl: text(w.realisedPnl),
      };
    }
    case 'Deleveraged': {
      const w = encodeEvent(e, units);
      return {
        stage: e.stage,
        route: e.method,
        account: e.account,
        market: e.market,
        counterparty: e.liquidated,
        // The opposite position trades against the liquidated one's close.
        side: opposite(sides.get(sideKey(e.liquidated, e.market))),
        size: magnitude(w.size),
        price: text(w.price),
        equity: text(w.ledgerEquity),
      };
    }
    case 'TakeoverCapped': {
      const w = encodeEvent(e, units);
      const side = sides.get(sideKey(e.account, e.market)) ?? null;
      return { stage: e.stage, route: 'takeover', account: e.account, market: e.market, counterparty: e.taker, side, size: magnitude(w.taken), reason: e.reason };
    }
    case 'LiquidationDeferred':
      return { stage: e.stage, account: e.account, ledger: e.ledger, reason: e.reason };
    case 'LiquidationEnded': {
      const w = encodeEvent(e, units);
      return { account: e.account, ledger: e.ledger, equity: text(w.equity), maintenance: text(w.maintenance), step: e.steps };
    }
    case 'LiquidatorRewarded': {
      const w = encodeEvent(e, units);
      return { stage: e.stage, account: e.account, market: e.market, counterparty: e.liquidated, amount: text(w.amount) };
    }
    case 'InsuranceFundChanged': {
      if (e.stage === null) return null; // a deposit into the fund, not a liquidation
      const w = encodeEvent(e, units);
      return { stage: e.stage, account: e.account, market: e.market, amount: text(w.delta), reason: e.reason };
    }
    case 'BadDebt': {
      const w = encodeEvent(e, units);
      return { stage: e.stage, account: e.account, market: e.market, amount: text(w.amount) };
    }
    case 'Socialised': {
      const w = encodeEvent(e, units);
      return { stage: e.stage, market: e.market, side: e.side, amount: text(w.charged) };
    }
    case 'FundUnwound': {
      const w = encodeEvent(e, units);
      return { stage: e.stage, route: 'unwind', market: e.market, side: tradeSide(e.sizeDelta), size: magnitude(w.sizeDelta), price: text(w.price), realised_pnl: text(w.realisedPnl) };
    }
    default:
      return null;
  }
}

/** The liquidation history of a journal, in journal order (seq, then ordinal), up to `toSeq` when given. */
export function* liquidationRows(entries: Iterable<JournalEntry>, units: UnitLookup, toSeq?: number): Generator<ExportRow> {
  const sides: CloseSides = new Map();
  for (const entry of entries) {
    if (toSeq !== undefined && entry.seq > toSeq) return;
    for (const event of entry.events) {
      const row = liquidationRow(event, units, sides);
      if (row !== null) yield row;
    }
  }
}

// ---- account states --------------------------------------------------------------------------------------------

/**
 * The columns of the account states: one row per account per position (an account without positions: one row with
 * the position columns empty), at the journal's head or at `seq`.
 * - ledger: cross, or the market of an isolated position; equity / maintenance: that ledger's, at the mark
 * - balance: the account's settlement-asset balance; size and side (long / short) of the position
 * - priced: false when a price the account depends on is missing (then the figures are empty)
 */
export const ACCOUNT_COLUMNS = [
  'seq',
  'time',
  'account',
  'balance',
  'ledger',
  'market',
  'margin_mode',
  'side',
  'size',
  'entry_price',
  'mark_price',
  'notional',
  'unrealised_pnl',
  'isolated_margin',
  'equity',
  'maintenance',
  'in_breach',
  'priced',
] as const;

export interface AccountStatesOptions {
  /** The state after this record (default: the last entry). */
  readonly atSeq?: number;
}

/**
 * Replays the journal's commands into an engine created from its genesis, up to `atSeq`, and yields the account
 * states there. The replay is checked against the journal as it goes (each entry's seq and its events' count): an
 * export never prints a state the journal does not describe.
 */
export function* accountRows(genesis: JournalGenesis, entries: Iterable<JournalEntry>, units: UnitLookup, o: AccountStatesOptions = {}): Generator<ExportRow> {
  const engine = Engine.create(genesis.config, genesis.rulebook);
  for (const entry of entries) {
    if (o.atSeq !== undefined && entry.seq > o.atSeq) break;
    const events = engine.apply(entry.command);
    if (engine.seq !== entry.seq || events.length !== entry.events.length) {
      throw new ReplayMismatch(entry.seq, `replay gave seq ${engine.seq} with ${events.length} events, the journal ${entry.seq} with ${entry.events.length}`);
    }
  }
  if (o.atSeq !== undefined && engine.seq !== o.atSeq) throw new ReplayMismatch(o.atSeq, `the journal ends at seq ${engine.seq}`);
  yield* accountStates(engine, units);
}

/** A replay that does not match its journal: the export stops rather than print a state nobody recorded. */
export class ReplayMismatch extends Error {
  override readonly name = 'ReplayMismatch';
  constructor(
    readonly seq: number,
    detail: string,
  ) {
    super(`seq ${seq}: ${detail}`);
  }
}

/** The account states of an engine as it stands (sorted by account id, then market). */
export function* accountStates(engine: Engine, units: UnitLookup): Generator<ExportRow> {
  const s = engine.state;
  const q = (v: bigint): string => formatDecimal(v, s.quoteDecimals);
  const priceOf = (market: string, v: bigint): string => {
    const m = units.market(market);
    return m === undefined ? v.toString() : formatDecimal(v, m.priceDecimals);
  };
  const sizeOf = (market: string, v: bigint): string => {
    const m = units.market(market);
    return m === undefined ? v.toString() : formatDecimal(v, m.baseDecimals);
  };
  const head = { seq: engine.seq, time: isoTime(engine.timeMs) };
  const ids = [...s.accounts.keys()].sort();
  for (const id of ids) {
    const account = s.accounts.get(id);
    if (account === undefined) continue;
    const ev = evaluateAccount(s, account);
    const balance = q(account.balances.get(s.settlementAsset) ?? 0n);
    const base = { ...empty(ACCOUNT_COLUMNS), ...head, account: id, balance, priced: ev.priced, in_breach: engine.isBreached(id) };
    const markets = [...account.positions.keys()].sort();
    if (markets.length === 0) {
      yield ev.priced ? { ...base, ledger: 'cross', equity: q(ev.cross.equity), maintenance: q(ev.cross.maintenance) } : base;
      continue;
    }
    for (const market of markets) {
      const p = account.positions.get(market);
      if (p === undefined) continue;
      const margin = p.isolatedMargin;
      const isolated = margin !== null;
      const row: Record<string, string | number | boolean | null> = {
        ...base,
        ledger: isolated ? market : 'cross',
        market,
        margin_mode: isolated ? 'isolated' : 'cross',
        side: p.size > 0n ? 'long' : 'short',
        size: sizeOf(market, abs(p.size)),
        isolated_margin: margin === null ? null : q(margin),
      };
      if (ev.priced) {
        const figures = ev.positions.find((f) => f.market === market);
        const iso = ev.isolated.find((f) => f.market === market);
        const ledger = iso ?? ev.cross;
        Object.assign(row, {
          mark_price: figures === undefined ? null : priceOf(market, figures.mark),
          notional: figures === undefined ? null : q(figures.notional),
          unrealised_pnl: figures === undefined ? null : q(figures.unrealisedPnl),
          equity: q(ledger.equity),
          maintenance: q(ledger.maintenance),
        });
      }
      // The engine's own rule for PositionChanged.entryPrice: |cost basis| / |size|, half-even (engine/trading.ts).
      const spec = engine.market(market)?.spec;
      if (spec !== undefined) row.entry_price = priceOf(market, priceForNotional(spec, s.quoteDecimals, abs(p.size), abs(p.entryQuote), 'half_even'));
      yield row;
    }
  }
}

/** Columns set to null: the base every row is built on, so that every row has every column. */
function empty(columns: readonly string[]): Record<string, null> {
  return Object.fromEntries(columns.map((c) => [c, null]));
}

// ---- formats ---------------------------------------------------------------------------------------------------

export type ExportFormat = 'csv' | 'jsonl';

/**
 * One CSV field per RFC 4180 section 2: a field holding a comma, a double quote, CR or LF is enclosed in double
 * quotes, and a double quote inside it is doubled. null is the empty field; numbers and booleans print as JSON does.
 */
export function csvField(v: string | number | boolean | null): string {
  if (v === null) return '';
  const t = String(v);
  return /[",\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

/** CSV lines (each ending in CRLF, RFC 4180): the header, then one line per row, columns in the given order. */
export function* csvLines(rows: Iterable<ExportRow>, columns: readonly string[]): Generator<string> {
  yield `${columns.map(csvField).join(',')}\r\n`;
  for (const row of rows) yield `${columns.map((c) => csvField(row[c] ?? null)).join(',')}\r\n`;
}

/** JSON lines: one object per row with every column, in the given order (decimal strings stay strings). */
export function* jsonLines(rows: Iterable<ExportRow>, columns: readonly string[]): Generator<string> {
  for (const row of rows) yield `${JSON.stringify(Object.fromEntries(columns.map((c) => [c, row[c] ?? null])))}\n`;
}

export function formatRows(format: ExportFormat, rows: Iterable<ExportRow>, columns: readonly string[]): Generator<string> {
  return format === 'csv' ? csvLines(rows, columns) : jsonLines(rows, columns);
}
