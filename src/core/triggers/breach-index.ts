// The breach index (DESIGN.md, "The breach index"): detects every ledger in breach after every price tick without
// scanning the accounts. A tick of market m costs O(log n + k log n) for the k ledgers whose thresholds the new
// price crossed, and nothing at all (no allocation either) when it crossed none.
//
// A *ledger* is an account's cross margin or one of its isolated positions. Each ledger exposed to market m has
// one *entry* for m, a member of m's two heaps:
//   DOWN, a max-heap of thresholds that fire when min(mark, index) falls to or below them;
//   UP,   a min-heap of thresholds that fire when max(mark, index) rises to or above them.
// A ledger armed at an exact boundary (one position, settlement cash: bounds.ts exactBoundary) changes state at one
// mark; its entry is in no heap, the ledger sits at its boundary in m's band (boundary-band.ts), a sorted list that
// a move of the mark crosses as one contiguous run, whatever the states (DESIGN.md's sorted liquidation prices).
// Thresholds come from an exact evaluation (bounds.ts): while no price crossed its threshold the ledger's state
// (in breach or not) cannot have changed. A sound ledger's thresholds bound the loss; a breached ledger's bound
// the gain (recovery), so the breached set stays exactly what a full scan would find, after every call.
// On a tick, the crossed entries are collected (an O(k) walk of each heap's top), each affected account is
// evaluated once, exactly, and its crossed ledgers are re-armed in place from fresh anchors.
//
// Contract with the engine (the index reads the view; it is told when accounts or markets change):
// - reindex(account) after any command that changes the account: fill, deposit, withdraw, isolated-margin
//   transfer, borrow / repay, funding settlement into it, a liquidation step;
// - onPrice(market) after the market's mark or index moved;
// - reindexMarket(market) after its funding index, margin schedule or volatility multiplier changed (onPrice also
//   notices such a change of any market, as a backstop, and re-arms that market before anything else);
// - reindexAll() after the rulebook or an asset spec changed (noticed by onPrice too for the rulebook's breach rule
//   and margin valuation).
// Accounts that cannot be priced yet (a market without a price) wait on that market and are armed on its first
// price.
// Two levels (options.upperLevel; margin calls): each account is watched at one of two scalings of the requirements,
// its level; setLevel(account, upper) moves it, its ledgers re-keyed in place in the same heaps.

import { emptyArray } from '../arrays.js';
import { assert } from '../assert.js';
import type { Account, Position } from '../account/account.js';
import { evaluateAccount, evaluateMaintenance, type MarginView } from '../margin/evaluate.js';
import { isBreached, type BreachRule } from '../margin/thresholds.js';
import type { RequirementContext } from '../market/schedule.js';
import type { MarketSpec } from '../market/spec.js';
import type { MarketState } from '../market/state.js';
import type { VolatilityState } from '../market/volatility.js';
import { quote, type Price, type Quote, type Size } from '../units/index.js';
import { NO_BOUNDARY, type BoundaryHints } from './boundary-hints.js';
import { breachedAt, computeLedgerKeys, computeRowKeys, exactBoundary, exactBoundaryOf, KeyBuffer, ledgerMarkets, type EntryKeys, type ExactBoundary, type PricedEvaluation } from './bounds.js';
import { ledgerEquity, maintenanceContext, positionMaintenance, settlementCashOnly, singlePositionSlack, type LedgerSlack } from '../margin/evaluate.js';
import { BoundaryBand } from './boundary-band.js';
import { IndexedHeap, Int32List, type HeapSlots } from './heap.js';
import { SlackScreen, SlopeRow, screenLedgerSlack, screenRowSlack } from './slack-screen.js';
import { SlopeRows } from './slope-rows.js';

/** A ledger: the account's cross margin (market null) or its isolated position on `market`. */
export interface LedgerRef {
  readonly account: string;
  readonly market: string | null;
}

export interface LedgerPrice {
  readonly market: string;
  readonly mark: Price | null;
  readonly index: Price | null;
}

/** A ledger found in breach by an exact evaluation (evaluateAccount + isBreached). */
export interface LedgerBreach extends LedgerRef {
  readonly equity: Quote;
  readonly maintenance: Quote;
  /** The prices of the markets the ledger depends on, as evaluated. */
  readonly prices: readonly LedgerPrice[];
  /** True when the ledger was not in breach before this evaluation. */
  readonly newly: boolean;
  /** The ledger's maintenance under options.baseView, when the breach was confirmed at an exact boundary. */
  readonly baseMaintenance?: Quote | undefined;
  /**
   * Where the index that found the breach keeps the account (its head ledger slot), as it stood then: a hint that
   * spares BreachIndex.setLevel the lookup of the account by id (checked there; a stale hint falls back to it).
   */
  readonly slot?: number | undefined;
}

export interface BreachIndexOptions {
  readonly view: MarginView;
  readonly account: (id: string) => Account | undefined;
  /**
   * The number (Account.no) of an account `account` does not return: one it hides (the engine's view hides the venue's
   * accounts, which the engine touches in every liquidation) or one gone since (a test's world deletes one). Without
   * it such an id is looked for among the accounts the index holds, a scan of its table.
   */
  readonly accountNumber?: (id: string) => number | undefined;
  readonly rule: () => BreachRule;
  /** Told when a ledger leaves the breached set by recovering (an exact evaluation found it sound). */
  readonly onRecover?: (ledger: LedgerRef) => void;
  /**
   * A two-level index: instead of telling onRecover, keep the accounts a ledger of which recovered at the upper level,
   * by their slot, for settleRecovered() (margin calls: no id looked up in the index's million-entry Map, no object
   * made, for each recovery). Default false.
   */
  readonly keepRecovered?: boolean;
  /**
   * False when the owner only asks which ledgers are in breach, never for the figures of a breach (a margin-call
   * recovery level): a ledger crossing its exact boundary into breach is then not evaluated to report it, and a
   * ledger re-checked and found still in breach by the float screen (slack-screen.ts) is re-armed without being
   * returned. Default true.
   */
  readonly reportBreaches?: boolean;
  /**
   * False when the owner never reads the `prices` of the breaches reported (margin calls announce equity and
   * maintenance only): they are then left empty, not built. Default true.
   */
  readonly reportPrices?: boolean;
  /**
   * A second view whose maintenance requirement a breach found at an exact boundary also reports
   * (LedgerBreach.baseMaintenance), from the figures that confirmed it: the margin-call index, evaluated with scaled
   * requirements, passes the engine's state, whose maintenance a call announces (no second look at the account).
   */
  readonly baseView?: MarginView;
  /**
   * True: keep each exact ledger's figures in the ledger table (25 bytes a ledger slot) and confirm a crossing of its
   * boundary from them, without reading the account (BreachIndex exactRows). Both of the engine's indexes do: the
   * margin-call index's calls and recoveries are most of a busy tick's events, and the liquidation index's flips into
   * breach are what the first liquidation of a tick waits for. The owner calls accountChanged() for an account that
   * changed when it follows a price before re-arming it. Default false.
   */
  readonly exactRows?: boolean;
  /**
   * True: keep the figures of each cross ledger armed at slope bounds whose account is of the plain shape (slope-rows.ts)
   * and re-check it from them with the float screen, without reading the account. The owner calls accountChanged() for
   * an account that changed when it follows a price before re-arming it (as for exactRows). Default false.
   */
  readonly slopeRows?: boolean;
  /**
   * Accounts the index is expected to hold (a capacity hint): the ledger and entry tables are sized for them now,
   * as indexAll would size them. A restore builds its indexes before the accounts fill the heap: V8 starts a full GC
   * whenever memory outside the JS heap (these tables) grows ~64 MB, and that GC marks all of the heap.
   */
  readonly capacity?: number;
  /**
   * With capacity: the markets the accounts are spread over. That many markets' heaps are made now, each sized for
   * a quarter of an even share of the entries (the slope-bound ones), and handed to the markets in the order the index
   * first sees them.
   */
  readonly capacityMarkets?: number;
  /**
   * A second level (margin calls: the recovery level above the call level). An account for which `holds(id)` is
   * true when the index first sees it is watched at this level: evaluated under `view` (not options.view), its
   * breaches never reported (as reportBreaches false, and reindex() / onPrice() do not return them either), and
   * only its ledgers' recoveries are told to onRecover. setLevel() moves an account between the two levels; an
   * account whose ledgers are all at exact boundaries moves without an evaluation, from the boundaries it had at the
   * level it returns to (kept while it does not change and nothing is re-armed), its ledgers re-keyed in place.
   */
  readonly upperLevel?: UpperLevel;
}

export interface UpperLevel {
  readonly view: MarginView;
  /** Whether an account the index has not seen yet is at this level. */
  readonly holds: (accountId: string) => boolean;
}

export interface BreachIndexStats {
  readonly accounts: number;
  readonly ledgers: number;
  /** (ledger, market) entries, each in one DOWN and one UP heap. */
  readonly entries: number;
  /** Finite thresholds (entries x sides that can fire). */
  readonly armedKeys: number;
  readonly breached: number;
  /** Ledgers of accounts waiting for a market's first price. */
  readonly waiting: number;
  readonly ticks: number;
  /** Ledgers evaluated because a tick crossed one of their thresholds. */
  readonly rechecks: number;
  /** Rechecks that found the ledger in the state it was armed in. */
  readonly falseAlarms: number;
  /** Ledgers that entered breach / left it (any path). */
  readonly breaches: number;
  readonly recoveries: number;
  readonly marketReindexes: number;
  readonly fullReindexes: number;
  /** Ledgers armed at an exact boundary (ExactBoundary) now. */
  readonly exactLedgers: number;
  /** Crossings of exact boundaries: state changes decided by the crossing (breaches confirmed by the ledger's figures). */
  readonly flips: number;
  /** Exact boundaries whose breach the figures did not confirm (never expected: the ledger is re-armed in full). */
  readonly exactMisses: number;
  /** Accounts resumed from the boundaries kept by suspend(), or moved by setLevel() from those kept at the level they enter, without an evaluation. */
  readonly resumed: number;
  /** Re-checks the float screen settled without an exact evaluation (counted in rechecks and falseAlarms too). */
  readonly screened: number;
  /** Of those, screened from the ledger's slope row, without reading the account (options.slopeRows). */
  readonly rowScreened: number;
  /** Moves between levels armed from a slope row's screen, without an exact evaluation (options.slopeRows). */
  readonly rowArmed: number;
}

const NO_BREACHES: readonly LedgerBreach[] = Object.freeze([]);
const NO_PRICES: readonly LedgerPrice[] = Object.freeze([]);
/** What armSingle passes armAt for a sound ledger armed at an exact boundary: armAt reads the figures only for a breach. */
const SOUND_FIGURES: LedgerSlack = Object.freeze({ equity: quote(0n), maintenance: quote(0n) });

const FREE = 0;
const SOUND = 1;
const BREACHED = 2;
const WAITING = 3;
/** Not watched, its exact boundaries kept for resume() (see suspend()). */
const SUSPENDED = 4;

/**
 * Entry families: thresholds on min / max of (mark, index) (slope bounds), in the market's DOWN and UP heaps; or an
 * exact boundary on the mark alone, in no heap: its ledger sits in the market's band (see MarketSlot.band).
 */
const PRICES = 0;
const MARK = 1;

/**
 * Ledgers and entries per account a capacity hint sizes for (a ledger per account and per isolated position, an
 * entry per position of a ledger; the bench world has ~1.1 and ~1.2 an account): at 1M accounts, tables sized for
 * exactly 1M grew again during the restore, ~150 MB past the JS heap.
 */
const LEDGERS_PER_ACCOUNT = 1.25;
const ENTRIES_PER_ACCOUNT = 1.25;

/**
 * Slope rows per account a capacity hint reserves: a row for each cross ledger of several positions (the bench
 * world's accounts holding two markets are ~0.2 of them).
 */
const SLOPE_ROWS_PER_ACCOUNT = 0.25;

/** Stamps restart before they could overflow an Int32Array. */
const STAMP_MAX = 0x3fffffff;

interface MarketSlot {
  readonly id: string;
  readonly down: IndexedHeap;
  readonly up: IndexedHeap;
  /**
   * The exact boundaries of the watched ledgers armed at one in this market (boundary-band.ts), as (boundary, ledger)
   * pairs: a ledger sits here at its boundary whatever its state, so crossing it moves nothing. Invariant: every
   * ledger in the band is in the state the mark `cursor` puts it in (breached iff cursor <= boundary for a long, >=
   * for a short), or listed in `pending`; so the ledgers a new mark m flips are among the boundaries in
   * [min(cursor, m), max(cursor, m)] and the pending ones.
   */
  readonly band: BoundaryBand;
  /** Ledgers armed at this market's boundary in a state `cursor` does not put them in (armed at a newer mark). */
  readonly pending: Int32List;
  /** Accounts waiting for this market's first price. */
  readonly waiting: Set<string>;
  // What the entries were armed under; a change re-arms the market (the backstop in sync()).
  state: MarketState | undefined;
  spec: MarketSpec | undefined;
  volatility: VolatilityState | undefined;
  multiplierPpm: bigint;
  fundingIndex: bigint;
}

