// Snapshots: the whole state as plain data (arrays in insertion order, bigints kept as bigints), and back.
// Insertion order is part of the state (it decides iteration order), so restore keeps it and a restored engine
// answers every later command with the same events. encodeSnapshot/decodeSnapshot make it JSON text.

import { assert, AssertionError } from '../assert.js';
import { borrowsFrom, type Account, type Position } from '../account/account.js';
import { marketState, type AssetSpec, type MarketPriceState, type MarketSpec, type MarketState, type VolatilityState } from '../market/index.js';
import type { Rulebook } from '../rulebooks/rulebook.js';
import { OrderBook, type BookSnapshot } from '../book/book.js';
import type { Price, Quote, Size } from '../units/index.js';
import { EngineState, INSURANCE_FUND, isVenueAccount, type EngineConfig } from './state.js';
import type { UnreadAccounts } from './account-table.js';
import type { Episode } from './enforcement-state.js';
import { ConditionalBook, type ConditionalSnapshot } from './conditional-book.js';
import type { Halted, PendingChange } from './guard-state.js';
import type { AttemptState, WindowLog } from '../liquidation/limits.js';
import { restoreEngineAuctions, snapshotEngineAuctions, type EngineAuctionsSnapshot } from './auctions.js';
import { restoreLending, snapshotLending, type LendingMarketSnapshot } from './lending.js'; // lending markets (issue 18)
import { restoreMorpho, snapshotMorpho, type MorphoMarketSnapshot } from './lending-morpho.js'; // lending markets (issue 18)
import { restoreComet, snapshotComet, type CometMarketSnapshot } from './lending-comet.js'; // Compound v3 markets (issue 18)

/**
 * 3: `ledger` became `venue` (the venue funds), the cross ledger's key `account|cross` (was `account|*`).
 * 4: `conditionals` (traders' conditional orders, with each trailing stop's best price since placement). A format 3
 * snapshot restores with none.
 */
export const SNAPSHOT_FORMAT_VERSION = 4;

export interface MarketSnapshot {
  readonly spec: MarketSpec;
  readonly indexPrice: Price | null;
  readonly markPrice: Price | null;
  readonly priceUpdatedMs: number;
  readonly fundingIndex: bigint;
  readonly openInterest: Size;
  readonly volatility: VolatilityState;
  readonly price: MarketPriceState;
  readonly book: BookSnapshot;
}

export interface PositionSnapshot {
  readonly market: string;
  readonly size: Size;
  readonly entryQuote: Quote;
  readonly fundingIndex: bigint;
  readonly isolatedMargin: Quote | null;
}

export interface AccountSnapshot {
  readonly id: string;
  readonly balances: readonly (readonly [string, bigint])[];
  readonly positions: readonly PositionSnapshot[];
  readonly borrows: readonly (readonly [string, bigint])[];
}

export interface Snapshot {
  readonly formatVersion: number;
  readonly seq: number;
  readonly timeMs: number;
  readonly config: EngineConfig;
  readonly rulebook: Rulebook;
  readonly markets: readonly MarketSnapshot[];
  readonly assets: readonly AssetSpec[];
  readonly accounts: readonly AccountSnapshot[];
  readonly enforcement: {
    readonly paused: boolean;
    readonly episodes: readonly (readonly [string, Episode])[];
    readonly hyperliquid: readonly (readonly [string, { lastPartialMs: number | null; bookUnfilled: boolean }])[];
    readonly windows: readonly (readonly [string, WindowLog])[];
    readonly attempts: readonly (readonly [string, AttemptState])[];
    readonly marginCalled: readonly string[];
  };
  /** The guards' state (guard-state.ts); absent in snapshots written before it existed: nothing linked, pending or halted. */
  readonly guards?: GuardsSnapshot;
  /**
   * Taken between two sweeps of margin calls (rulebook liquidation.marginCallIntervalMs) with changes the call index
   * has not followed yet (Engine.callsSettled false): a copy of the state to read, which Engine.restore refuses (the
   * call index as it stood cannot be rebuilt from it). Absent otherwise.
   */
  readonly marginCallsUnsettled?: true;
  /** Armed conditional orders in placement order (conditional-book.ts); absent in format 3: none. */
  readonly conditionals?: { readonly nextHandle: number; readonly orders: readonly ConditionalSnapshot[] };
  /** Lending markets (issue 18, lending.ts); absent when there are none (and in snapshots written before them). */
  readonly lending?: readonly LendingMarketSnapshot[];
  /** Morpho Blue markets (issue 18, lending-morpho.ts); absent when there are none. */
  readonly morpho?: readonly MorphoMarketSnapshot[];
  /** Compound v3 markets (issue 18, lending-comet.ts); absent when there are none. */
  readonly comet?: readonly CometMarketSnapshot[];
  /** The venue funds (state.ts VenueFunds). */
  readonly venue: {
    readonly feePool: bigint;
    readonly fundingPool: bigint;
    readonly badDebtWrittenOff: bigint;
    readonly deposited: readonly (readonly [string, bigint])[];
    readonly withdrawn: readonly (readonly [string, bigint])[];
    readonly borrowed: readonly (readonly [string, bigint])[];
    readonly repaid: readonly (readonly [string, bigint])[];
  };
  /** The auction house inside the engine (auctions.ts); absent until it is set up (and in snapshots from before). */
  readonly auctions?: EngineAuctionsSnapshot;
}

