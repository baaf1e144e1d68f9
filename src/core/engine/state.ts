// The engine's whole state. Everything here is reachable from a snapshot; nothing else is state.

import type { EngineAuctions } from './auctions.js';
import { newAccount, type Account } from '../account/account.js';
import { AccountTable } from './account-table.js';
import type { MarginView } from '../margin/evaluate.js';
import type { LendingParams } from '../margin/thresholds.js';
import type { AssetSpec, MarketState, SettlementSpec } from '../market/index.js';
import type { Rulebook } from '../rulebooks/rulebook.js';
import { newEnforcementState, type Deficit, type EnforcementState } from './enforcement-state.js';
import { newGuardState, type GuardState } from './guard-state.js';
import { ConditionalBook } from './conditional-book.js';
import { formatDecimal, type Ppm } from '../units/index.js';
import { assert } from '../assert.js';
import type { LendingMarkets } from './lending.js'; // lending markets (issue 18)
import type { MorphoMarkets } from './lending-morpho.js'; // lending markets (issue 18)
import type { CometMarkets } from './lending-comet.js'; // Compound v3 markets (issue 18)

export interface EngineConfig {
  readonly settlement: SettlementSpec;
  /** Lending parameters of the settlement asset as collateral (other assets carry their own). */
  readonly settlementLtvPpm: Ppm;
  readonly settlementLiquidationThresholdPpm: Ppm;
}

/**
 * The insurance fund is a venue account: its settlement balance is the fund, and it holds the positions it took
 * over from liquidated ledgers until it has worked them off (fund.ts). Account ids starting with `venue:` are
 * reserved for the venue; a deposit to one is refused.
 */
export const INSURANCE_FUND = 'venue:insurance';

export function isVenueAccount(id: string): boolean {
  return id.startsWith('venue:');
}

/**
 * The venue funds (docs/glossary.md): what belongs to the venue rather than to an account, and the totals that
 * entered and left. Never called a ledger (a ledger is an account's). Together with the accounts (the insurance fund
 * among them) they conserve the settlement asset: sum(balance + isolated margin - entryQuote) + feePool + fundingPool
 * - badDebtWrittenOff = deposited - withdrawn (see conservation.ts).
 */
export interface VenueFunds {
  /** Trading fees collected, net of rebates. */
  feePool: bigint;
  /** Funding paid in minus funding paid out; what remains after everyone settles is rounding dust. */
  fundingPool: bigint;
  /** Losses nobody could bear (insurance fund empty, no opposite open interest): the venue's, written off. */
  badDebtWrittenOff: bigint;
  /** Per asset, atoms that entered and left the system. */
  readonly deposited: Map<string, bigint>;
  readonly withdrawn: Map<string, bigint>;
  readonly borrowed: Map<string, bigint>;
  readonly repaid: Map<string, bigint>;
}

export class EngineState implements MarginView, LendingParams {
  seq = 0;
  timeMs = 0;
  readonly markets = new Map<string, MarketState>();
  readonly assets = new Map<string, AssetSpec>();
  /** By id, in their numbers' order; after a restore some may not be read yet (account-table.ts). */
  readonly accounts = new AccountTable();
  /**
   * Accounts holding a position, per market: derived from the accounts, made when first read (holdersOfAccounts, in
   * the accounts' order) and kept by noteHolding from then on. Not made before: a restore of 1M accounts spent ~0.5 s
   * building ~1.2M set entries that the engine's ADL (which screens its mirror) never reads; socialisation, the
   * offset queue, parameter previews and the risk view do.
   */
  get holders(): Map<string, Holders> {
    return (this.holdersIfMade ??= holdersOfAccounts(this.accounts.reading()));
  }