/** int64s in an exact ledger's row (BreachIndex.exactRows): size, cash - entryQuote, fundingIndex. */
const EXACT_ROW = 3;

/** A table's next size: doubled until it holds `min` (amortised O(1) a slot), or exactly `min` for a capacity hint. */
function grownSize(length: number, min: number, exact: boolean): number {
  if (exact) return Math.max(length, min);
  let n = length;
  while (n < min) n *= 2;
  return n;
}

function grownInt32(a: Int32Array, size: number, fill: number): Int32Array<ArrayBuffer> {
  const n = Math.max(a.length, size);
  const next = new Int32Array(n);
  next.set(a);
  if (fill !== 0) next.fill(fill, a.length);
  return next;
}

export class BreachIndex {
  private readonly view: MarginView;
  private readonly accountOf: (id: string) => Account | undefined;
  private readonly accountNumber: ((id: string) => number | undefined) | null;
  private readonly ruleOf: () => BreachRule;

  /**
   * Account number (Account.no) -> its cross ledger, the head of the account's ledger list; -1: not held. A table, not
   * a Map keyed by id: a restore inserts a million accounts (~1 us each into a Map) and a tick's lookups by slot need
   * no hashing. An id is turned into its account (and number) through options.account.
   */
  private headByNo = new Int32Array(64).fill(-1);
  /** Accounts held (head slots in headByNo). */
  private headCount = 0;
  private ledgerAccount: (string | undefined)[] = [];
  private ledgerMarket = new Int32Array(64); // market slot of an isolated ledger; -1 = cross
  private ledgerState = new Uint8Array(64);
  private ledgerEntry = new Int32Array(64).fill(-1); // first entry; -1 = none
  private ledgerNext = new Int32Array(64).fill(-1); // next ledger of the account, or next free ledger
  private ledgerHead = new Int32Array(64);
  private ledgerStamp = new Int32Array(64);
  /** Exact boundary of the ledger (NaN: armed by slope bounds); ledgerLong: its position's side. */
  private ledgerBoundary = new Float64Array(64).fill(Number.NaN);
  private ledgerLong = new Uint8Array(64);
  private ledgerExactSlot = new Int32Array(64); // the market slot of the exact boundary
  /**
   * With options.exactRows: an exact ledger's inputs, EXACT_ROW int64s a ledger (its position's size, the ledger's
   * cash less the position's cost basis, the position's funding index), written by the evaluation that armed it at
   * its exact boundary. The index's contract keeps them current as it keeps the boundary: any change of the account
   * re-arms it. enterBreach confirms a crossing from them instead of fetching the account's objects (at 1M accounts
   * the account, its Maps, the position and each bigint are a cache miss apiece). The cost basis is folded into the
   * cash: under mark valuation (the only one exact boundaries are armed under) a ledger's figures read it only in
   * cash + value - entryQuote - funding owed. exactRowValid[l] = 0: no row (a value beyond 64 bits, or not armed
   * exactly): the account is read. Empty without the option.
   */
  private exactRows = new BigInt64Array(0);
  private exactRowValid = new Uint8Array(0);
  private readonly keepsExactRows: boolean;
  /** options.slopeRows: the slope-bound cross ledgers' figures (null: re-checks read the account). */
  private readonly slopeRows: SlopeRows | null;
  private readonly slopeRow = new SlopeRow();
  private readonly marketIdOf = (slot: number): string => (this.markets[slot] as MarketSlot).id;
  private readonly marketSlotOf = (id: string): number => this.marketSlot(id);
  /**
   * inBand[l] = 1: ledger l sits in the band of market slot ledgerExactSlot[l] at key ledgerBoundary[l] (it leaves the
   * band before either changes, or is re-keyed in it as its boundary changes: one byte a ledger slot, not a copy of
   * both). Only a watched ledger at its current level is in a band: one moving between margin-call levels is re-keyed
   * to the boundary it kept for the level it enters (setLevelAt), or leaves the band when it kept none (a boundary of
   * the level it is not at, kept in the band, would lie near the price of any account hovering at its level, and every
   * tick would step over it: tried, 1.001 at 200k and 1.027 at 1M on the +-5 bp tail, docs/performance.md "2026-12-05,
   * night (s47)").
   */
  private inBand = new Uint8Array(64);
  private readonly bandScratch = new Int32List(64);
  /** During a bulk build (indexAll): boundaries are staged in their bands (BoundaryBand.stage), settled at its end. */
  private bulk = false;
  /** During a bulk build: whether the index was empty when it began (no ledger to look up); its scratch for breaches. */
  private bulkFresh = false;
  private readonly bulkOut: LedgerBreach[] = [];
  /** Ledgers at exact boundaries the tick's mark crossed (collectFlips). */
  private readonly markCrossed = new Int32List(64);
  private accountStamp = new Int32Array(64); // on head ledgers: visited in this operation
  private ledgerTop = 0;
  private freeLedger = -1;
  private ledgerCount = 0;

  private entryLedger = new Int32Array(64);
  private entryMarket = new Int32Array(64);
  private entryNext = new Int32Array(64).fill(-1); // next entry of the ledger, or next free entry
  private entryFinite = new Uint8Array(64); // how many of the entry's two keys are finite
  private entryFamily = new Uint8Array(64); // PRICES (in the market's heaps) or MARK (in none: its ledger is in the band)
  private readonly downAt: HeapSlots = { at: new Int32Array(64).fill(-1) };
  private readonly upAt: HeapSlots = { at: new Int32Array(64).fill(-1) };
  private entryTop = 0;
  private freeEntry = -1;
  private entryCount = 0;
  private finiteKeys = 0;

  private readonly marketSlots = new Map<string, number>();
  private readonly markets: MarketSlot[] = [];
  /** Heaps and bands made beforehand for the market of slot i (options.capacityMarkets), taken as the slots are made. */
  private readonly spareMarkets: Pick<MarketSlot, 'down' | 'up' | 'band'>[] = [];
  /**
   * The ledgers in breach, in the order they entered it (as a Set's insertion order): a list threaded through the
   * ledger table, not a Set (a margin call enters and leaves breach at two levels: no hashing on that path).
   */
  private breachPrev = new Int32Array(64);
  private breachNext = new Int32Array(64);
  private breachFirst = -1;
  private breachLast = -1;
  private breachedTotal = 0;
  /** Accounts holding an asset the view does not know (nothing to wait on); retried by reindexAll. */
  private readonly unpricedOther = new Set<string>();
  /**
   * On the head ledger of a suspended account (its ledgers SUSPENDED): the epoch it was suspended in (any market or
   * full re-arm starts a new epoch). An array, not a Map keyed by id: suspend / resume run on every margin call.
   */
  private suspendEpoch = new Int32Array(64);
  private epoch = 0;
  private waitingLedgers = 0;
  /**
   * Two-level indexes only (options.upperLevel; empty arrays otherwise). On head ledgers: the account's level (1:
   * upper) and the epoch its ledgers' exact boundaries at the other level were kept in (-1: none kept). Per ledger:
   * that other level's exact boundary, side and market slot.
   */
  private ledgerUpper = new Uint8Array(0);
  private otherEpoch = new Int32Array(0);
  private otherBoundary = new Float64Array(0);
  private otherLong = new Uint8Array(0);
  private otherExactSlot = new Int32Array(0);
  private readonly upperView: MarginView | null;
  /** Boundaries offered during a restore (useHints), and the HINT_LEVEL of `view`. */
  private hints: BoundaryHints | null = null;
  private hintLevel = 0;
  private readonly upperHolds: ((accountId: string) => boolean) | null;

  private armedRule: BreachRule;
  private armedValuation: 'mark' | 'entry';
  private stamp = 0;
  private readonly crossed = new Int32List(256);
  private readonly flipScratch = new Int32List(64);
  private readonly keys = new KeyBuffer();
  private readonly noKeys = new KeyBuffer();
  private readonly headScratch = new Int32List(64);
  private readonly screen = new SlackScreen();

  private ticks = 0;
  private rechecks = 0;
  private falseAlarms = 0;
  private breaches = 0;
  private recoveries = 0;
  private marketReindexes = 0;
  private fullReindexes = 0;
  private exactLedgers = 0;
  private flips = 0;
  private exactMisses = 0;
  private resumed = 0;
  private screened = 0;
  private rowScreened = 0;
  private rowArmed = 0;

  private readonly onRecover: ((ledger: LedgerRef) => void) | undefined;
  /**
   * keepRecovered: the head slots of the accounts a ledger of which recovered at the upper level (may repeat), and
   * their ids (a slot freed and handed to another account meanwhile is told apart by its id).
   */
  private readonly recoveredHeads: Int32List | null;
  private readonly recoveredIds: string[] = [];
  private readonly reportBreaches: boolean;
  private readonly reportPrices: boolean;
  private readonly baseView: MarginView | null;

  constructor(options: BreachIndexOptions) {
    this.view = options.view;
    this.accountOf = options.account;
    this.accountNumber = options.accountNumber ?? null;
    this.ruleOf = options.rule;
    this.onRecover = options.onRecover;
    this.recoveredHeads = options.keepRecovered === true ? new Int32List(64) : null;
    this.reportBreaches = options.reportBreaches ?? true;
    this.reportPrices = options.reportPrices ?? true;
    this.baseView = options.baseView ?? null;
    this.keepsExactRows = options.exactRows ?? false;
    this.slopeRows = options.slopeRows === true ? new SlopeRows() : null;
    this.slopeRows?.growLedgers(this.ledgerState.length);
    if (this.keepsExactRows) {
      this.exactRows = new BigInt64Array(this.ledgerState.length * EXACT_ROW);
      this.exactRowValid = new Uint8Array(this.ledgerState.length);
    }
    this.armedRule = options.rule();
    this.armedValuation = options.view.marginValuation;
    this.upperView = options.upperLevel?.view ?? null;
    this.upperHolds = options.upperLevel?.holds ?? null;
    if (this.upperView !== null) this.growLevels(this.ledgerState.length);
    const capacity = options.capacity ?? 0;
    const ledgers = Math.ceil(capacity * LEDGERS_PER_ACCOUNT);
    const entries = Math.ceil(capacity * ENTRIES_PER_ACCOUNT);
    // Sized exactly, not doubled past the hint: at 1M accounts doubling from 64 made 2.1M slots for 1.25M, ~150 MB
    // more of tables, half of them filled (-1, NaN) and so resident.
    if (ledgers > this.ledgerState.length) this.growLedgers(ledgers, true);
    if (entries > this.entryLedger.length) this.growEntries(entries, true);
    if (capacity > this.headByNo.length) this.headByNo = grownInt32(this.headByNo, capacity, -1);
    const markets = options.capacityMarkets ?? 0;
    if (capacity > 0 && markets > 0) {
      // Everything a bulk build fills, allocated now: a restore builds its indexes after its accounts filled the heap,
      // where each ~64 MB of typed arrays allocated starts a full GC of the whole heap (~0.3 s at 1M accounts; they
      // were ~300 MB of growth there, docs/performance.md "2026-12-05"). Untouched capacity costs address space, not
      // memory. The heaps hold the slope-bound entries only (exact ones sit in the bands): half the share (the bench
      // world has ~0.4 of its 1.25 entries an account there; an all-isolated one none). A band holds the exact
      // boundaries: one a ledger at most.
      const share = Math.ceil(entries / markets / 2);
      const pairs = Math.ceil(ledgers / markets);
      for (let m = 0; m < markets; m++) this.spareMarkets.push(this.newMarketTables(share, pairs));
      this.slopeRows?.reserve(Math.ceil(capacity * SLOPE_ROWS_PER_ACCOUNT));
    }
  }

  // ---- Commands from the engine ----

  /**
   * Evaluates all the account's ledgers exactly and arms them (an unknown account is removed). Returns the
   * ledgers in breach.
   */
  reindex(accountId: string): readonly LedgerBreach[] {
    const out: LedgerBreach[] = [];
    this.reindexInto(accountId, out);
    return out;
  }