/**
 * What a restore reads (restoreFrame, restoreContents): a snapshot whose accounts may be any iterable, read once in order (a decoder can hand
 * them over one by one, so they never all sit in memory beside the state built from them).
 */
export type RestorableSnapshot = Omit<Snapshot, 'accounts'> & { readonly accounts: RestorableAccounts };

/**
 * A snapshot's accounts for a restore: any iterable; one that knows its length beforehand says so (an array does; so
 * does the journal's decoder, which has found every account's bytes before it parses one). The length is a capacity
 * hint only (Engine.restore sizes the indexes' tables for it before the accounts fill the heap), never trusted.
 */
export type RestorableAccounts = Iterable<AccountSnapshot> & {
  readonly length?: number;
  /**
   * Account k of the iteration (0-based) read again, a new value each call, at any time after the iteration reached
   * it: a decoder over immutable bytes can (the journal's). With it, Engine.restore keeps the accounts as numbers
   * until something reads them (account-table.ts) instead of making every account's objects.
   */
  readonly reread?: (k: number) => AccountSnapshot;
};

/** How many accounts a restore will read, when the iterable says so (0 when it does not): a capacity hint. */
export function accountCountHint(accounts: RestorableAccounts): number {
  const n = accounts.length;
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : 0;
}

export interface GuardsSnapshot {
  readonly groups: readonly (readonly [string, string])[];
  readonly pending: readonly PendingChange[];
  readonly depegged: readonly string[];
  readonly halted: Halted | null;
  readonly sinceAudit: number;
  readonly nextChange: number;
  readonly audits: number;
}

function positionSnapshot(p: Position): PositionSnapshot {
  return { market: p.market, size: p.size, entryQuote: p.entryQuote, fundingIndex: p.fundingIndex, isolatedMargin: p.isolatedMargin };
}

export function accountSnapshot(a: Account): AccountSnapshot {
  return {
    id: a.id,
    balances: [...a.balances],
    positions: [...a.positions.values()].map(positionSnapshot),
    borrows: [...a.borrows],
  };
}

function marketSnapshot(m: MarketState): MarketSnapshot {
  return {
    spec: m.spec,
    indexPrice: m.indexPrice,
    markPrice: m.markPrice,
    priceUpdatedMs: m.priceUpdatedMs,
    fundingIndex: m.fundingIndex,
    openInterest: m.openInterest,
    volatility: m.volatility,
    price: structuredClone(m.price),
    book: m.book.snapshot(),
  };
}

/**
 * Accounts an earlier snapshot of the same engine already holds: `previous` (its accounts, in order) and `changed`
 * (every account whose state may have changed since it was taken: what Engine.takeTouched() drained since, a
 * superset of the changed ones). snapshotState takes an account not in `changed` from `previous` instead of copying
 * it again; the snapshot is the same. Why: at 1M accounts the copy of every account took ~1.4-1.8 s, which a service
 * waits for at each snapshot; between two snapshots few accounts change (journal/durable.ts).
 */
