// The independent verifier (DESIGN.md "Durability and proof"; issue 16, `bailiff verify`). It re-checks a journal
// without trusting the operator: the hash chain, then a replay from genesis with the naive exact scan instead of the
// breach index (core/triggers/detector.ts 'scan'), record by record against the events the journal recorded.
//
// Findings, each with seq, account, market (when it names a ledger), kind and one line:
// - chain_broken: a record's content does not hash to its stored hash (it was edited), or its prevHash is not the
//   hash of the record before it (that one was replaced);
// - seq_gap: sequence numbers missing (a dropped record); out_of_order: a record after a later one (reordered or
//   repeated). The replay stops at the first of either: the commands after it cannot be replayed faithfully.
// - liquidation_not_justified: the record has a liquidation step (LiquidationStarted) of a ledger that the replay does
//   not liquidate; the finding says whether, at the journal's prices, the ledger's exact equity was at all below its
//   requirement (evaluated on the replayed state after the command, by core/margin);
// - missed_liquidation: the replay liquidates a ledger the record does not;
// - events_differ: any other difference between the recorded and the replayed events (the first one is named);
// - breach_unhandled: see BREACH COVER below;
// - signature_invalid: a price signature whose recorded verdict a fresh check does not confirm (when a signature
//   re-check is given; see VerifyOptions.signatures).
// Where a record has a liquidation finding, its other event differences are not reported again as events_differ.
//
// BREACH COVER (breach_unhandled). After every accepted command (a refused one changes nothing and runs no
// enforcement), every ledger in breach in the replayed state (the replay's scan detector: every account evaluated
// exactly, core/triggers/scan-detector.ts; the venue's own accounts are not liquidated) must be covered by one of these, else it is reported once (until it is covered again or leaves breach):
// 1. a guard: the engine halted, liquidations paused, or a market of the ledger's positions unpriced or with a
//    tripped breaker;
// 2. a liquidation step of the ledger in this command (LiquidationStarted: the engine steps every ledger in breach
//    in the command that finds it, one step per block for partial policies);
// 3. the ledger's latest recorded LiquidationDeferred, within its reason's limit from the rulebook:
//    book_unfilled: until its retryAtMs, which may be at most retryAfterMs after the deferral (a longer wait is
//    itself reported); attempt_limit, window_limit: until limits.windowMs after the deferral; block_limit: while
//    each command since took limits.maxStepsPerBlock steps (the budget went to others); paused, breaker: while that
//    guard holds; no_position, no_bankruptcy_price, sizing_refused, sizing_wait: while the ledger stays in breach
//    (the rule has no step to take; the sizing policies' ramps and cooldowns are not bounded here).
// A LiquidationEnded clears the ledger's cover.

import { Engine } from '../core/engine/engine.js';
import type { Command } from '../core/engine/commands.js';
import type { EngineEvent } from '../core/engine/events.js';
import { canonicalJson } from '../core/engine/snapshot.js';
import { isVenueAccount } from '../core/engine/state.js';
import { isBreached } from '../core/margin/thresholds.js';
import { scanAccounts } from '../core/triggers/breach-index.js';
import type { DetectionStrategy } from '../core/triggers/detector.js';
import type { JournalEntry, JournalGenesis, JournalRecord } from '../journal/types.js';

export type FindingKind =
  | 'chain_broken'
  | 'seq_gap'
  | 'out_of_order'
  | 'liquidation_not_justified'
  | 'missed_liquidation'
  | 'events_differ'
  | 'breach_unhandled'
  | 'signature_invalid';

export interface Finding {
  readonly seq: number;
  readonly kind: FindingKind;
  readonly account: string | null;
  /** The ledger's market (null: the cross ledger, or no ledger). */
  readonly market: string | null;
  readonly explanation: string;
}

/** How records are hashed (the journal's framing: journal/record.ts once it lands). Hex SHA-256 strings. */
export interface RecordHasher {
  /** The genesis record's hash: record 1's prevHash. */
  genesis(genesis: JournalGenesis): string;
  /** A record's hash from its content and the prevHash it carries. */
  entry(entry: JournalEntry, prevHash: string): string;
}