  /**
   * Bulk build (a restore): reindex() of each account in order, with the ledger and entry tables sized once for
   * `accounts` accounts beforehand (not doubled step by step: at 1M accounts each doubling reallocates ~40 MB
   * outside the JS heap, and that external memory brings on full GCs) and one scratch list for the breaches found,
   * which are not returned (a restore announces nothing).
   * The caller hands the accounts themselves, each exactly what options.account(its id) returns (an account that
   * returns undefined is left out: reindex() would forget it, and it is not indexed), each at most once: the index
   * does not look each one up again, and an index still empty does not look for ledgers it cannot hold yet.
   */
  indexAll(accounts: Iterable<Account>, count: number): void {
    this.beginBulk(count);
    for (const account of accounts) this.indexBulk(account);
    this.endBulk();
  }

  /**
   * indexAll in three parts (BulkIndex), for a restore that hands each account to all its indexes in one pass
   * (detector.ts indexTogether): each account's objects are read from memory once for all of them.
   */
  beginBulk(count: number): void {
    // Sized as a capacity hint sizes them (exactly, the usual shape's ledgers and entries); more grow as ever.
    const ledgers = Math.ceil(count * LEDGERS_PER_ACCOUNT);
    const entries = Math.ceil(count * ENTRIES_PER_ACCOUNT);
    if (ledgers > this.ledgerState.length) this.growLedgers(ledgers, true);
    if (entries > this.entryLedger.length) this.growEntries(entries, true);
    this.bulkFresh = this.headCount === 0;
    this.bulk = true;
  }

  /** indexAll's step for one account (between beginBulk and endBulk). */
  indexBulk(account: Account): void {
    const out = this.bulkOut;
    if (this.bulkFresh) this.indexNew(account, out);
    else this.reindexAccount(account.id, account, out);
    emptyArray(out);
  }

  /**
   * Boundaries a restore's helper computed (boundary-hints.ts), taken while they are given (null: none). `level`: the
   * HINT_LEVEL of this index's view; a two-level index's upper view is the next one.
   */
  useHints(hints: BoundaryHints | null, level: number): void {
    this.hints = hints;
    this.hintLevel = level;
  }

  /** Ends a bulk build: the boundaries staged in the bands are settled. */
  endBulk(): void {
    this.bulk = false;
    for (const ms of this.markets) ms.band.settle();
  }

  /**
   * The account changed and reindex() follows, but a price may be followed first (the engine follows the command's
   * prices before it re-arms the accounts the command touched): the figures kept for its exact ledgers (exactRows) no
   * longer hold, so a crossing of its boundaries meanwhile is confirmed from the account itself.
   */
  accountChanged(accountId: string): void {
    if (!this.keepsExactRows && this.slopeRows === null) return;
    const head = this.headOfId(accountId);
    if (head < 0) return;
    for (let l = head; l >= 0; l = this.ledgerNext[l] as number) {
      if (this.keepsExactRows) this.exactRowValid[l] = 0;
      this.slopeRows?.drop(l);
    }
  }

  /** Forgets the account (closed, or gone from the view). */
  remove(accountId: string): void {
    const no = this.numberHeld(accountId);
    if (no < 0) return;
    const head = this.headByNo[no] as number;
    this.unwait(accountId, head);
    this.unpricedOther.delete(accountId);
    let l = head;
    while (l >= 0) {
      const next = this.ledgerNext[l] as number;
      this.freeLedgerSlot(l);
      l = next;
    }
    this.headByNo[no] = -1;
    this.headCount--;
  }

  /**
   * Stops watching the account but keeps its exact boundaries, so that resume() can arm it again without an
   * evaluation. The owner must call remove() (or reindex()) if the account changes while suspended; a market or
   * full re-arm meanwhile makes resume() evaluate it. An account with a ledger that is not armed at an exact
   * boundary keeps its ledgers, unwatched, and resume() evaluates it (its ledgers stay allocated and its id in the
   * index: no Map churn on every margin call); one waiting for a price is forgotten. Used to move an account between
   * margin-call levels.
   */
  suspend(accountId: string): void {
    const head = this.headOfId(accountId);
    if (head < 0 || this.ledgerState[head] === SUSPENDED) return;
    if (this.ledgerState[head] === WAITING) {
      this.remove(accountId);
      return;
    }
    let resumable = true;
    for (let l = head; l >= 0; l = this.ledgerNext[l] as number) {
      // Resumable without an evaluation: exact boundaries, and sound ledgers exposed to no price (a cross ledger
      // without cross positions).
      if (Number.isNaN(this.ledgerBoundary[l] as number) && !(this.ledgerState[l] === SOUND && this.ledgerEntry[l] === -1)) resumable = false;
    }
    for (let l = head; l >= 0; l = this.ledgerNext[l] as number) {
      this.setEntries(l, this.noKeys, MARK);
      this.leaveBand(l); // unwatched; resume() puts the boundary back
      if (this.ledgerState[l] === BREACHED) this.unlinkBreached(l);
      this.ledgerState[l] = SUSPENDED;
    }
    if (head >= this.suspendEpoch.length) this.suspendEpoch = grownInt32(this.suspendEpoch, grownSize(this.suspendEpoch.length, head + 1, false), 0);
    this.suspendEpoch[head] = resumable ? this.epoch : -1; // -1: no epoch, resume() evaluates
  }

  /**
   * Watches the account again and returns its ledgers in breach (all `newly`): from the boundaries kept by
   * suspend() when nothing was re-armed since (the mark against each boundary; a breach confirmed by the position's
   * figures), else by a full evaluation, as reindex().
   */
  resume(accountId: string): readonly LedgerBreach[] {
    const account = this.accountOf(accountId); // once: its number here, its figures if it is evaluated
    const head = account === undefined ? this.headOfId(accountId) : this.headOf(account);
    if (head < 0 || this.ledgerState[head] !== SUSPENDED || this.suspendEpoch[head] !== this.epoch) {
      const out: LedgerBreach[] = [];
      this.reindexFound(accountId, account, out);
      return out;
    }
    this.resumed++;
    const out: LedgerBreach[] = [];
    for (let l = head; l >= 0; l = this.ledgerNext[l] as number) {
      this.ledgerState[l] = SOUND;
      if (Number.isNaN(this.ledgerBoundary[l] as number)) continue; // exposed to no price: sound as it was
      const ms = this.markets[this.ledgerExactSlot[l] as number] as MarketSlot;
      const mark = this.liveMarket(ms)?.markPrice ?? null;
      const b = this.ledgerBoundary[l] as number;
      const inBreach = mark !== null && (this.ledgerLong[l] === 1 ? Number(mark) <= b : Number(mark) >= b);
      // Armed once, in the state it resumes in (enterBreach arms a breach; a miss is re-armed in full).
      if (!inBreach) this.setExactKeys(l, ms.id, false);
      else if (!this.enterBreach(l, out)) {
        this.reindexInto(accountId, out);
        return out;
      }
    }
    return out;
  }

  /**
   * Two-level indexes (options.upperLevel): moves the account to the upper level or back, and adds its ledgers in
   * breach at the level it enters to `out` (all `newly`; none at the upper level, which reports nothing). Its state at
   * the level it leaves is dropped (no recovery is told), its exact boundaries there kept for its return. When it has
   * boundaries kept at the level it enters (all its ledgers were at exact boundaries when it left, it has not changed
   * and nothing was re-armed since), each ledger is re-keyed in place from its boundary: the mark against it, a
   * breach at the lower level confirmed by the position's figures (enterBreach); otherwise it is evaluated there.
   */
  setLevel(accountId: string, upper: boolean, out: LedgerBreach[], slot = -1): void {
    assert(this.upperView !== null, 'BreachIndex.setLevel: the index has one level');
    // The hint holds while the slot is still the account's head (a slot freed and handed to another account is not).
    const head = slot >= 0 && slot < this.ledgerTop && this.ledgerHead[slot] === slot && this.ledgerAccount[slot] === accountId ? slot : this.headOfId(accountId);
    if (head < 0) {
      this.reindexInto(accountId, out); // not indexed (not watched): as a first look, at the level holds() says
      return;
    }
    this.setLevelAt(head, accountId, upper, out);
  }

  /**
   * keepRecovered: each account (once) a ledger of which recovered at the upper level since the last call, if none of
   * its ledgers is in breach now and `release(id)` agrees, returns to the lower level: setLevel(id, false, out), which
   * adds its ledgers in breach there to `out`. In the order they recovered, not id order: the owner orders what it
   * reports (the engine sorts its calls). The accounts are found by the slots kept for them, not looked up by id.
   */
  settleRecovered(release: (accountId: string) => boolean, out: LedgerBreach[]): void {
    const kept = this.recoveredHeads;
    if (kept === null || kept.length === 0) return;
    const ids = this.recoveredIds;
    const stamp = this.nextStamp(); // each account once, as recheckCrossed dedupes
    for (let j = 0; j < kept.length; j++) {
      const h = kept.data[j] as number;
      if (this.accountStamp[h] === stamp) continue;
      this.accountStamp[h] = stamp;
      const id = ids[j] as string;
      if (this.ledgerAccount[h] !== id || this.ledgerHead[h] !== h) {
        // The slot was freed (or handed to another account) since: the account as its id finds it.
        if (!this.isAccountBreached(id) && release(id)) this.setLevel(id, false, out);
        continue;
      }
      let breached = false;
      for (let l = h; l >= 0; l = this.ledgerNext[l] as number) if (this.ledgerState[l] === BREACHED) breached = true;
      if (!breached && release(id)) this.setLevelAt(h, id, false, out);
    }
    kept.clear();
    emptyArray(ids);
  }

  private setLevelAt(head: number, accountId: string, upper: boolean, out: LedgerBreach[]): void {
    const level = upper ? 1 : 0;
    if (this.ledgerUpper[head] === level) return;
    this.ledgerUpper[head] = level;
    if (this.ledgerState[head] === WAITING) {
      this.reindexInto(accountId, out); // waits at the new level (evaluated as a first look)
      return;
    }
    // Keepable for a return without an evaluation: exact boundaries, and sound ledgers exposed to no price.
    let keep = true;
    for (let l = head; l >= 0; l = this.ledgerNext[l] as number) {
      if (Number.isNaN(this.ledgerBoundary[l] as number) && !(this.ledgerState[l] === SOUND && this.ledgerEntry[l] === -1)) keep = false;
    }
    const load = this.otherEpoch[head] === this.epoch;
    for (let l = head; l >= 0; l = this.ledgerNext[l] as number) {
      // The level left: its state dropped, as if the ledger had never been there (no recovery told, no breach counted).
      if (this.ledgerState[l] === BREACHED) this.unlinkBreached(l);
      this.ledgerState[l] = SOUND;
      const boundary = this.ledgerBoundary[l] as number;
      const long = this.ledgerLong[l] as number;
      const slot = this.ledgerExactSlot[l] as number;
      const next = load ? (this.otherBoundary[l] as number) : Number.NaN;
      if (this.inBand[l] === 1 && !Number.isNaN(next) && this.otherExactSlot[l] === slot) {
        // Exact at both levels in the same market: its pair in the band re-keyed to the boundary of the level entered
        // (a few basis points away: usually a shift within its block, not a delete and an insert).
        const moved = (this.markets[slot] as MarketSlot).band.rekey(boundary, next, l);
        assert(moved, 'BreachIndex: an exact boundary missing from its band');
      } else {
        this.leaveBand(l); // back in the band from the boundary of the level entered (setExactKeys), if exact
      }
      this.exactLedgers += (Number.isNaN(next) ? 0 : 1) - (Number.isNaN(boundary) ? 0 : 1);
      this.ledgerBoundary[l] = next;
      if (load) {
        this.ledgerLong[l] = this.otherLong[l] as number;
        this.ledgerExactSlot[l] = this.otherExactSlot[l] as number;
      }
      this.otherBoundary[l] = boundary;
      this.otherLong[l] = long;
      this.otherExactSlot[l] = slot;
    }
    this.otherEpoch[head] = keep ? this.epoch : -1;
    if (!load) {
      // Evaluated at the new level (the account has not changed: its ledgers are the ones it has): from its exact row
      // when that is all there is to it, else from the account.
      if (this.armFromExactRow(head, accountId, out) || this.armFromSlopeRow(head)) return;
      const account = this.accountOf(accountId);
      if (account === undefined) this.remove(accountId);
      else this.evaluateLedgers(accountId, account, head, null, out);
      return;
    }
    // From the boundaries kept: the account is not read (an account that changed or went was re-armed or removed
    // through reindex(), which drops them; enterBreach reads it only for a ledger without an exact row).
    this.resumed++;
    for (let l = head; l >= 0; l = this.ledgerNext[l] as number) {
      const b = this.ledgerBoundary[l] as number;
      if (Number.isNaN(b)) continue; // exposed to no price: sound as it was (and has no entries)
      const ms = this.markets[this.ledgerExactSlot[l] as number] as MarketSlot;
      const mark = this.liveMarket(ms)?.markPrice ?? null;
      const inBreach = mark !== null && (this.ledgerLong[l] === 1 ? Number(mark) <= b : Number(mark) >= b);
      if (!inBreach) this.setExactKeys(l, ms.id, false);
      else if (!this.enterBreach(l, out)) {
        this.reindexInto(accountId, out);
        return;
      }
    }
  }