export interface AccountReuse {
  readonly previous: readonly AccountSnapshot[];
  readonly changed: ReadonlySet<string>;
}

function accountSnapshots(s: EngineState, reuse: AccountReuse | undefined): AccountSnapshot[] {
  const out = new Array<AccountSnapshot>(s.accounts.size);
  const previous = reuse?.previous;
  const changed = reuse?.changed;
  let i = 0;
  // Accounts are never removed, and the table keeps their order: account i is previous[i] or one added after it
  // (the id check falls back to a copy if that ever stops holding). An account a restore has not read yet is copied
  // from its snapshot, not made into objects first (account-table.ts).
  for (const [id, a] of s.accounts.rawEntries()) {
    const before = previous?.[i];
    if (before !== undefined && before.id === id && !(changed as ReadonlySet<string>).has(id)) out[i++] = before;
    else out[i++] = typeof a === 'number' ? s.accounts.unreadSnapshot(a) : accountSnapshot(a);
  }
  return out;
}

export function snapshotState(s: EngineState, reuse?: AccountReuse): Snapshot {
  return {
    formatVersion: SNAPSHOT_FORMAT_VERSION,
    seq: s.seq,
    timeMs: s.timeMs,
    config: s.config,
    rulebook: s.rulebook,
    markets: [...s.markets.values()].map(marketSnapshot),
    assets: [...s.assets.values()],
    accounts: accountSnapshots(s, reuse),
    enforcement: {
      paused: s.enforcement.paused,
      episodes: [...s.enforcement.episodes].map(([k, e]) => [k, { ...e }] as const),
      hyperliquid: [...s.enforcement.hyperliquid].map(([k, h]) => [k, { ...h }] as const),
      // Window logs and attempt states are immutable values (liquidation/limits.ts): shared, not copied.
      windows: [...s.enforcement.windows],
      attempts: [...s.enforcement.attempts],
      // In id order: the set's own order is that of the calls, which a recovery taking them from records (Engine.
      // deferMarginCalls) does not repeat; nothing reads the order.
      marginCalled: [...s.enforcement.marginCalled].sort(),
    },
    guards: {
      groups: [...s.guards.groups],
      pending: [...s.guards.pending.values()],
      depegged: [...s.guards.depegged],
      halted: s.guards.halted,
      sinceAudit: s.guards.sinceAudit,
      nextChange: s.guards.nextChange,
      audits: s.guards.audits,
    },
    conditionals: s.conditionals.snapshot(),
    venue: {
      feePool: s.venue.feePool,
      fundingPool: s.venue.fundingPool,
      badDebtWrittenOff: s.venue.badDebtWrittenOff,
      deposited: [...s.venue.deposited],
      withdrawn: [...s.venue.withdrawn],
      borrowed: [...s.venue.borrowed],
      repaid: [...s.venue.repaid],
    },
    ...(s.auctions === null ? {} : { auctions: snapshotEngineAuctions(s.auctions) }),
    // lending markets (issue 18): absent when there are none, so snapshots without lending keep their bytes
    ...(s.lending.size === 0 ? {} : { lending: snapshotLending(s.lending) }),
    ...(s.morpho.size === 0 ? {} : { morpho: snapshotMorpho(s.morpho) }),
    ...(s.comet.size === 0 ? {} : { comet: snapshotComet(s.comet) }),
  };
}

/**
 * The first part of a restore (Engine.restore: restoreFrame, the indexes' tables, then restoreContents): the state with its config, rulebook, clock, markets and assets, and no accounts
 * yet. Engine.restore builds the indexes' tables on it, while the heap is small (why: engine.ts restore).
 */
export function restoreFrame(snap: RestorableSnapshot): EngineState {
  assert(snap.formatVersion === SNAPSHOT_FORMAT_VERSION || snap.formatVersion === 3, `snapshot format ${snap.formatVersion} is not ${SNAPSHOT_FORMAT_VERSION}`);
  const s = new EngineState(snap.config, snap.rulebook);
  s.seq = snap.seq;
  s.timeMs = snap.timeMs;
  // Price states written before the guards' fields existed read as neither clamped nor with outliers.
  for (const m of snap.markets) {
    const price: MarketPriceState = structuredClone(m.price);
    price.clamped ??= null;
    price.outliers ??= [];
    price.markFallback ??= null;
    s.markets.set(m.spec.id, marketState({ ...m, price, book: OrderBook.restore(m.book) }));
  }
  for (const a of snap.assets) s.assets.set(a.id, a);
  return s;
}