/** A re-check of one command's price signature before it is applied (the engine as it stands then: its keys). */
export type SignatureRecheck = (cmd: Command, engine: Engine) => { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface VerifyOptions {
  readonly hasher: RecordHasher;
  /**
   * Re-checks price signatures (the CLI passes feeds/attestation.ts `recheckSignature` with the replayed engine's
   * keys: cli/verify.ts recheckWithEngineKeys); without one, the report says they were not re-checked.
   */
  readonly signatures?: SignatureRecheck;
  /** The replay's breach detection; 'scan' (default) is the point of an independent check. */
  readonly detection?: DetectionStrategy;
}

export interface VerifyReport {
  readonly findings: Finding[];
  /** Records read. */
  readonly records: number;
  /** The last sequence number replayed (the replay stops at a gap or a reordering). */
  readonly replayedThrough: number;
  /** Liquidation steps (LiquidationStarted) the journal records. */
  readonly liquidations: number;
  readonly signaturesChecked: boolean;
}

/** Ledger key in findings and maps: `account|market` (`account|cross`). */
const keyOf = (account: string, market: string | null): string => `${account}|${market ?? 'cross'}`;

interface Cover {
  readonly kind: 'step' | 'deferred';
  readonly reason: string | null;
  readonly seq: number;
  readonly atMs: number;
  readonly retryAtMs: number | null;
}

export function verifyJournal(genesis: JournalGenesis, records: Iterable<JournalRecord>, options: VerifyOptions): VerifyReport {
  const findings: Finding[] = [];
  const find = (seq: number, kind: FindingKind, account: string | null, market: string | null, explanation: string): void => {
    findings.push({ seq, kind, account, market, explanation });
  };
  const engine = Engine.create(genesis.config, genesis.rulebook, { detection: options.detection ?? 'scan' });
  const chain = new ChainCheck(options.hasher.genesis(genesis));
  const covers = new Map<string, Cover>();
  const reported = new Set<string>();
  let replaying = true;
  let count = 0;
  let liquidations = 0;
  for (const record of records) {
    count++;
    for (const e of record.events) if (e.kind === 'LiquidationStarted') liquidations++;
    const inOrder = chain.check(record, options.hasher, find);
    if (!inOrder) replaying = false;
    if (!replaying) continue;
    if (options.signatures !== undefined) {
      const r = options.signatures(record.command, engine);
      if (!r.ok) find(record.seq, 'signature_invalid', null, null, r.reason);
    }
    let replayed: EngineEvent[];
    try {
      replayed = engine.apply(record.command);
    } catch (err) {
      find(record.seq, 'events_differ', null, null, `the engine cannot apply the recorded ${record.command.kind}: ${err instanceof Error ? err.message : String(err)}; replay stops`);
      replaying = false;
      continue;
    }
    compareEvents(engine, record, replayed, find);
    checkBreachCover(engine, record, covers, reported, find);
  }
  chain.finish(find);
  findings.sort((a, b) => a.seq - b.seq);
  return { findings, records: count, replayedThrough: engine.seq, liquidations, signaturesChecked: options.signatures !== undefined };
}

/**
 * The hash chain and the sequence, streaming: each record's own hash, its link to the record before it, and the
 * sequence numbers (a gap is held open until the end: a missing seq arriving later is a reordering, not a loss).
 */
class ChainCheck {
  private lastSeq = 0;
  /** Sequence numbers skipped and not seen since. */
  private readonly missing = new Set<number>();

  constructor(private lastHash: string) {}

  /** False when the record is not the next in sequence (the replay must stop). */
  check(r: JournalRecord, hasher: RecordHasher, find: (seq: number, kind: FindingKind, a: null, m: null, text: string) => void): boolean {
    const own = hasher.entry({ seq: r.seq, command: r.command, events: r.events }, r.prevHash);
    if (own !== r.hash) find(r.seq, 'chain_broken', null, null, `record ${r.seq} does not hash to its stored hash (${short(own)} != ${short(r.hash)}): its content was edited`);
    if (r.seq === this.lastSeq + 1) {
      if (r.prevHash !== this.lastHash) find(r.seq, 'chain_broken', null, null, `record ${r.seq}'s prevHash ${short(r.prevHash)} is not record ${this.lastSeq}'s hash ${short(this.lastHash)}: the record before it was replaced`);
      this.lastSeq = r.seq;
      this.lastHash = r.hash;
      return true;
    }
    if (r.seq > this.lastSeq + 1) {
      for (let s = this.lastSeq + 1; s < r.seq; s++) this.missing.add(s);
      this.lastSeq = r.seq;
      this.lastHash = r.hash;
      return false;
    }
    if (this.missing.delete(r.seq)) find(r.seq, 'out_of_order', null, null, `record ${r.seq} comes after record ${this.lastSeq}: the records were reordered (replay stops at seq ${Math.min(r.seq, ...this.missing) - 1})`);
    else find(r.seq, 'out_of_order', null, null, `record ${r.seq} appears again after record ${this.lastSeq}`);
    return false;
  }

  finish(find: (seq: number, kind: FindingKind, a: null, m: null, text: string) => void): void {
    const gaps = [...this.missing].sort((a, b) => a - b);
    let i = 0;
    while (i < gaps.length) {
      let j = i;
      while (j + 1 < gaps.length && (gaps[j + 1] as number) === (gaps[j] as number) + 1) j++;
      const from = gaps[i] as number;
      const to = gaps[j] as number;
      find(from, 'seq_gap', null, null, `${from === to ? `record ${from} is` : `records ${from}..${to} are`} missing: the chain goes on without ${from === to ? 'it' : 'them'} (replay stops at seq ${from - 1})`);
      i = j + 1;
    }
  }
}

const short = (hash: string): string => hash.slice(0, 12);

type Find = (seq: number, kind: FindingKind, account: string | null, market: string | null, text: string) => void;

/** Ledgers stepped (LiquidationStarted) in a list of events, by key, with the event. */
function liquidated(events: readonly EngineEvent[]): Map<string, Extract<EngineEvent, { kind: 'LiquidationStarted' }>> {
  const out = new Map<string, Extract<EngineEvent, { kind: 'LiquidationStarted' }>>();
  for (const e of events) if (e.kind === 'LiquidationStarted' && !out.has(keyOf(e.account, ledgerMarket(e.ledger)))) out.set(keyOf(e.account, ledgerMarket(e.ledger)), e);
  return out;
}

const ledgerMarket = (ledger: string): string | null => (ledger === 'cross' ? null : ledger);

function compareEvents(engine: Engine, record: JournalRecord, replayed: readonly EngineEvent[], find: Find): void {
  if (canonicalJson(replayed) === canonicalJson(record.events)) return;
  const recorded = liquidated(record.events);
  const ours = liquidated(replayed);
  let explained = false;
  for (const [key, e] of recorded) {
    if (ours.has(key)) continue;
    explained = true;
    const market = ledgerMarket(e.ledger);
    find(record.seq, 'liquidation_not_justified', e.account, market, `recorded liquidation of ${key} (claimed equity ${e.equity} vs maintenance ${e.maintenance} at mark ${e.mark}) is not made by the replay; ${exactState(engine, e.account, market)}`);
  }
  for (const [key, e] of ours) {
    if (recorded.has(key)) continue;
    explained = true;
    find(record.seq, 'missed_liquidation', e.account, ledgerMarket(e.ledger), `the replay liquidates ${key} at mark ${e.mark} (equity ${e.equity} vs maintenance ${e.maintenance}); the record has no liquidation of it`);
  }
  if (explained) return;
  const n = Math.max(replayed.length, record.events.length);
  for (let i = 0; i < n; i++) {
    const a = record.events[i];
    const b = replayed[i];
    const ta = a === undefined ? 'nothing' : canonicalJson(a);
    const tb = b === undefined ? 'nothing' : canonicalJson(b);
    if (ta === tb) continue;
    const account = (a !== undefined && 'account' in a && typeof a.account === 'string' ? a.account : null) ?? (b !== undefined && 'account' in b && typeof b.account === 'string' ? b.account : null);
    find(record.seq, 'events_differ', account, null, `event ${i} of ${record.events.length} recorded vs ${replayed.length} replayed: recorded ${clip(ta)}, replayed ${clip(tb)}`);
    return;
  }
}

const clip = (text: string): string => (text.length > 200 ? `${text.slice(0, 200)}...` : text);

/** The ledger's exact state in the replay, at the journal's prices (core/margin evaluateAccount + isBreached). */
function exactState(engine: Engine, account: string, market: string | null): string {
  const ev = engine.evaluate(account);
  if (ev === undefined) return 'the account does not exist in the replay';
  if (!ev.priced) return 'the account cannot be priced at the journal prices';
  const f = market === null ? ev.cross : ev.isolated.find((x) => x.market === market);
  if (f === undefined) return 'the ledger holds no position in the replay';
  const breached = isBreached(f.equity, f.maintenance, engine.rulebook.breachRule);
  const mark = market === null ? '' : ` (mark ${engine.market(market)?.markPrice ?? 'none'})`;
  return `at the journal's prices${mark} its exact equity ${f.equity} is ${breached ? 'IN breach of' : 'NOT below'} its requirement ${f.maintenance}`;
}

function checkBreachCover(engine: Engine, record: JournalRecord, covers: Map<string, Cover>, reported: Set<string>, find: Find): void {
  const events = record.events;
  if (events.length === 1 && events[0]?.kind === 'CommandRejected') return;
  const rules = engine.rulebook.liquidation;
  let steps = 0;
  for (const e of events) {
    if (e.kind === 'LiquidationStarted') {
      steps++;
      covers.set(keyOf(e.account, ledgerMarket(e.ledger)), { kind: 'step', reason: null, seq: record.seq, atMs: e.tsMs, retryAtMs: null });
    } else if (e.kind === 'LiquidationDeferred') {
      const key = keyOf(e.account, ledgerMarket(e.ledger));
      covers.set(key, { kind: 'deferred', reason: e.reason, seq: record.seq, atMs: e.tsMs, retryAtMs: e.retryAtMs });
      if (e.retryAtMs !== null && e.retryAtMs - e.tsMs > rules.retryAfterMs) {
        find(record.seq, 'breach_unhandled', e.account, ledgerMarket(e.ledger), `${key} deferred (${e.reason}) until ${e.retryAtMs}, ${e.retryAtMs - e.tsMs} ms: longer than the rulebook's retryAfterMs ${rules.retryAfterMs}`);
      }
    } else if (e.kind === 'LiquidationEnded') covers.delete(keyOf(e.account, ledgerMarket(e.ledger)));
  }
  const s = engine.state;
  if (s.guards.halted !== null) return;
  const nowMs = record.command.tsMs;
  const inBreach = new Set<string>();
  const breached = engine.breachedLedgers().sort((x, y) => (keyOf(x.account, x.market) < keyOf(y.account, y.market) ? -1 : 1));
  for (const ref of breached) {
    const a = s.accounts.get(ref.account);
    if (a === undefined || isVenueAccount(a.id)) continue;
    const b = scanAccounts(s, [a], s.rulebook.breachRule).find((x) => x.market === ref.market);
    if (b === undefined) continue;
    const key = keyOf(b.account, b.market);
    inBreach.add(key);
    const account = s.accounts.get(b.account);
    const markets = [...(account?.positions.values() ?? [])].filter((p) => (b.market === null ? p.isolatedMargin === null : p.market === b.market)).map((p) => p.market);
    const guarded =
      s.enforcement.paused ||
      markets.some((m) => {
        const ms = s.markets.get(m);
        return ms === undefined || ms.price.breaker.state !== 'sound' || ms.price.unpriced;
      });
    const cover = covers.get(key);
    const why = guarded ? null : uncovered(cover, record.seq, nowMs, steps, rules);
    if (why === null) {
      reported.delete(key);
      continue;
    }
    if (reported.has(key)) continue;
    reported.add(key);
    find(record.seq, 'breach_unhandled', b.account, b.market, `${key} is in breach (equity ${b.equity} vs maintenance ${b.maintenance}) at ${nowMs} and ${why}`);
  }
  for (const key of reported) if (!inBreach.has(key)) reported.delete(key);
}

/** Why a ledger in breach is not covered now (null: it is). BREACH COVER in the header. */
function uncovered(cover: Cover | undefined, seq: number, nowMs: number, steps: number, rules: Engine['rulebook']['liquidation']): string | null {
  if (cover === undefined) return 'has no liquidation step or deferral';
  if (cover.kind === 'step') return cover.seq === seq ? null : `was last stepped at seq ${cover.seq}, with no step or deferral since`;
  switch (cover.reason) {
    case 'book_unfilled':
      return cover.retryAtMs !== null && nowMs < cover.retryAtMs ? null : `its retry at ${cover.retryAtMs} (deferred at seq ${cover.seq}) is past`;
    case 'attempt_limit':
    case 'window_limit':
      return nowMs < cover.atMs + rules.limits.windowMs ? null : `its ${cover.reason} deferral at seq ${cover.seq} is older than the window of ${rules.limits.windowMs} ms`;
    case 'block_limit':
      return cover.seq === seq || steps >= rules.limits.maxStepsPerBlock ? null : `was deferred for the block limit at seq ${cover.seq} and this command took ${steps} of ${rules.limits.maxStepsPerBlock} steps without it`;
    case 'paused':
    case 'breaker':
      return `its ${cover.reason} deferral at seq ${cover.seq} no longer holds`;
    default:
      return null; // no_position, no_bankruptcy_price, sizing_refused, sizing_wait: the rule has no step to take
  }
}