  /**
   * The market's mark or index changed in the view: re-evaluates exactly the ledgers whose thresholds the new
   * prices crossed, re-arms them, and returns those found in breach (`newly` tells entries from ledgers that were
   * already in breach and are still). Nothing crossed: no evaluation, no allocation.
   */
  onPrice(marketId: string): readonly LedgerBreach[] {
    this.ticks++;
    let out = this.sync();
    const slot = this.marketSlots.get(marketId);
    if (slot === undefined) return out ?? NO_BREACHES;
    const ms = this.markets[slot] as MarketSlot;
    const state = this.liveMarket(ms);
    if (state === undefined) return out ?? NO_BREACHES;
    if (ms.waiting.size > 0 && (state.markPrice !== null || state.indexPrice !== null)) {
      out ??= [];
      this.reindexWaiting(ms, out);
    }
    const mark = state.markPrice;
    const index = state.indexPrice ?? mark;
    if (index === null) return out ?? NO_BREACHES;
    // Each BigInt converted once (~15 ns a conversion); a price command without an index sets both to one value.
    const m = Number(mark ?? index);
    const i = index === mark ? m : Number(index);
    const low = m < i ? m : i;
    const high = m < i ? i : m;
    const crossed = this.crossed;
    crossed.clear();
    ms.down.collect(low, crossed);
    ms.up.collect(high, crossed);
    this.collectFlips(ms, slot, mark === null ? Number.NaN : m, this.markCrossed);
    if (crossed.length === 0 && this.markCrossed.length === 0) return out ?? NO_BREACHES;
    out ??= [];
    this.recheckCrossed(out);
    return out;
  }

  /** Re-arms every ledger exposed to the market (funding index, schedule or volatility multiplier changed). */
  reindexMarket(marketId: string): readonly LedgerBreach[] {
    const slot = this.marketSlots.get(marketId);
    if (slot === undefined) return NO_BREACHES;
    const out: LedgerBreach[] = [];
    this.reindexMarketSlot(this.markets[slot] as MarketSlot, out);
    return out;
  }

  /** Re-arms everything (rulebook or asset specs changed). */
  reindexAll(): readonly LedgerBreach[] {
    const out: LedgerBreach[] = [];
    this.fullReindexes++;
    this.epoch++;
    this.armedRule = this.ruleOf();
    this.armedValuation = this.view.marginValuation;
    for (const ms of this.markets) this.recordEpoch(ms);
    // Suspended accounts stay unwatched (resume() will evaluate them: a new epoch). In the accounts' order (numbers).
    const ids: string[] = [];
    for (let no = 0; no < this.headByNo.length; no++) {
      const head = this.headByNo[no] as number;
      if (head >= 0 && this.ledgerState[head] !== SUSPENDED) ids.push(this.ledgerAccount[head] as string);
    }
    for (const id of ids) this.reindexInto(id, out);
    return out;
  }

  // ---- Queries ----

  /** How many ledgers are in breach (no allocation). */
  get breachedCount(): number {
    return this.breachedTotal;
  }

  /** Ledgers currently in breach (as of the last evaluation of each). */
  breached(): LedgerRef[] {
    const out: LedgerRef[] = [];
    for (let l = this.breachFirst; l >= 0; l = this.breachNext[l] as number) out.push(this.refOf(l));
    return out;
  }

  isBreached(accountId: string, market: string | null = null): boolean {
    const l = this.findLedger(accountId, market);
    return l >= 0 && this.ledgerState[l] === BREACHED;
  }

  /** Whether any ledger of the account is in breach. */
  isAccountBreached(accountId: string): boolean {
    const head = this.headOfId(accountId);
    if (head < 0) return false;
    for (let l = head; l >= 0; l = this.ledgerNext[l] as number) if (this.ledgerState[l] === BREACHED) return true;
    return false;
  }

  /** The thresholds armed for a ledger (tests, dashboards): per market, recheck at low <= down or high >= up. */
  thresholds(accountId: string, market: string | null = null): EntryKeys[] {
    const l = this.findLedger(accountId, market);
    const out: EntryKeys[] = [];
    if (l < 0) return out;
    for (let e = this.ledgerEntry[l] as number; e >= 0; e = this.entryNext[e] as number) {
      const ms = this.markets[this.entryMarket[e] as number] as MarketSlot;
      if (this.entryFamily[e] === MARK) {
        const keys = new KeyBuffer();
        exactKeysInto(keys, ms.id, this.ledgerBoundary[l] as number, this.ledgerLong[l] === 1, this.ledgerState[l] === BREACHED);
        out.push({ market: ms.id, down: keys.down[0] as number, up: keys.up[0] as number, exact: true });
      } else out.push({ market: ms.id, down: ms.down.key(e), up: ms.up.key(e) });
    }
    return out;
  }

  /** The naive full scan: every known account evaluated exactly (tests, verification). */
  scanAll(): LedgerBreach[] {
    const accounts: Account[] = [];
    const upper: Account[] = [];
    for (let no = 0; no < this.headByNo.length; no++) {
      const head = this.headByNo[no] as number;
      if (head < 0) continue;
      const a = this.accountOf(this.ledgerAccount[head] as string);
      if (a !== undefined) (this.ledgerUpper[head] === 1 ? upper : accounts).push(a);
    }
    const out = scanAccounts(this.view, accounts, this.ruleOf());
    return this.upperView === null ? out : [...out, ...scanAccounts(this.upperView, upper, this.ruleOf())];
  }

  /** Two-level indexes: whether the account is watched at the upper level. */
  isUpper(accountId: string): boolean {
    const head = this.headOfId(accountId);
    return head >= 0 && this.ledgerUpper[head] === 1;
  }

  /** Rechecks so far (stats().rechecks without building the object: for per-tick metrics). */
  get recheckCount(): number {
    return this.rechecks;
  }

  stats(): BreachIndexStats {
    return {
      accounts: this.headCount,
      ledgers: this.ledgerCount,
      entries: this.entryCount,
      armedKeys: this.finiteKeys,
      breached: this.breachedTotal,
      waiting: this.waitingLedgers,
      ticks: this.ticks,
      rechecks: this.rechecks,
      falseAlarms: this.falseAlarms,
      breaches: this.breaches,
      recoveries: this.recoveries,
      marketReindexes: this.marketReindexes,
      fullReindexes: this.fullReindexes,
      exactLedgers: this.exactLedgers,
      flips: this.flips,
      exactMisses: this.exactMisses,
      resumed: this.resumed,
      screened: this.screened,
      rowScreened: this.rowScreened,
      rowArmed: this.rowArmed,
    };
  }

  /** Checks every heap and the entry / ledger links (tests). */
  checkInvariants(): void {
    const listed = new Set<number>();
    for (let l = this.breachFirst, prev = -1; l >= 0; prev = l, l = this.breachNext[l] as number) {
      assert(this.breachPrev[l] === prev && !listed.has(l), 'BreachIndex: breached list broken');
      listed.add(l);
    }
    assert(listed.size === this.breachedTotal, 'BreachIndex: breached count out of step');
    // Each held account's head: a live head ledger of that account, under the number its current account carries.
    let held = 0;
    for (let no = 0; no < this.headByNo.length; no++) {
      const head = this.headByNo[no] as number;
      if (head < 0) continue;
      held++;
      assert(this.ledgerState[head] !== FREE && this.ledgerHead[head] === head, 'BreachIndex: a number points at no head ledger');
      const account = this.accountOf(this.ledgerAccount[head] as string);
      assert(account === undefined || account.no === no, "BreachIndex: an account held under another account's number");
    }
    assert(held === this.headCount, 'BreachIndex: held-account count out of step');
    let entries = 0;
    let finite = 0;
    let heapEntries = 0;
    for (let l = 0; l < this.ledgerTop; l++) {
      if (this.ledgerState[l] === FREE) continue;
      for (let e = this.ledgerEntry[l] as number; e >= 0; e = this.entryNext[e] as number) {
        entries++;
        assert(this.entryLedger[e] === l, 'BreachIndex: entry points at another ledger');
        const ms = this.markets[this.entryMarket[e] as number] as MarketSlot;
        const exact = this.entryFamily[e] === MARK;
        assert(exact === !Number.isNaN(this.ledgerBoundary[l] as number), 'BreachIndex: entry family and exact boundary out of step');
        if (exact) {
          // In no heap: the ledger's boundary is in its market's band, in the state the band's cursor puts it in or
          // pending.
          assert(this.downAt.at[e] === -1 && this.upAt.at[e] === -1, 'BreachIndex: an exact entry in a heap');
          const slot = this.ledgerExactSlot[l] as number;
          assert(this.entryMarket[e] === slot && this.inBand[l] === 1, 'BreachIndex: exact boundary missing from its band');
          const b = this.ledgerBoundary[l] as number;
          const c = ms.band.cursor;
          const agrees = !Number.isNaN(c) && (this.ledgerLong[l] === 1 ? c <= b : c >= b) === (this.ledgerState[l] === BREACHED);
          assert(agrees || Array.from(ms.pending.data.subarray(0, ms.pending.length)).includes(l), 'BreachIndex: exact ledger neither in the state of its band nor pending');
          const keys = new KeyBuffer();
          exactKeysInto(keys, ms.id, b, this.ledgerLong[l] === 1, this.ledgerState[l] === BREACHED);
          assert(this.entryFinite[e] === finite2(keys.down[0] as number, keys.up[0] as number), 'BreachIndex: finite-key count out of step');
        } else {
          assert(ms.down.has(e) && ms.up.has(e), 'BreachIndex: entry missing from its heaps');
          assert(this.entryFinite[e] === finite2(ms.down.key(e), ms.up.key(e)), 'BreachIndex: finite-key count out of step');
          heapEntries++;
        }
        finite += this.entryFinite[e] as number;
      }
      assert((this.ledgerState[l] === BREACHED) === listed.has(l), 'BreachIndex: breached set out of step');
    }
    assert(entries === this.entryCount, 'BreachIndex: entry count out of step');
    let exact = 0;
    for (let l = 0; l < this.ledgerTop; l++) if (this.ledgerState[l] !== FREE && !Number.isNaN(this.ledgerBoundary[l] as number)) exact++;
    assert(exact === this.exactLedgers, 'BreachIndex: exact-ledger count out of step');
    assert(finite === this.finiteKeys, 'BreachIndex: armed-key count out of step');
    let heapSizes = 0;
    let bandSizes = 0;
    for (const ms of this.markets) {
      ms.down.checkInvariants();
      ms.up.checkInvariants();
      ms.band.checkInvariants();
      assert(ms.down.size === ms.up.size, 'BreachIndex: DOWN and UP heaps differ in size');
      heapSizes += ms.down.size;
      bandSizes += ms.band.size;
    }
    assert(heapSizes === heapEntries, 'BreachIndex: heaps hold entries no ledger owns');
    let inBands = 0;
    for (let l = 0; l < this.ledgerTop; l++) {
      if (this.inBand[l] === 0) continue;
      inBands++;
      assert(this.ledgerState[l] === SOUND || this.ledgerState[l] === BREACHED, 'BreachIndex: an unwatched ledger in a band');
    }
    assert(inBands === bandSizes, 'BreachIndex: bands hold boundaries no ledger owns');
  }

  // ---- Internals ----

  /** The backstop: re-arms markets whose schedule, multiplier or funding changed behind the index's back. */
  private sync(): LedgerBreach[] | null {
    let out: LedgerBreach[] | null = null;
    if (this.ruleOf() !== this.armedRule || this.view.marginValuation !== this.armedValuation) {
      out = [...this.reindexAll()];
      return out;
    }
    for (const ms of this.markets) {
      const s = ms.state;
      if (s === undefined) continue;
      if (s.spec === ms.spec && s.fundingIndex === ms.fundingIndex) {
        // The volatility state is replaced only when a sample is taken: the same object, the same multiplier (no BigInt
        // compared, on every tick of each index for each market). A new object with the same multiplier is kept.
        if (s.volatility === ms.volatility) continue;
        if (s.volatility.multiplierPpm === ms.multiplierPpm) {
          ms.volatility = s.volatility;
          continue;
        }
      }
      out ??= [];
      this.reindexMarketSlot(ms, out);
    }
    return out;
  }