/**
 * Account `a` of a snapshot as the state holds it, under number `no`: what a restore makes of each account, eagerly
 * (restoreContents) or when first read (Engine.restore's accounts not read yet, account-table.ts).
 */
export function accountFromSnapshot(s: EngineState, a: AccountSnapshot, no: number): Account {
  const positions = new Map<string, Position>();
  for (const p of a.positions) {
    // The market's own id string, not the snapshot's copy of it: one string per market, not per position.
    const market = s.markets.get(p.market)?.spec.id ?? p.market;
    positions.set(market, { market, size: p.size, entryQuote: p.entryQuote, fundingIndex: p.fundingIndex, isolatedMargin: p.isolatedMargin });
  }
  return { id: a.id, no, balances: new Map(a.balances), positions, borrows: borrowsFrom(a.borrows) };
}

/**
 * The number account `a` of a snapshot takes in the state being restored, before it is added: the count before it
 * (the state holds only the insurance fund before the accounts, under its own number, and a snapshot lists each
 * account once). No lookup of a million new ids (numberFor): ~0.5 us each, a cache miss in a growing Map.
 */
export function restoredNumber(s: EngineState, id: string): number {
  return id === INSURANCE_FUND ? s.numberFor(id) : s.accounts.size;
}

/** A restore's check that the snapshot lists account `id` once: the state's count after adding it (`before`: before). */
export function assertRestoredOnce(s: EngineState, id: string, before: number): void {
  if (s.accounts.size === before && id !== INSURANCE_FUND) throw new AssertionError(`snapshot lists account ${id} twice`);
}

/** accountFromSnapshot on `s`, as a function of its own scope (restoreAccountsUnread). */
function accountMaker(s: EngineState): (snapshot: AccountSnapshot, no: number) => Account {
  return (snapshot, no) => accountFromSnapshot(s, snapshot, no);
}

/**
 * A snapshot's accounts added to the state as numbers not read yet (account-table.ts: each made from `reread` when
 * first read), each yielded once as an object made for a pass that reads it and keeps nothing of it (the indexes'
 * bulk build: Engine.restore). The venue's accounts are made and kept at once, and not yielded (watchedAccounts()
 * leaves them out too).
 */
export function* restoreAccountsUnread(s: EngineState, accounts: RestorableAccounts, reread: (k: number) => AccountSnapshot): Generator<Account> {
  // By account number: the account's place in the snapshot (the numbers differ from the places by the venue's).
  let place = new Int32Array(accountCountHint(accounts) + 1);
  s.accounts.reserve(accountCountHint(accounts));
  // `account` made apart: a closure made here would keep this generator's scope, `reread` and the bytes with it, after
  // the table dropped `snapshot` (UnreadAccounts).
  const unread: UnreadAccounts = { snapshot: (no) => reread(place[no] as number), account: accountMaker(s) };
  let k = 0;
  for (const a of accounts) {
    const no = restoredNumber(s, a.id);
    const account = accountFromSnapshot(s, a, no);
    if (isVenueAccount(a.id)) {
      const before = s.accounts.size;
      s.accounts.set(a.id, account);
      assertRestoredOnce(s, a.id, before);
    } else {
      if (no >= place.length) {
        const wider = new Int32Array(2 * no + 16);
        wider.set(place);
        place = wider;
      }
      place[no] = k;
      if (!s.accounts.setUnread(a.id, no, unread)) throw new AssertionError(`snapshot lists account ${a.id} twice`);
      yield account;
    }
    k++;
  }
}

/**
 * The rest of a restore, on restoreFrame's state: the accounts (unless `accounts` is false: Engine.restore then adds
 * them itself, as it indexes them), the venue, enforcement, guards and the rest.
 */
