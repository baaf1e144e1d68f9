// The naive breach detector: every followed account is evaluated exactly (core/margin evaluateAccount +
// isBreached, through ledgerBreaches) on every call that may have changed anything. No float screen, no thresholds,
// no heaps: O(accounts) per price tick. The verifier replays journals with it (verify/verify.ts); the index must
// give the same events (detector.ts).
//
// The contract it keeps, as BreachIndex does:
// - the breached set after any call is exactly what an evaluation of every followed account finds;
// - `newly` marks a ledger that was not in breach at this detector's previous look at its account;
// - onRecover is told when a ledger in breach is found sound by an evaluation (not when its account is forgotten,
//   suspended or cannot be priced: then it simply leaves the set, as in the index);
// - suspended accounts are not followed until resume() or reindex(); resume() reports their breaches as new.

import { evaluateAccount } from '../margin/evaluate.js';
import type { BreachDetector, DetectorOptions } from './detector.js';
import { ledgerBreaches, type LedgerBreach, type LedgerRef } from './breach-index.js';

export class ScanDetector implements BreachDetector {
  /** Accounts followed: reindexed and neither removed nor suspended, in the order they were first seen. */
  private readonly followed = new Set<string>();
  /** Per account, its ledgers in breach (by market; null: cross) as last evaluated. */
  private readonly inBreach = new Map<string, Map<string | null, LedgerBreach>>();

  constructor(private readonly options: DetectorOptions) {}

  reindex(accountId: string): readonly LedgerBreach[] {
    if (this.options.account(accountId) === undefined) {
      this.remove(accountId);
      return [];
    }
    this.followed.add(accountId);
    return this.check(accountId);
  }

  accountChanged(): void {
    // Keeps no figures: every call evaluates the accounts it follows.
  }

  remove(accountId: string): void {
    this.followed.delete(accountId);
    this.inBreach.delete(accountId);
  }

  suspend(accountId: string): void {
    this.followed.delete(accountId);
    this.inBreach.delete(accountId);
  }

  resume(accountId: string): readonly LedgerBreach[] {
    return this.reindex(accountId);
  }

  onPrice(_marketId: string): readonly LedgerBreach[] {
    this.rechecks += this.followed.size;
    return this.checkAll();
  }

  private rechecks = 0;

  get recheckCount(): number {
    return this.rechecks;
  }

  reindexMarket(_marketId: string): readonly LedgerBreach[] {
    return this.checkAll();
  }

  reindexAll(): readonly LedgerBreach[] {
    return this.checkAll();
  }

  get breachedCount(): number {
    let n = 0;
    for (const ledgers of this.inBreach.values()) n += ledgers.size;
    return n;
  }

  breached(): LedgerRef[] {
    const out: LedgerRef[] = [];
    for (const [account, ledgers] of this.inBreach) for (const market of ledgers.keys()) out.push({ account, market });
    return out;
  }

  isBreached(accountId: string, market: string | null = null): boolean {
    return this.inBreach.get(accountId)?.has(market) ?? false;
  }

  isAccountBreached(accountId: string): boolean {
    return (this.inBreach.get(accountId)?.size ?? 0) > 0;
  }

  private checkAll(): LedgerBreach[] {
    const out: LedgerBreach[] = [];
    for (const id of [...this.followed]) out.push(...this.check(id));
    return out;
  }

  /** One exact evaluation of a followed account: its breached ledgers replace what was known of it. */
  private check(accountId: string): LedgerBreach[] {
    const account = this.options.account(accountId);
    if (account === undefined) {
      this.remove(accountId);
      return [];
    }
    const before = this.inBreach.get(accountId);
    const ev = evaluateAccount(this.options.view, account);
    if (!ev.priced) {
      this.inBreach.delete(accountId); // cannot be priced: not in breach, not recovered either
      return [];
    }
    const found = ledgerBreaches(this.options.view, account, ev, this.options.rule(), (market) => before?.has(market) !== true);
    const now = new Map(found.map((b) => [b.market, b]));
    if (now.size > 0) this.inBreach.set(accountId, now);
    else this.inBreach.delete(accountId);
    if (before !== undefined && this.options.onRecover !== undefined) {
      for (const market of before.keys()) if (!now.has(market)) this.options.onRecover({ account: accountId, market });
    }
    return found;
  }
}