  /**
   * The market's state in the view, from its slot: the view's MarketState of a market is one object for the market's
   * life, changed in place (a price, a spec), and markets are never taken away, so the object recordEpoch kept is the
   * one view.market(id) returns (every level's view reads the same state); no Map lookup by id on the paths a tick
   * takes for each exact boundary it crosses.
   */
  private liveMarket(ms: MarketSlot): MarketState | undefined {
    return ms.state ?? this.view.market(ms.id);
  }

  private recordEpoch(ms: MarketSlot): void {
    const s = this.view.market(ms.id);
    ms.state = s;
    ms.spec = s?.spec;
    ms.volatility = s?.volatility;
    ms.multiplierPpm = s?.volatility.multiplierPpm ?? 0n;
    ms.fundingIndex = s?.fundingIndex ?? 0n;
  }

  private nextStamp(): number {
    if (++this.stamp > STAMP_MAX) {
      this.ledgerStamp.fill(0);
      this.accountStamp.fill(0);
      this.stamp = 1;
    }
    return this.stamp;
  }

  private recheckCrossed(out: LedgerBreach[]): void {
    const stamp = this.nextStamp();
    const heads = this.headScratch;
    heads.clear();
    const crossed = this.crossed;
    const flips = this.flipScratch;
    flips.clear();
    // Exact boundaries crossed: the crossing is the state change; no evaluation of the account.
    const marked = this.markCrossed;
    for (let j = 0; j < marked.length; j++) {
      const l = marked.data[j] as number;
      if (this.ledgerStamp[l] === stamp) continue;
      this.ledgerStamp[l] = stamp;
      flips.push(l);
    }
    for (let j = 0; j < crossed.length; j++) {
      const e = crossed.data[j] as number;
      const l = this.entryLedger[e] as number;
      if (this.ledgerStamp[l] === stamp) continue;
      this.ledgerStamp[l] = stamp;
      const h = this.ledgerHead[l] as number;
      if (this.accountStamp[h] === stamp) continue;
      this.accountStamp[h] = stamp;
      heads.push(h);
    }
    for (let j = 0; j < heads.length; j++) {
      const h = heads.data[j] as number;
      const accountId = this.ledgerAccount[h] as string;
      if (this.slopeRows !== null) {
        // Ledgers with a slope row are screened from it: the account is read only if one is left.
        let left = false;
        for (let l = h; l >= 0; l = this.ledgerNext[l] as number) {
          if (this.ledgerStamp[l] !== stamp || this.isFlip(l)) continue;
          if (this.slopeRows.has(l) && this.rearmScreened(l, null)) this.ledgerStamp[l] = 0;
          else left = true;
        }
        if (!left) continue;
      }
      const account = this.accountOf(accountId);
      if (account === undefined) {
        this.remove(accountId);
        continue;
      }
      // Ledgers the float screen proves still in their state are re-armed without an exact evaluation (and leave
      // the stamp); the account is evaluated only for the others.
      let unscreened = false;
      for (let l = h; l >= 0; l = this.ledgerNext[l] as number) {
        if (this.ledgerStamp[l] !== stamp || this.isFlip(l)) continue;
        // A ledger with a slope row was screened from it above, on the same figures: the account's screen would fail too.
        if (this.slopeRows?.has(l) !== true && this.rearmScreened(l, account)) this.ledgerStamp[l] = 0;
        else unscreened = true;
      }
      if (!unscreened) continue;
      const ev = evaluateMaintenance(this.viewOf(h), account);
      if (!ev.priced) {
        // Not expected between reindexes (prices do not disappear); handle it as a reindex would.
        this.reindexInto(accountId, out);
        continue;
      }
      const rule = this.ruleOf();
      for (let l = h; l >= 0; l = this.ledgerNext[l] as number) {
        if (this.ledgerStamp[l] !== stamp || this.isFlip(l)) continue;
        this.rechecks++;
        const before = this.ledgerState[l];
        this.arm(l, account, ev, rule, out);
        if (this.ledgerState[l] === before) this.falseAlarms++;
      }
    }
    for (let j = 0; j < flips.length; j++) {
      const l = flips.data[j] as number;
      // A ledger the loop above re-armed (its account was evaluated for another ledger) is up to date.
      if (this.ledgerState[l] !== FREE && this.ledgerStamp[l] === stamp && this.isFlip(l)) this.flip(l, out);
    }
  }

  /** The view ledger l is evaluated under: its account's level's. */
  private viewOf(l: number): MarginView {
    return this.upperView !== null && this.ledgerUpper[this.ledgerHead[l] as number] === 1 ? this.upperView : this.view;
  }

  /** Whether the figures of ledger l's breaches are reported (never at the upper level). */
  private reportsOf(l: number): boolean {
    return this.reportBreaches && !(this.upperView !== null && this.ledgerUpper[this.ledgerHead[l] as number] === 1);
  }

  /** Whether ledger l's breaches are returned at all (not at the upper level). */
  private returnsOf(l: number): boolean {
    return this.upperView === null || this.ledgerUpper[this.ledgerHead[l] as number] === 0;
  }

  /**
   * Ledger l recovered: onRecover is told, or its account kept for settleRecovered() (keepRecovered). A two-level
   * index tells only the recoveries at the upper level.
   */
  private tellRecovered(l: number, accountId: string, market: string | null): void {
    const h = this.ledgerHead[l] as number;
    if (this.upperView !== null && this.ledgerUpper[h] !== 1) return;
    if (this.recoveredHeads !== null) {
      this.recoveredHeads.push(h);
      this.recoveredIds.push(accountId);
    } else this.onRecover?.({ account: accountId, market });
  }

  /**
   * A re-check by the float screen (slack-screen.ts) of ledger l, armed at slope bounds and crossed: when the
   * screen's bounds on its exact slack prove it is still in the state it was armed in, it is re-armed from the
   * screen's lower bound on |slack| (a smaller budget than the exact slack's: thresholds as sound, a little nearer)
   * and true is returned. A sound ledger is screened for every owner; one in breach only when the owner does not ask
   * for the figures of breaches (arm() reports them). False: the caller evaluates it exactly.
   */
  private rearmScreened(l: number, account: Account | null): boolean {
    const state = this.ledgerState[l];
    const breached = state === BREACHED;
    if (state !== SOUND && !(breached && !this.reportsOf(l))) return false;
    if (!Number.isNaN(this.ledgerBoundary[l] as number)) return false;
    const slot = this.ledgerMarket[l] as number;
    const market = slot < 0 ? null : (this.markets[slot] as MarketSlot).id;
    const screen = this.screen;
    const view = this.viewOf(l);
    // From the ledger's slope row (account null: the caller saw one), else from the account.
    const row = account === null ? this.slopeRow : null;
    if (row !== null) (this.slopeRows as SlopeRows).read(l, this.marketIdOf, row);
    if (row !== null ? !screenRowSlack(view, row, screen) : !screenLedgerSlack(view, account as Account, market, screen)) return false;
    // Proven: slack > 0 (sound under either rule: equity > maintenance >= 0), or slack < 0 (in breach under either).
    let slack: bigint;
    if (!breached && screen.lower > 0) slack = BigInt(Math.floor(screen.lower));
    else if (breached && screen.upper < 0) slack = BigInt(Math.ceil(screen.upper));
    else return false;
    this.rechecks++;
    this.falseAlarms++;
    this.screened++;
    if (row !== null) this.rowScreened++;
    if (row !== null) computeRowKeys(view, row, screen, breached, slack, this.keys);
    else {
      computeLedgerKeys(view, account as Account, screen, market, breached, slack, this.keys);
      if (market === null) this.slopeRows?.write(l, account as Account, view.settlementAsset, this.marketSlotOf);
    }
    this.setEntries(l, this.keys, PRICES);
    return true;
  }

  /** Whether ledger l is armed at an exact boundary that the current mark has crossed. */
  private isFlip(l: number): boolean {
    const boundary = this.ledgerBoundary[l] as number;
    if (Number.isNaN(boundary)) return false;
    const state = this.liveMarket(this.markets[this.ledgerExactSlot[l] as number] as MarketSlot);
    const mark = state?.markPrice ?? null;
    if (mark === null) return false;
    return this.isFlipAt(l, Number(mark));
  }

  /** isFlip() of a ledger armed at an exact boundary in the market whose mark is `mark` (converted once by the caller). */
  private isFlipAt(l: number, mark: number): boolean {
    const boundary = this.ledgerBoundary[l] as number;
    if (Number.isNaN(boundary)) return false;
    const inBreach = this.ledgerLong[l] === 1 ? mark <= boundary : mark >= boundary;
    return inBreach !== (this.ledgerState[l] === BREACHED);
  }

  /**
   * The mark crossed ledger l's exact boundary: its state flips. Entering breach, the position's figures at the mark
   * confirm it exactly (and are what is reported); leaving it needs no evaluation.
   */
  private flip(l: number, out: LedgerBreach[]): void {
    const h = this.ledgerHead[l] as number;
    const accountId = this.ledgerAccount[h] as string;
    const ms = this.markets[this.ledgerExactSlot[l] as number] as MarketSlot;
    const market = (this.ledgerMarket[l] as number) >= 0 ? ms.id : null;
    this.flips++;
    if (this.ledgerState[l] === BREACHED) {
      this.ledgerState[l] = SOUND;
      this.unlinkBreached(l);
      this.recoveries++;
      this.setExactKeys(l, ms.id, false);
      this.tellRecovered(l, accountId, market);
      return;
    }
    if (!this.enterBreach(l, out)) this.reindexInto(accountId, out);
  }

  /**
   * A sound ledger armed at an exact boundary the mark has crossed enters breach: the position's figures at the
   * mark confirm it exactly and are reported. False (counted as a miss) if they do not: the caller re-arms in full.
   */
  private enterBreach(l: number, out: LedgerBreach[]): boolean {
    const accountId = this.ledgerAccount[l] as string;
    const ms = this.markets[this.ledgerExactSlot[l] as number] as MarketSlot;
    if (!this.reportsOf(l)) {
      this.ledgerState[l] = BREACHED;
      this.linkBreached(l);
      this.breaches++;
      this.setExactKeys(l, ms.id, true);
      return true;
    }
    const isolated = (this.ledgerMarket[l] as number) >= 0;
    const state = this.liveMarket(ms);
    const mark = state?.markPrice ?? null;
    const view = this.viewOf(l);
    let position: Position | undefined;
    let cash: bigint;
    if (this.keepsExactRows && this.exactRowValid[l] === 1 && view.marginValuation === 'mark') {
      position = this.exactRowPosition(l, ms.id);
      cash = this.exactRowCash(l);
    } else {
      const account = this.accountOf(accountId);
      position = account?.positions.get(ms.id);
      cash = isolated ? (position?.isolatedMargin ?? 0n) : (account?.balances.get(view.settlementAsset) ?? 0n);
    }
    if (state === undefined || position === undefined || mark === null) {
      this.exactMisses++;
      return false;
    }
    const f = singlePositionSlack(view, state, position, mark, cash);
    const equity = f.equity;
    if (!isBreached(equity, f.maintenance, this.ruleOf())) {
      this.exactMisses++;
      return false;
    }
    this.ledgerState[l] = BREACHED;
    this.linkBreached(l);
    this.breaches++;
    this.setExactKeys(l, ms.id, true);
    const baseMaintenance = this.baseView === null ? undefined : positionMaintenance(this.baseView, state, position, mark);
    out.push({ account: accountId, market: isolated ? ms.id : null, equity, maintenance: f.maintenance, prices: this.reportPrices ? [{ market: ms.id, mark, index: state.indexPrice }] : NO_PRICES, newly: true, baseMaintenance, slot: this.ledgerHead[l] as number });
    return true;
  }