export function restoreContents(s: EngineState, snap: RestorableSnapshot, accounts = true): void {
  // The holders (state.ts EngineState.holders) are made from the accounts when first read, not here.
  if (accounts) {
    s.accounts.reserve(accountCountHint(snap.accounts));
    for (const a of snap.accounts) {
      const before = s.accounts.size;
      s.accounts.set(a.id, accountFromSnapshot(s, a, restoredNumber(s, a.id)));
      assertRestoredOnce(s, a.id, before);
    }
  }
  s.venue.feePool = snap.venue.feePool;
  s.venue.fundingPool = snap.venue.fundingPool;
  s.venue.badDebtWrittenOff = snap.venue.badDebtWrittenOff;
  s.enforcement.paused = snap.enforcement.paused;
  for (const [k, e] of snap.enforcement.episodes) s.enforcement.episodes.set(k, { ...e });
  for (const [k, h] of snap.enforcement.hyperliquid) s.enforcement.hyperliquid.set(k, { ...h });
  for (const [k, w] of snap.enforcement.windows) s.enforcement.windows.set(k, w);
  for (const [k, a] of snap.enforcement.attempts) s.enforcement.attempts.set(k, a);
  for (const id of snap.enforcement.marginCalled) s.enforcement.marginCalled.add(id);
  const g = snap.guards;
  if (g !== undefined) {
    for (const [account, group] of g.groups) s.guards.groups.set(account, group);
    for (const p of g.pending) s.guards.pending.set(p.id, p);
    for (const a of g.depegged) s.guards.depegged.add(a);
    s.guards.halted = g.halted;
    s.guards.sinceAudit = g.sinceAudit;
    s.guards.nextChange = g.nextChange;
    s.guards.audits = g.audits;
  }
  s.conditionals = ConditionalBook.restore(snap.conditionals);
  for (const [k, v] of snap.venue.deposited) s.venue.deposited.set(k, v);
  for (const [k, v] of snap.venue.withdrawn) s.venue.withdrawn.set(k, v);
  for (const [k, v] of snap.venue.borrowed) s.venue.borrowed.set(k, v);
  for (const [k, v] of snap.venue.repaid) s.venue.repaid.set(k, v);
  if (snap.auctions !== undefined) s.auctions = restoreEngineAuctions(snap.auctions);
  restoreLending(s.lending, snap.lending); // lending markets (issue 18)
  restoreMorpho(s.morpho, snap.morpho);
  restoreComet(s.comet, snap.comet);
}

/**
 * Canonical JSON text of a snapshot: bigints as {"$n":"<digits>"}, object keys in a fixed (sorted) order, so the
 * same state always gives the same bytes (and the same hash, computed by the journal).
 */
export function encodeSnapshot(snap: Snapshot): string {
  return canonicalJson(snap);
}

export function decodeSnapshot(text: string): Snapshot {
  return parseCanonicalJson(text) as Snapshot;
}

/** Reads canonical JSON (canonicalJson's output): {"$n":"<digits>"} becomes a bigint again. */
export function parseCanonicalJson(text: string): unknown {
  return JSON.parse(text, reviveBigint);
}

function reviveBigint(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === '$n') return BigInt((value as { $n: string }).$n);
  }
  return value;
}

/**
 * JSON with sorted keys and tagged bigints; undefined properties are omitted (an undefined array item is null, as in
 * JSON.stringify). Keys sort by UTF-16 code units (Array.prototype.sort's default order). Written as one loop per
 * object rather than entries/filter/sort/map/join: the journal frames every command and its events with it.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'bigint':
      return `{"$n":"${value.toString()}"}`;
    case 'string':
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          const item: unknown = value[i];
          out += item === undefined ? 'null' : canonicalJson(item);
        }
        return `${out}]`;
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        const item = record[key];
        if (item === undefined) continue;
        out += `${first ? '' : ','}${quotedKey(key)}:${canonicalJson(item)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      return JSON.stringify(value);
  }
}

/** Object keys are few and repeat in every record: each one is quoted once. */
const QUOTED_KEYS = new Map<string, string>();
const QUOTED_KEYS_MAX = 10_000;

function quotedKey(key: string): string {
  let quoted = QUOTED_KEYS.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (QUOTED_KEYS.size < QUOTED_KEYS_MAX) QUOTED_KEYS.set(key, quoted);
  }
  return quoted;
}