  /** The holders if made, else null (noteHolding: nothing to keep yet). Read `holders`, which makes them. */
  holdersIfMade: Map<string, Holders> | null = null;
  /** Liquidation episodes, pause switch, windows (persistent; see enforcement.ts). */
  readonly enforcement: EnforcementState = newEnforcementState();
  /** Guards: account groups, pending parameter changes, depegs, the Halted state (guard-state.ts). */
  readonly guards: GuardState = newGuardState();
  /** Traders' conditional orders and their trigger index (conditional-book.ts; the index is rebuilt on restore). */
  conditionals = new ConditionalBook();
  /** Losses trades left in this command, absorbed before it ends (always empty between commands). */
  readonly pendingDeficits: Deficit[] = [];
  /** The auction house inside the engine (auctions.ts); null until an auction command sets it up. */
  auctions: EngineAuctions | null = null;
  readonly venue: VenueFunds = {
    feePool: 0n,
    fundingPool: 0n,
    badDebtWrittenOff: 0n,
    deposited: new Map(),
    withdrawn: new Map(),
    borrowed: new Map(),
    repaid: new Map(),
  };
  /** Lending markets (issue 18; lending.ts): reserves, users' scaled balances, treasury, deficits. */
  readonly lending: LendingMarkets = new Map();
  /** Morpho Blue markets (issue 18; lending-morpho.ts). */
  readonly morpho: MorphoMarkets = new Map();
  /** Compound v3 markets (issue 18; lending-comet.ts). */
  readonly comet: CometMarkets = new Map();

  constructor(
    readonly config: EngineConfig,
    public rulebook: Rulebook,
  ) {
    this.fundNo = this.openAccount(INSURANCE_FUND).no;
  }

  /** The insurance fund's number: the fund is the state's first account, and the state never deletes one. */
  readonly fundNo: number;

  /** Makes an empty account under its number (numberFor). */
  openAccount(id: string): Account {
    const account = newAccount(id, this.numberFor(id));
    this.accounts.set(id, account);
    return account;
  }

  /**
   * The number (Account.no) of account `id`: its own if the state has it, else the next one. The state never deletes an
   * account, so its count is the next number, and its table's order is the numbers' order (a restore, which makes the
   * accounts in the snapshot's order, gives each the number it had).
   */
  numberFor(id: string): number {
    return this.accounts.numberOf(id) ?? this.accounts.size;
  }

  /** The insurance fund's account (always present). */
  get fund(): Account {
    // By number: the common tick asks for it (no open positions?) and an id's hash is ~40 ns a call.
    return this.accounts.byNumber(this.fundNo) as Account;
  }

  /** The insurance fund's cash: its settlement balance. */
  get insuranceFund(): bigint {
    return this.fund.balances.get(this.settlementAsset) ?? 0n;
  }

  /** The number of any account the state has (Account.no), watched or not: the indexes' key for an id. */
  readonly accountNumber = (id: string): number | undefined => this.accounts.numberOf(id);

  /** An account the breach and margin-call indexes watch: every account but the venue's own. */
  readonly watched = (id: string): Account | undefined => (isVenueAccount(id) ? undefined : this.accounts.get(id));

  /**
   * The accounts watched() returns, in the accounts' order, those `keep` keeps (all when absent): what the indexes'
   * bulk builds take, without looking each account up by its id again. Those a restore has not read yet are made for
   * the pass alone (from their snapshots' copies: AccountTable.reading).
   */
  watchedAccounts(keep?: (id: string) => boolean): Iterable<Account> {
    // Read, not kept: the indexes keep ids and numbers, never the objects (account-table.ts reading()).
    return this.accounts.reading(keep === undefined ? (id) => !isVenueAccount(id) : (id) => !isVenueAccount(id) && keep(id));
  }

  get quoteDecimals(): number {
    return this.config.settlement.decimals;
  }

  get settlementAsset(): string {
    return this.config.settlement.asset;
  }

  get marginValuation(): 'mark' | 'entry' {
    return this.rulebook.marginValuation;
  }

  market(id: string): MarketState | undefined {
    return this.markets.get(id);
  }

  asset(id: string): AssetSpec | undefined {
    return this.assets.get(id);
  }

  /** Decimals of any asset the engine knows, the settlement asset included. */
  assetDecimals(id: string): number | undefined {
    return id === this.settlementAsset ? this.config.settlement.decimals : this.assets.get(id)?.decimals;
  }