  /**
   * What evaluateLedgers() then arm() do for an account whose one ledger is a cross ledger kept in an exact row (one
   * position, settlement cash: the row is all its figures), without reading the account: its figures at the current
   * mark under its level's view, its state, and its exact boundary at that level. A setLevelAt() without a boundary
   * kept for the level entered: the first call of an account, at 1M accounts a cold read of its objects. False (nothing
   * done) when the account is not of that shape, has no valid row, or its boundary at this level is not exact: the
   * caller evaluates the account.
   */
  private armFromExactRow(head: number, accountId: string, out: LedgerBreach[]): boolean {
    if (!this.keepsExactRows || this.exactRowValid[head] !== 1 || this.ledgerNext[head] !== -1) return false;
    const view = this.viewOf(head);
    if (view.marginValuation !== 'mark') return false;
    const ms = this.markets[this.ledgerExactSlot[head] as number] as MarketSlot;
    const state = this.liveMarket(ms);
    const mark = state?.markPrice ?? null;
    if (state === undefined || mark === null) return false;
    const position = this.exactRowPosition(head, ms.id);
    const cash = this.exactRowCash(head);
    const ctx = maintenanceContext(view, state);
    const rule = this.ruleOf();
    // The boundary first, its state now from it (breachedAt); the figures only for a breach, which reports them.
    const exact = exactBoundaryOf(view, position, cash, rule, null, null, ctx);
    if (exact === null) return false;
    const breached = breachedAt(exact, mark);
    const l = head;
    this.ledgerBoundary[l] = exact.boundary;
    this.ledgerLong[l] = exact.long ? 1 : 0;
    this.exactLedgers++;
    this.slopeRows?.drop(l);
    this.setExactKeys(l, ms.id, breached);
    if (!breached) return true; // sound, as setLevelAt left it
    this.ledgerState[l] = BREACHED;
    this.linkBreached(l);
    this.breaches++;
    if (this.returnsOf(l)) {
      const f = singlePositionSlack(view, state, position, mark, cash, ctx);
      const prices = this.reportPrices ? [{ market: ms.id, mark, index: state.indexPrice }] : NO_PRICES;
      out.push({ account: accountId, market: null, equity: f.equity, maintenance: f.maintenance, prices, newly: true, baseMaintenance: undefined, slot: head });
    }
    return true;
  }

  /**
   * A setLevelAt() without a boundary kept, for an account whose one ledger is a cross ledger with a slope row: armed
   * from the float screen of the row under the new level's view, as a re-check would be (rearmScreened), when the
   * screen proves its state there: sound (a recovered account back at the call level is above it), or in breach at the
   * upper level, which reports no figures (an account just called is below its recovery level). False (nothing done)
   * otherwise: the caller evaluates the account.
   */
  private armFromSlopeRow(head: number): boolean {
    const rows = this.slopeRows;
    if (rows === null || this.ledgerNext[head] !== -1 || !rows.has(head) || !Number.isNaN(this.ledgerBoundary[head] as number)) return false;
    const view = this.viewOf(head);
    const row = this.slopeRow;
    rows.read(head, this.marketIdOf, row);
    const screen = this.screen;
    if (!screenRowSlack(view, row, screen)) return false;
    let breached: boolean;
    let slack: bigint;
    if (screen.lower > 0) {
      breached = false;
      slack = BigInt(Math.floor(screen.lower));
    } else if (screen.upper < 0 && !this.reportsOf(head)) {
      breached = true;
      slack = BigInt(Math.ceil(screen.upper));
    } else return false;
    computeRowKeys(view, row, screen, breached, slack, this.keys);
    this.setEntries(head, this.keys, PRICES);
    if (breached) {
      this.ledgerState[head] = BREACHED;
      this.linkBreached(head);
      this.breaches++;
    }
    this.rowArmed++;
    return true;
  }

  /**
   * Ledger l's one position as its exact row holds it, with the cost basis folded into the cash (exactRowCash): under
   * mark valuation the same equity, to the atom, as the account's position and cash.
   */
  private exactRowPosition(l: number, market: string): Position {
    const r = l * EXACT_ROW;
    return { market, size: this.exactRows[r] as Size, entryQuote: 0n as Quote, fundingIndex: this.exactRows[r + 2] as bigint, isolatedMargin: null };
  }

  /** Ledger l's cash less its position's cost (see exactRows). */
  private exactRowCash(l: number): bigint {
    return this.exactRows[l * EXACT_ROW + 1] as bigint;
  }

  /** Keeps an exact ledger's inputs (see exactRows); no row when one does not fit 64 bits. */
  private writeExactRow(l: number, position: Position, cash: bigint): void {
    if (!this.keepsExactRows) return;
    const { size, fundingIndex } = position;
    const net = cash - position.entryQuote;
    if (BigInt.asIntN(64, size) !== size || BigInt.asIntN(64, net) !== net || BigInt.asIntN(64, fundingIndex) !== fundingIndex) {
      this.exactRowValid[l] = 0;
      return;
    }
    const r = l * EXACT_ROW;
    const rows = this.exactRows;
    rows[r] = size;
    rows[r + 1] = net;
    rows[r + 2] = fundingIndex;
    this.exactRowValid[l] = 1;
  }

  /** Arms ledger l at its exact boundary for the given state (long: breach at or below it; short: at or above). */
  private setExactKeys(l: number, market: string, breached: boolean): void {
    const b = this.ledgerBoundary[l] as number;
    const long = this.ledgerLong[l] === 1;
    const e = this.ledgerEntry[l] as number;
    if (e >= 0 && this.entryNext[e] === -1 && this.entryFamily[e] === MARK && (this.markets[this.entryMarket[e] as number] as MarketSlot).id === market) {
      // Its one entry is this market's exact one already (a flip, a move between margin-call levels): what setEntries
      // would do comes down to which of its keys are finite.
      const f = finite2(exactDown(b, long, breached), exactUp(b, long, breached));
      this.finiteKeys += f - (this.entryFinite[e] as number);
      this.entryFinite[e] = f;
    } else {
      const keys = this.keys;
      keys.clear();
      exactKeysInto(keys, market, b, long, breached);
      this.setEntries(l, keys, MARK);
    }
    this.placeExact(l, breached);
  }

  /**
   * Puts ledger l's exact boundary in its market's band (moving it when the boundary or the market changed; a flip
   * leaves it where it is), and lists the ledger as pending when `breached` is not the state the band's cursor puts
   * it in (it was armed at a newer mark).
   */
  private placeExact(l: number, breached: boolean): void {
    const slot = this.ledgerExactSlot[l] as number;
    const b = this.ledgerBoundary[l] as number;
    const ms = this.markets[slot] as MarketSlot;
    if (this.inBand[l] === 0) {
      if (this.bulk) ms.band.stage(b, l);
      else ms.band.insert(b, l);
      this.inBand[l] = 1;
    }
    if (Number.isNaN(ms.band.cursor)) {
      // The band's first boundary: its states agree with the mark they are armed at.
      const mark = this.view.market(ms.id)?.markPrice ?? null;
      if (mark !== null) ms.band.setCursor(Number(mark));
    }
    const c = ms.band.cursor;
    if (Number.isNaN(c) || (this.ledgerLong[l] === 1 ? c <= b : c >= b) !== breached) ms.pending.push(l);
  }

  /** Takes ledger l's boundary out of its band, if it is in one. */
  private leaveBand(l: number): void {
    if (this.inBand[l] === 0) return;
    const key = this.ledgerBoundary[l] as number;
    const removed = (this.markets[this.ledgerExactSlot[l] as number] as MarketSlot).band.delete(key, l);
    assert(removed, 'BreachIndex: an exact boundary missing from its band');
    this.inBand[l] = 0;
  }

  /**
   * The ledgers at exact boundaries that the market's mark, now `mark`, puts in another state than they are in (as
   * isFlip): those of the band between its cursor and the mark, and its pending ones. The
   * cursor moves to the mark. Without a mark nothing is collected (exact ledgers follow the mark alone).
   */
  private collectFlips(ms: MarketSlot, slot: number, mark: number, out: Int32List): void {
    out.clear();
    if (Number.isNaN(mark)) return;
    const found = this.bandScratch;
    found.clear();
    ms.band.moveCursor(mark, found);
    for (let j = 0; j < found.length; j++) {
      const l = found.data[j] as number;
      if (this.isFlipAt(l, mark)) out.push(l); // a boundary in this market's band: of this market
    }
    const pending = ms.pending;
    for (let j = 0; j < pending.length; j++) {
      const l = pending.data[j] as number;
      if (this.ledgerExactSlot[l] === slot && this.watchedExact(l) && this.isFlipAt(l, mark)) out.push(l);
    }
    pending.clear();
  }

  /** Whether ledger l is watched (sound or in breach), not free, waiting or suspended. */
  private watchedExact(l: number): boolean {
    const state = this.ledgerState[l];
    return state === SOUND || state === BREACHED;
  }

  private reindexMarketSlot(ms: MarketSlot, out: LedgerBreach[]): void {
    this.marketReindexes++;
    this.epoch++;
    this.recordEpoch(ms);
    const stamp = this.nextStamp();
    const ids: string[] = [];
    const visit = (l: number): void => {
      const h = this.ledgerHead[l] as number;
      if (this.accountStamp[h] === stamp) return;
      this.accountStamp[h] = stamp;
      ids.push(this.ledgerAccount[h] as string);
    };
    for (let p = 0; p < ms.down.size; p++) visit(this.entryLedger[ms.down.idAt(p)] as number);
    const found = this.bandScratch;
    found.clear();
    ms.band.all(found);
    for (let j = 0; j < found.length; j++) visit(found.data[j] as number);
    for (const id of ids) this.reindexInto(id, out);
    this.reindexWaiting(ms, out);
  }

  private reindexWaiting(ms: MarketSlot, out: LedgerBreach[]): void {
    if (ms.waiting.size === 0) return;
    const ids = [...ms.waiting];
    for (const id of ids) this.reindexInto(id, out);
  }

  private reindexInto(accountId: string, out: LedgerBreach[]): void {
    this.reindexFound(accountId, this.accountOf(accountId), out);
  }

  /** reindexInto() of the account options.account returned for the id (undefined: it is removed). */
  private reindexFound(accountId: string, account: Account | undefined, out: LedgerBreach[]): void {
    if (account === undefined) this.remove(accountId);
    else this.reindexAccount(accountId, account, out);
  }

  /**
   * reindexInto() of an account the index does not hold (a bulk build into an empty index): its ledgers allocated
   * (the cross ledger, then its isolated positions' in the order reindexInto links them), without looking for ones it
   * already has.
   */
  private indexNew(account: Account, out: LedgerBreach[]): void {
    const accountId = account.id;
    const head = this.allocLedger(accountId, -1, -1);
    this.holdAt(account.no, head);
    for (const p of account.positions.values()) {
      if (p.isolatedMargin === null) continue;
      const l = this.allocLedger(accountId, this.marketSlot(p.market), head);
      this.ledgerNext[l] = this.ledgerNext[head] as number;
      this.ledgerNext[head] = l;
    }
    this.evaluateLedgers(accountId, account, head, null, out);
  }

  private reindexAccount(accountId: string, account: Account, out: LedgerBreach[]): void {
    let head = this.headOf(account);
    if (head < 0) {
      head = this.allocLedger(accountId, -1, -1);
      this.holdAt(account.no, head);
    } else {
      this.unwait(accountId, head);
      this.unpricedOther.delete(accountId);
      // Changed (or re-armed): the boundaries kept at its other level no longer hold.
      if (this.upperView !== null) this.otherEpoch[head] = -1;
    }
    // Reconcile the isolated ledgers with the account's isolated positions. An isolated ledger in breach that is gone
    // (its position closed) has recovered, as a full scan sees it, once the account is priced (scan-detector.ts).
    let vanished: string[] | null = null;
    for (let prev = head, l = this.ledgerNext[head] as number; l >= 0; ) {
      const next = this.ledgerNext[l] as number;
      const ms = this.markets[this.ledgerMarket[l] as number] as MarketSlot;
      const p = account.positions.get(ms.id);
      if (p === undefined || p.isolatedMargin === null) {
        if (this.ledgerState[l] === BREACHED) (vanished ??= []).push(ms.id);
        this.ledgerNext[prev] = next;
        this.freeLedgerSlot(l);
      } else prev = l;
      l = next;
    }
    for (const p of account.positions.values()) {
      if (p.isolatedMargin === null || this.findIsolated(head, p.market) >= 0) continue;
      const l = this.allocLedger(accountId, this.marketSlot(p.market), head);
      this.ledgerNext[l] = this.ledgerNext[head] as number;
      this.ledgerNext[head] = l;
    }
    this.evaluateLedgers(accountId, account, head, vanished, out);
  }

  /** Evaluates the account exactly and arms its ledgers (or parks them until its markets are priced). */
  private evaluateLedgers(accountId: string, account: Account, head: number, vanished: string[] | null, out: LedgerBreach[]): void {
    if (vanished === null && this.ledgerNext[head] === -1 && (this.armSingle(head, account, out) || this.armEmpty(head, account, out))) return;
    const ev = evaluateMaintenance(this.viewOf(head), account);
    if (!ev.priced) {
      for (let l = head; l >= 0; l = this.ledgerNext[l] as number) this.park(l);
      for (const m of ev.unpriced) {
        const slot = this.view.market(m) === undefined ? undefined : this.marketSlot(m);
        if (slot === undefined) this.unpricedOther.add(accountId);
        else (this.markets[slot] as MarketSlot).waiting.add(accountId);
      }
      return;
    }
    const rule = this.ruleOf();
    for (let l = head; l >= 0; l = this.ledgerNext[l] as number) this.arm(l, account, ev, rule, out);
    if (vanished !== null) {
      for (const market of vanished) {
        this.recoveries++;
        this.tellRecovered(head, accountId, market);
      }
    }
  }

  /**
   * evaluateLedgers() of an account whose one ledger is a cross ledger of one position and settlement cash (the shape
   * exactBoundary serves), from that position's own figures (singlePositionSlack: the cross figures
   * evaluateMaintenance gives such an account, to the atom), without an evaluation of the account and its objects.
   * False (nothing done) for any other shape, an unpriced market, or a boundary that is not exact: the caller
   * evaluates the account. Why: every re-arm and every restored account went through evaluateMaintenance, whose
   * arrays and figures objects are most of what a re-arm allocates.
   */
  private armSingle(head: number, account: Account, out: LedgerBreach[]): boolean {
    if (account.positions.size !== 1) return false;
    const view = this.viewOf(head);
    if (view.marginValuation !== 'mark' || !settlementCashOnly(account, view.settlementAsset)) return false;
    let position: Position | undefined;
    for (const p of account.positions.values()) position = p;
    if (position === undefined || position.isolatedMargin !== null) return false;
    const state = view.market(position.market);
    const mark = state?.markPrice ?? null;
    if (state === undefined || mark === null) return false;
    const cash = account.balances.get(view.settlementAsset) ?? 0n;
    // The boundary first, the state now from it (breachedAt): the figures at the mark are evaluated only for a breach,
    // which reports them (armAt reads them for nothing else). One exact evaluation fewer an arm: at a 1M restore, 1M
    // in each of the two breach indexes. A restore's hint (boundary-hints.ts) spares the search; the requirement
    // context (one for every mark a search tries, and the figures) is made only for a search or a breach.
    const hint = this.hints === null ? Number.NaN : this.hints.boundary(account.no, this.hintLevel + (view === this.view ? 0 : 1));
    if (hint === NO_BOUNDARY) return false; // the search found none (hintedBoundary: the same search)
    let ctx: RequirementContext | null = null;
    const exact = hint >= 0 ? { market: position.market, long: position.size > 0n, position, cash, boundary: hint } : exactBoundaryOf(view, position, cash, this.ruleOf(), null, null, (ctx = maintenanceContext(view, state)));
    if (exact === null) return false;
    const breached = breachedAt(exact, mark);
    const f = breached ? singlePositionSlack(view, state, position, mark, cash, ctx ?? maintenanceContext(view, state)) : SOUND_FIGURES;
    this.armAt(head, account, null, f.equity, f.maintenance, breached, exact, null, out);
    return true;
  }

  /**
   * evaluateLedgers() of an account that holds no position, only settlement cash and no debt (an account closed in
   * full: 12,261 of the 19,905 re-arms of the 1M-account 5% crash tick), without an evaluation: its one ledger's
   * equity is its cash (ledgerEquity), it has no requirement (no position) and no price moves it, so it has no entry.
   * False (nothing done) for any other account: the caller evaluates it.
   */
  private armEmpty(head: number, account: Account, out: LedgerBreach[]): boolean {
    if (account.positions.size !== 0) return false;
    const equity = ledgerEquity(this.viewOf(head), account, null);
    if (equity === null) return false;
    const none = quote(0n);
    this.armAt(head, account, null, equity, none, isBreached(equity, none, this.ruleOf()), null, null, out);
    return true;
  }

  /** Exact state of ledger l from the evaluation; arms its entries (loss or recovery bounds). */
  private arm(l: number, account: Account, ev: PricedEvaluation, rule: BreachRule, out: LedgerBreach[]): void {
    const slot = this.ledgerMarket[l] as number;
    const market = slot < 0 ? null : (this.markets[slot] as MarketSlot).id;
    let equity: Quote;
    let maintenance: Quote;
    if (market === null) {
      equity = ev.cross.equity;
      maintenance = ev.cross.maintenance;
    } else {
      const f = ev.isolated.find((x) => x.market === market);
      assert(f !== undefined, 'BreachIndex.arm: isolated ledger without an isolated position');
      equity = f.equity;
      maintenance = f.maintenance;
    }
    const breached = isBreached(equity, maintenance, rule);
    const exact = exactBoundary(this.viewOf(l), account, market, rule, breached, equity - maintenance);
    this.armAt(l, account, market, equity, maintenance, breached, exact, ev, out);
  }

  /**
   * arm()'s second half: ledger l in its exact state, at its exact boundary when it has one, else at the thresholds
   * computed from the evaluation `ev` (null only for a ledger without a position: armEmpty; it has none).
   */
  private armAt(l: number, account: Account, market: string | null, equity: Quote, maintenance: Quote, breached: boolean, exact: ExactBoundary | null, ev: PricedEvaluation | null, out: LedgerBreach[]): void {
    const before = this.ledgerState[l];
    if (before === WAITING) this.waitingLedgers--;
    const view = this.viewOf(l);
    const wasExact = !Number.isNaN(this.ledgerBoundary[l] as number);
    if (exact !== null) {
      const slot = this.marketSlot(exact.market);
      if (this.ledgerBoundary[l] !== exact.boundary || this.ledgerExactSlot[l] !== slot) this.leaveBand(l); // moves
      this.writeExactRow(l, exact.position, exact.cash);
      this.ledgerBoundary[l] = exact.boundary;
      this.ledgerLong[l] = exact.long ? 1 : 0;
      this.ledgerExactSlot[l] = slot;
      if (!wasExact) this.exactLedgers++;
      this.slopeRows?.drop(l);
      this.setExactKeys(l, exact.market, breached);
    } else {
      this.leaveBand(l);
      this.ledgerBoundary[l] = Number.NaN;
      if (this.keepsExactRows) this.exactRowValid[l] = 0;
      if (wasExact) this.exactLedgers--;
      if (ev === null) {
        assert(account.positions.size === 0, 'BreachIndex.armAt: thresholds without an evaluation');
        this.setEntries(l, this.noKeys, PRICES);
        this.slopeRows?.drop(l);
      } else {
        computeLedgerKeys(view, account, ev, market, breached, equity - maintenance, this.keys);
        this.setEntries(l, this.keys, PRICES);
        if (market === null) this.slopeRows?.write(l, account, view.settlementAsset, this.marketSlotOf);
        else this.slopeRows?.drop(l);
      }
    }
    if (breached) {
      this.ledgerState[l] = BREACHED;
      if (before !== BREACHED) {
        this.linkBreached(l);
        this.breaches++;
      }
      if (this.returnsOf(l)) {
        const prices = !this.reportPrices
          ? NO_PRICES
          : ledgerMarkets(this.view, account, market).map((m) => {
              const s = this.view.market(m);
              return { market: m, mark: s?.markPrice ?? null, index: s?.indexPrice ?? null };
            });
        out.push({ account: account.id, market, equity, maintenance, prices, newly: before !== BREACHED, baseMaintenance: undefined, slot: this.ledgerHead[l] as number });
      }
    } else {
      this.ledgerState[l] = SOUND;
      if (before === BREACHED) {
        this.unlinkBreached(l);
        this.recoveries++;
        this.tellRecovered(l, account.id, market);
      }
    }
  }

  /** Drops a ledger's entries and breach state: its account waits for a price. */
  private park(l: number): void {
    this.clearExact(l);
    this.slopeRows?.drop(l);
    this.setEntries(l, this.noKeys, PRICES);
    if (this.ledgerState[l] === BREACHED) this.unlinkBreached(l);
    if (this.ledgerState[l] !== WAITING) this.waitingLedgers++;
    this.ledgerState[l] = WAITING;
  }

  private unwait(accountId: string, head: number): void {
    if (this.ledgerState[head] !== WAITING) return;
    for (const ms of this.markets) ms.waiting.delete(accountId);
  }

  private clearExact(l: number): void {
    if (this.keepsExactRows) this.exactRowValid[l] = 0;
    this.leaveBand(l);
    if (Number.isNaN(this.ledgerBoundary[l] as number)) return;
    this.ledgerBoundary[l] = Number.NaN;
    this.exactLedgers--;
  }

  /**
   * Makes the ledger's entries exactly `keys`, of `family`: PRICES entries in the market's heaps (updated in place),
   * MARK entries in none (their ledger's boundary is in the band: placeExact); moves entries between families, adds
   * and removes as the exposure changed.
   */
  private setEntries(l: number, keys: KeyBuffer, family: number): void {
    const n = keys.length;
    let prev = -1;
    let e = this.ledgerEntry[l] as number;
    let matched = 0; // bit j: keys[j] has an entry (ledgers span few markets; beyond 30 use the slow path)
    const done = n > 30 ? new Uint8Array(n) : null;
    while (e >= 0) {
      const next = this.entryNext[e] as number;
      const ms = this.markets[this.entryMarket[e] as number] as MarketSlot;
      let j = 0;
      while (j < n && keys.markets[j] !== ms.id) j++;
      if (j < n) {
        const down = keys.down[j] as number;
        const up = keys.up[j] as number;
        const f = finite2(down, up);
        this.finiteKeys += f - (this.entryFinite[e] as number);
        this.entryFinite[e] = f;
        const was = this.entryFamily[e];
        if (was === PRICES && family === PRICES) {
          ms.down.update(e, down);
          ms.up.update(e, up);
        } else if (was !== family) {
          if (was === PRICES) {
            ms.down.remove(e);
            ms.up.remove(e);
          } else {
            ms.down.push(e, down);
            ms.up.push(e, up);
          }
          this.entryFamily[e] = family;
        }
        if (done !== null) done[j] = 1;
        else matched |= 1 << j;
        prev = e;
      } else {
        this.finiteKeys -= this.entryFinite[e] as number;
        if (this.entryFamily[e] === PRICES) {
          ms.down.remove(e);
          ms.up.remove(e);
        }
        if (prev < 0) this.ledgerEntry[l] = next;
        else this.entryNext[prev] = next;
        this.freeEntrySlot(e);
      }
      e = next;
    }
    for (let j = 0; j < n; j++) {
      if (done !== null ? done[j] === 1 : (matched & (1 << j)) !== 0) continue;
      const slot = this.marketSlot(keys.markets[j] as string);
      const ms = this.markets[slot] as MarketSlot;
      const ne = this.allocEntry(l, slot);
      const down = keys.down[j] as number;
      const up = keys.up[j] as number;
      this.entryFamily[ne] = family;
      if (family === PRICES) {
        ms.down.push(ne, down);
        ms.up.push(ne, up);
      }
      const f = finite2(down, up);
      this.entryFinite[ne] = f;
      this.finiteKeys += f;
      this.entryNext[ne] = this.ledgerEntry[l] as number;
      this.ledgerEntry[l] = ne;
    }
  }

  private marketSlot(id: string): number {
    const existing = this.marketSlots.get(id);
    if (existing !== undefined) return existing;
    const slot = this.markets.length;
    const tables = this.spareMarkets[slot] ?? this.newMarketTables();
    const ms: MarketSlot = {
      id,
      down: tables.down,
      up: tables.up,
      band: tables.band,
      pending: new Int32List(16),
      waiting: new Set(),
      state: undefined,
      spec: undefined,
      volatility: undefined,
      multiplierPpm: 0n,
      fundingIndex: 0n,
    };
    this.recordEpoch(ms);
    this.markets.push(ms);
    this.marketSlots.set(id, slot);
    return slot;
  }

  /**
   * A market's two heaps for slope-bound entries and its band of exact boundaries (sized by a capacity hint, else
   * IndexedHeap's and BoundaryBand's defaults).
   */
  private newMarketTables(heapCapacity?: number, bandPairs = 0): Pick<MarketSlot, 'down' | 'up' | 'band'> {
    const band = new BoundaryBand();
    band.reserve(bandPairs);
    return { down: new IndexedHeap('max', this.downAt, heapCapacity), up: new IndexedHeap('min', this.upAt, heapCapacity), band };
  }

  private findLedger(accountId: string, market: string | null): number {
    const head = this.headOfId(accountId);
    if (head < 0) return -1;
    return market === null ? head : this.findIsolated(head, market);
  }

  /** The head ledger slot of an account in options.account's view, or -1 when the index does not hold it. */
  private headOf(account: Account): number {
    return account.no < this.headByNo.length ? (this.headByNo[account.no] as number) : -1;
  }