  /** Quote atoms as a decimal string, for messages. */
  fmtQuote(v: bigint): string {
    return `${formatDecimal(v, this.config.settlement.decimals)} ${this.settlementAsset}`;
  }

  /** Asset atoms as a decimal string, for messages. */
  fmtAsset(asset: string, v: bigint): string {
    const d = this.assetDecimals(asset);
    return d === undefined ? `${v} atoms of ${asset}` : `${formatDecimal(v, d)} ${asset}`;
  }

  ltvPpm(asset: string): bigint {
    return asset === this.settlementAsset ? this.config.settlementLtvPpm : (this.assets.get(asset)?.ltvPpm ?? 0n);
  }

  liquidationThresholdPpm(asset: string): bigint {
    return asset === this.settlementAsset
      ? this.config.settlementLiquidationThresholdPpm
      : (this.assets.get(asset)?.liquidationThresholdPpm ?? 0n);
  }
}

/** The accounts holding a position in one market, by side (ADL and socialisation walk one side only). */
export interface Holders {
  readonly long: Set<string>;
  readonly short: Set<string>;
}

/**
 * Keeps `holders` in step with an account's position in `market` whose sign changed by a trade: signed sizes before
 * and after (0: none). The account leaves only the side it held (the other set is not searched: at ~100k holders a
 * lookup is a cache miss or two) and joins the side it holds now.
 */
export function noteHolding(s: Pick<EngineState, 'holdersIfMade'>, market: string, account: string, before: bigint, after: bigint): void {
  const holders = s.holdersIfMade;
  if (holders === null) return; // not made yet: made from the accounts as they are when first read
  let h = holders.get(market);
  if (h === undefined) {
    if (after === 0n) return;
    h = { long: new Set(), short: new Set() };
    holders.set(market, h);
  }
  if (before > 0n) h.long.delete(account);
  else if (before < 0n) h.short.delete(account);
  if (after > 0n) h.long.add(account);
  else if (after < 0n) h.short.add(account);
}

/**
 * The holders of many accounts' positions at once (EngineState.holders, when first read): add() each position in
 * order, then into() an empty holders map. The result is what noteHolding() called in the same order leaves (the same
 * markets in the same order, each set's ids in the same order), given each (market, account) once; each set is built
 * from its ids in one call.
 */
export class HoldersBuilder {
  private readonly byMarket = new Map<string, { readonly long: string[]; readonly short: string[] }>();

  add(market: string, account: string, size: bigint): void {
    if (size === 0n) return; // noteHolding: no holders entry for a size of zero
    let h = this.byMarket.get(market);
    if (h === undefined) {
      h = { long: [], short: [] };
      this.byMarket.set(market, h);
    }
    (size > 0n ? h.long : h.short).push(account);
  }

  into(holders: Map<string, Holders>): void {
    assert(holders.size === 0, 'HoldersBuilder.into: the holders map is not empty');
    for (const [market, h] of this.byMarket) holders.set(market, { long: new Set(h.long), short: new Set(h.short) });
    this.byMarket.clear();
  }
}

/** The holders of the accounts' positions, each account's in its positions' order, the accounts in their order. */
export function holdersOfAccounts(accounts: Iterable<Account>): Map<string, Holders> {
  const builder = new HoldersBuilder();
  for (const a of accounts) for (const p of a.positions.values()) builder.add(p.market, a.id, p.size);
  const holders = new Map<string, Holders>();
  builder.into(holders);
  return holders;
}

/** Every holder of the market (longs, then shorts). */
export function* holdersOf(s: Pick<EngineState, 'holders'>, market: string): Iterable<string> {
  const h = s.holders.get(market);
  if (h === undefined) return;
  yield* h.long;
  yield* h.short;
}

export function addTo(map: Map<string, bigint>, key: string, delta: bigint): bigint {
  const next = (map.get(key) ?? 0n) + delta;
  map.set(key, next);
  return next;
}