  /** The account's head ledger slot, or -1 when the index does not hold it. */
  private headOfId(accountId: string): number {
    const no = this.numberHeld(accountId);
    return no < 0 ? -1 : (this.headByNo[no] as number);
  }

  /**
   * The number (Account.no) under which the index holds the account, or -1. Found through the account's current
   * object, else through options.accountNumber; without it, an account options.account does not return is looked for
   * among the held accounts (a scan: a test's path, never the engine's).
   */
  private numberHeld(accountId: string): number {
    const no = this.accountOf(accountId)?.no ?? (this.accountNumber === null ? this.scanForNumber(accountId) : (this.accountNumber(accountId) ?? -1));
    return no >= 0 && no < this.headByNo.length && (this.headByNo[no] as number) >= 0 ? no : -1;
  }

  /** The number of a held account by a scan of the heads (numberHeld without options.accountNumber), or -1. */
  private scanForNumber(accountId: string): number {
    for (let no = 0; no < this.headByNo.length; no++) {
      const head = this.headByNo[no] as number;
      if (head >= 0 && this.ledgerAccount[head] === accountId) return no;
    }
    return -1;
  }

  /** Records `head` as the head ledger of account number `no` (not held before). */
  private holdAt(no: number, head: number): void {
    if (no >= this.headByNo.length) this.headByNo = grownInt32(this.headByNo, grownSize(this.headByNo.length, no + 1, false), -1);
    this.headByNo[no] = head;
    this.headCount++;
  }

  private findIsolated(head: number, market: string): number {
    const slot = this.marketSlots.get(market);
    if (slot === undefined) return -1;
    for (let l = this.ledgerNext[head] as number; l >= 0; l = this.ledgerNext[l] as number) {
      if (this.ledgerMarket[l] === slot) return l;
    }
    return -1;
  }

  private refOf(l: number): LedgerRef {
    const slot = this.ledgerMarket[l] as number;
    return { account: this.ledgerAccount[l] as string, market: slot < 0 ? null : (this.markets[slot] as MarketSlot).id };
  }

  private allocLedger(accountId: string, marketSlot: number, head: number): number {
    let l = this.freeLedger;
    if (l >= 0) this.freeLedger = this.ledgerNext[l] as number;
    else {
      l = this.ledgerTop++;
      if (l >= this.ledgerState.length) this.growLedgers(l + 1);
      this.firstTouch(l);
    }
    this.ledgerAccount[l] = accountId;
    this.ledgerMarket[l] = marketSlot;
    this.ledgerState[l] = SOUND;
    this.ledgerEntry[l] = -1;
    this.ledgerNext[l] = -1;
    this.ledgerHead[l] = head < 0 ? l : head;
    this.ledgerCount++;
    if (head < 0 && this.upperHolds !== null) {
      this.ledgerUpper[l] = this.upperHolds(accountId) ? 1 : 0;
      this.otherEpoch[l] = -1;
    }
    return l;
  }

  /**
   * Writes every column of ledger slot l that allocLedger does not, the first time the slot is handed out. Why: a table
   * is made (or grown) as zero pages the OS maps on first write, and a first write costs a page fault (~10 µs on the
   * 2-core VM of docs/performance.md). Columns a tick writes only sometimes (the stamps, the breached list, exact rows)
   * would otherwise fault on ticks, long after the build: the first ~70 ticks of the 1M walk took 100-300 faults each,
   * and set the p99 of tick -> first LiquidationStarted. Written here, the slots in use are resident from their
   * allocation (a build), and the capacity not yet used stays unmapped (no fill of whole tables).
   */
  private firstTouch(l: number): void {
    this.ledgerBoundary[l] = Number.NaN;
    this.slopeRows?.touch(l);
    this.ledgerStamp[l] = 0;
    this.accountStamp[l] = 0;
    this.breachPrev[l] = -1;
    this.breachNext[l] = -1;
    this.ledgerExactSlot[l] = 0;
    if (this.keepsExactRows) {
      const r = l * EXACT_ROW;
      for (let k = 0; k < EXACT_ROW; k++) this.exactRows[r + k] = 0n;
      this.exactRowValid[l] = 0;
    }
    if (this.upperView !== null) {
      this.otherEpoch[l] = -1;
      this.otherBoundary[l] = Number.NaN;
      this.otherExactSlot[l] = 0;
    }
  }

  private freeLedgerSlot(l: number): void {
    this.clearExact(l);
    this.slopeRows?.drop(l);
    this.setEntries(l, this.noKeys, PRICES);
    if (this.ledgerState[l] === BREACHED) this.unlinkBreached(l);
    if (this.ledgerState[l] === WAITING) this.waitingLedgers--;
    this.ledgerState[l] = FREE;
    this.ledgerAccount[l] = undefined;
    this.ledgerNext[l] = this.freeLedger;
    this.freeLedger = l;
    this.ledgerCount--;
  }

  private growLedgers(min: number, exact = false): void {
    const n = this.ledgerState.length;
    const size = grownSize(n, min, exact);
    this.ledgerMarket = grownInt32(this.ledgerMarket, size, 0);
    const state = new Uint8Array(size);
    state.set(this.ledgerState);
    this.ledgerState = state;
    // allocLedger writes these two and firstTouch the boundary: no fill, the capacity not yet used stays unmapped.
    this.ledgerEntry = grownInt32(this.ledgerEntry, size, 0);
    this.ledgerNext = grownInt32(this.ledgerNext, size, 0);
    this.ledgerHead = grownInt32(this.ledgerHead, size, 0);
    this.ledgerStamp = grownInt32(this.ledgerStamp, size, 0);
    this.ledgerExactSlot = grownInt32(this.ledgerExactSlot, size, 0);
    const boundary = new Float64Array(size);
    boundary.set(this.ledgerBoundary);
    this.ledgerBoundary = boundary;
    const long = new Uint8Array(size);
    long.set(this.ledgerLong);
    this.ledgerLong = long;
    const inBand = new Uint8Array(size);
    inBand.set(this.inBand);
    this.inBand = inBand;
    if (this.keepsExactRows) {
      const rows = new BigInt64Array(size * EXACT_ROW);
      rows.set(this.exactRows);
      this.exactRows = rows;
      const valid = new Uint8Array(size);
      valid.set(this.exactRowValid);
      this.exactRowValid = valid;
    }
    this.accountStamp = grownInt32(this.accountStamp, size, 0);
    // Columns allocLedger writes (firstTouch) need no fill here: see firstTouch.
    this.breachPrev = grownInt32(this.breachPrev, size, 0);
    this.breachNext = grownInt32(this.breachNext, size, 0);
    if (this.upperView !== null) this.growLevels(size);
    this.slopeRows?.growLedgers(size);
    assert(this.ledgerState.length === this.ledgerEntry.length && size > n, 'BreachIndex: ledger tables out of step');
  }

  private linkBreached(l: number): void {
    const last = this.breachLast;
    this.breachPrev[l] = last;
    this.breachNext[l] = -1;
    if (last >= 0) this.breachNext[last] = l;
    else this.breachFirst = l;
    this.breachLast = l;
    this.breachedTotal++;
  }

  private unlinkBreached(l: number): void {
    const prev = this.breachPrev[l] as number;
    const next = this.breachNext[l] as number;
    if (prev >= 0) this.breachNext[prev] = next;
    else this.breachFirst = next;
    if (next >= 0) this.breachPrev[next] = prev;
    else this.breachLast = prev;
    this.breachedTotal--;
  }

  /** The two-level tables at `size` ledgers (the ledger tables' size). */
  private growLevels(size: number): void {
    const upper = new Uint8Array(size);
    upper.set(this.ledgerUpper);
    this.ledgerUpper = upper;
    const epoch = new Int32Array(size); // firstTouch writes -1 and NaN into a slot handed out the first time
    epoch.set(this.otherEpoch);
    this.otherEpoch = epoch;
    const boundary = new Float64Array(size);
    boundary.set(this.otherBoundary);
    this.otherBoundary = boundary;
    const long = new Uint8Array(size);
    long.set(this.otherLong);
    this.otherLong = long;
    const slot = new Int32Array(size);
    slot.set(this.otherExactSlot);
    this.otherExactSlot = slot;
  }

  private allocEntry(l: number, marketSlot: number): number {
    let e = this.freeEntry;
    if (e >= 0) this.freeEntry = this.entryNext[e] as number;
    else {
      e = this.entryTop++;
      if (e >= this.entryLedger.length) this.growEntries(e + 1);
      this.downAt.at[e] = -1; // in no heap (the table is not filled: firstTouch)
      this.upAt.at[e] = -1;
    }
    this.entryLedger[e] = l;
    this.entryMarket[e] = marketSlot;
    this.entryNext[e] = -1;
    this.entryCount++;
    return e;
  }

  private growEntries(min: number, exact = false): void {
    const size = grownSize(this.entryLedger.length, min, exact);
    this.entryLedger = grownInt32(this.entryLedger, size, 0);
    this.entryMarket = grownInt32(this.entryMarket, size, 0);
    this.entryNext = grownInt32(this.entryNext, size, 0); // allocEntry writes it
    const fin = new Uint8Array(this.entryNext.length);
    fin.set(this.entryFinite);
    this.entryFinite = fin;
    const fam = new Uint8Array(this.entryNext.length);
    fam.set(this.entryFamily);
    this.entryFamily = fam;
    // allocEntry writes -1 (in no heap) into a slot it hands out for the first time: no fill here (firstTouch).
    this.downAt.at = grownInt32(this.downAt.at, size, 0);
    this.upAt.at = grownInt32(this.upAt.at, size, 0);
  }

  private freeEntrySlot(e: number): void {
    this.entryNext[e] = this.freeEntry;
    this.freeEntry = e;
    this.entryCount--;
  }
}

function finite2(down: number, up: number): number {
  return (Number.isFinite(down) ? 1 : 0) + (Number.isFinite(up) ? 1 : 0);
}

/**
 * The thresholds of a ledger at exact boundary b, as a heap would key them (what thresholds() reports and the armed
 * keys count): a long in breach at or below b (recovering at b + 1), a short at or above it (recovering at b - 1); a
 * side that can never fire (no price of at least 1 reaches it) is infinite.
 */
function exactKeysInto(keys: KeyBuffer, market: string, b: number, long: boolean, breached: boolean): void {
  keys.push(market, exactDown(b, long, breached), exactUp(b, long, breached));
}

/** The DOWN key of an exact boundary b (what thresholds() reports; no heap holds it). */
function exactDown(b: number, long: boolean, breached: boolean): number {
  if (long) return breached ? -Infinity : b >= 1 ? b : -Infinity;
  return breached ? (b - 1 >= 1 ? b - 1 : -Infinity) : -Infinity;
}

/** The UP key of an exact boundary b. */
function exactUp(b: number, long: boolean, breached: boolean): number {
  if (long) return breached ? b + 1 : Infinity;
  return breached ? Infinity : b;
}

/** Every ledger of the given accounts in breach, by exact evaluation alone (the reference the index must match). */
export function scanAccounts(view: MarginView, accounts: Iterable<Account>, rule: BreachRule): LedgerBreach[] {
  const out: LedgerBreach[] = [];
  for (const account of accounts) {
    const ev = evaluateAccount(view, account);
    if (ev.priced) out.push(...ledgerBreaches(view, account, ev, rule));
  }
  return out;
}

/**
 * The ledgers of one priced account in breach under `rule`, from its exact evaluation: the cross ledger first, then
 * the isolated positions in the evaluation's order. `newlyIn` tells which entered breach now (the caller knows what
 * was in breach before; none by default).
 */
export function ledgerBreaches(view: MarginView, account: Account, ev: PricedEvaluation, rule: BreachRule, newlyIn?: (market: string | null) => boolean): LedgerBreach[] {
  const out: LedgerBreach[] = [];
  const ledgers: { market: string | null; equity: Quote; maintenance: Quote }[] = [
    { market: null, equity: ev.cross.equity, maintenance: ev.cross.maintenance },
    ...ev.isolated.map((f) => ({ market: f.market, equity: f.equity, maintenance: f.maintenance })),
  ];
  for (const x of ledgers) {
    if (!isBreached(x.equity, x.maintenance, rule)) continue;
    const prices = ledgerMarkets(view, account, x.market).map((m) => {
      const s = view.market(m);
      return { market: m, mark: s?.markPrice ?? null, index: s?.indexPrice ?? null };
    });
    out.push({ account: account.id, market: x.market, equity: x.equity, maintenance: x.maintenance, prices, newly: newlyIn?.(x.market) ?? false });
  }
  return out;
}
