// Signed liquidation receipts: for each LiquidationStarted in a journal, a self-contained document an exchange's
// legal team could attach to a dispute, signed with the operator's ed25519 key (node:crypto). It carries
//  - the journal position: seq, time, the entry's content hash and (from a stored journal) the record hash chain;
//  - the rule: the rulebook's name, breach rule, margin valuation and its whole `liquidation` section;
//  - the figures at the breach (from LiquidationStarted: equity, requirement, mark, index, bankruptcy and limit
//    prices, sizes, sizing policy) and the prices of every market that valued the account, with their sources'
//    observations, signatures and the public keys the market is configured with;
//  - what the record did to the account: its Liquidation* events, fills, rewards, fund changes, bad debt;
//  - the inclusion proof of the account's state after the record against the state root at that seq.
// Receipts are built by replaying the journal's entries in an Engine (the entries' events must come out byte for
// byte, or the journal is refused). verifyReceipt needs only the receipt and the operator's public key.
//
// Keys: the operator's private key is a PKCS#8 PEM file (node:crypto's own format; keep it 0600); public keys are
// the raw 32-byte ed25519 key as 64 hex digits, the form the markets' attestation keys already use (a PEM SPKI public
// key is read too). The signature is ed25519 over the UTF-8 bytes of canonicalJson(receipt without `signature`).

import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import type { Engine } from '../core/engine/engine.js';
import type { EngineEvent } from '../core/engine/events.js';
import type { AccountSnapshot } from '../core/engine/snapshot.js';
import { isBreached, type BreachRule } from '../core/margin/thresholds.js';
import { verifyAttestationSignature } from '../feeds/attestation.js';
import type { Rulebook } from '../core/rulebooks/rulebook.js';
import { fromEngine, sha256, StateRootTracker } from '../journal/state-root.js';
import type { JournalEntry, JournalRecord } from '../journal/types.js';
import { replay, type EntrySource } from './entries.js';
import { canonicalJson, isJsonObject, jsonKind } from './json.js';
import { computeRoot, proveAccount, type InclusionProof } from './proof.js';

export const RECEIPT_FORMAT_VERSION = 1;

type Started = Extract<EngineEvent, { kind: 'LiquidationStarted' }>;

export interface SourceEvidence {
  readonly source: string;
  readonly price: bigint;
  readonly publishTimeMs: number;
  readonly conf?: bigint;
  readonly signature?: string;
  /** The source's public key as the market is configured with it (hex), when it has one. */
  readonly publicKey?: string;
}

export interface PriceEvidence {
  readonly market: string;
  readonly priceDecimals: number;
  readonly mark: bigint | null;
  readonly index: bigint | null;
  readonly priceUpdatedMs: number;
  readonly sources: readonly SourceEvidence[];
}

export interface ReceiptBody {
  readonly format: number;
  readonly kind: 'liquidation';
  readonly journal: {
    readonly seq: number;
    readonly tsMs: number;
    /** SHA-256 (hex) of canonicalJson({ seq, command, events }) of the entry. */
    readonly entryHash: string;
    /** The stored record's hash and its predecessor's (the journal's hash chain); null for an in-memory run. */
    readonly recordHash: string | null;
    readonly prevHash: string | null;
  };
  readonly account: string;
  readonly ledger: string;
  readonly market: string;
  readonly step: number;
  readonly rule: {
    readonly rulebook: string;
    readonly breachRule: BreachRule;
    readonly marginValuation: Rulebook['marginValuation'];
    readonly liquidation: Rulebook['liquidation'];
  };
  /** The figures that put the ledger in breach, as the engine stated them (LiquidationStarted). */
  readonly breach: {
    readonly equity: bigint;
    readonly requirement: bigint;
    readonly mark: bigint;
    readonly index: bigint;
    readonly bankruptcyPrice: bigint;
    readonly limitPrice: bigint;
    readonly size: bigint;
    readonly closeSize: bigint;
    readonly policy: Started['policy'];
    readonly why: Started['why'];
    readonly route: Started['route'];
  };
  readonly prices: readonly PriceEvidence[];
  /** Totals over `events` for this ledger's market: base closed, fees charged, the fund's change, bad debt. */
  readonly amounts: {
    readonly filledSize: bigint;
    readonly fees: bigint;
    readonly insuranceDelta: bigint;
    readonly badDebt: bigint;
  };
  /** The record's events about this liquidation, in order. */
  readonly events: readonly EngineEvent[];
  readonly stateRoot: string;
  readonly proof: InclusionProof;
  /** The operator's ed25519 public key (hex) that signed. */
  readonly operatorKey: string;
}

export interface LiquidationReceipt extends ReceiptBody {
  /** ed25519 signature (hex) over canonicalJson(body). */
  readonly signature: string;
}

// ---- Keys ----

export interface OperatorKeys {
  readonly privateKeyPem: string;
  readonly publicKeyHex: string;
}

export function generateOperatorKeys(): OperatorKeys {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), publicKeyHex: publicKeyHex(publicKey) };
}

export function publicKeyHex(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  return Buffer.from(jwk.x ?? '', 'base64url').toString('hex');
}

/** A public key from 64 hex digits (raw ed25519) or a PEM SPKI text; throws on anything else. */
export function parsePublicKey(text: string): KeyObject {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(t, 'hex').toString('base64url') }, format: 'jwk' });
  const key = createPublicKey(t);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`the key is ${String(key.asymmetricKeyType)}, not ed25519`);
  return key;
}

export function parsePrivateKey(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`the key is ${String(key.asymmetricKeyType)}, not ed25519`);
  return key;
}

// ---- Building ----

export function entryHash(entry: JournalEntry): string {
  return sha256(Buffer.from(canonicalJson({ seq: entry.seq, command: entry.command, events: entry.events }), 'utf8')).toString('hex');
}

/** Whether an event belongs to the liquidation of `account`'s ledger in `market` (the receipt's `events`). */
function concerns(e: EngineEvent, account: string, market: string): boolean {
  switch (e.kind) {
    case 'LiquidationStarted':
    case 'LiquidationFill':
    case 'TakeoverCapped':
      return e.account === account && e.market === market;
    case 'LiquidationDeferred':
    case 'LiquidationEnded':
      return e.account === account;
    case 'LiquidatorRewarded':
    case 'Deleveraged':
      return e.liquidated === account && e.market === market;
    case 'InsuranceFundChanged':
    case 'BadDebt':
      // A cross-wide loss names no market; one tied to another market of the account belongs to that receipt.
      return e.account === account && (e.market === null || e.market === market);
    case 'PositionChanged':
      return e.account === account && e.market === market && e.cause !== 'fill' && e.cause !== 'book';
    default:
      return false;
  }
}

function amountsOf(events: readonly EngineEvent[]): ReceiptBody['amounts'] {
  let filledSize = 0n;
  let fees = 0n;
  let insuranceDelta = 0n;
  let badDebt = 0n;
  for (const e of events) {
    if (e.kind === 'LiquidationFill') filledSize += e.size;
    if (e.kind === 'PositionChanged') fees += e.fee;
    if (e.kind === 'InsuranceFundChanged') insuranceDelta += e.delta;
    if (e.kind === 'BadDebt') badDebt += e.amount;
  }
  return { filledSize, fees, insuranceDelta, badDebt };
}

/** The markets that value an account: `also`, its positions' and its collateral's and debts' price markets. */
function marketsValuing(engine: Engine, a: AccountSnapshot, also: readonly string[]): string[] {
  const out = new Set<string>(also);
  for (const p of a.positions) out.add(p.market);
  for (const [asset] of [...a.balances, ...a.borrows]) {
    const m = engine.state.assets.get(asset)?.priceMarket;
    if (m !== undefined) out.add(m);
  }
  return [...out].sort();
}

function priceEvidence(engine: Engine, market: string): PriceEvidence {
  const m = engine.market(market);
  if (m === undefined) return { market, priceDecimals: 0, mark: null, index: null, priceUpdatedMs: 0, sources: [] };
  const keys = m.spec.pricing?.attestation?.keys ?? {};
  const sources = m.price.sources.map((o): SourceEvidence => {
    const key = Object.hasOwn(keys, o.source) ? keys[o.source] : undefined;
    return {
      source: o.source,
      price: o.price,
      publishTimeMs: o.publishTimeMs,
      ...(o.conf === undefined ? {} : { conf: o.conf }),
      ...(o.signature === undefined ? {} : { signature: o.signature }),
      ...(key === undefined ? {} : { publicKey: key }),
    };
  });
  return { market, priceDecimals: m.spec.priceDecimals, mark: m.markPrice, index: m.indexPrice, priceUpdatedMs: m.priceUpdatedMs, sources };
}

export function signReceipt(body: ReceiptBody, privateKey: KeyObject): LiquidationReceipt {
  const signature = sign(null, Buffer.from(canonicalJson(body), 'utf8'), privateKey).toString('hex');
  return { ...body, signature };
}

/**
 * Replays `entries` (in order, from seq 1) in an engine created from the genesis and returns a signed receipt for
 * every LiquidationStarted, in journal order. The entries are one parameter: a stored journal's records
 * (JournalReader.records()) or entries produced in memory. Throws ReplayMismatchError when an entry's events differ
 * from the replay's.
 */
export function buildReceipts(genesis: EntrySource['genesis'], entries: EntrySource['entries'], privateKey: KeyObject): LiquidationReceipt[] {
  const operatorKey = publicKeyHex(createPublicKey(privateKey));
  const receipts: LiquidationReceipt[] = [];
  let tracker: StateRootTracker | null = null;
  replay({ genesis, entries }, (engine, entry) => {
    tracker ??= new StateRootTracker(engine, true);
    const stateRoot = tracker.follow();
    for (const e of entry.events) {
      if (e.kind !== 'LiquidationStarted') continue;
      const source = fromEngine(engine);
      const proof = proveAccount(tracker.current, source, e.account);
      if (proof === undefined) continue; // an account that no longer exists cannot be proven (the engine never deletes one)
      receipts.push(signReceipt(receiptBody(engine, entry, e, stateRoot, proof, operatorKey), privateKey));
    }
  });
  return receipts;
}

/** What a receipt says about one liquidation step, without the proof and the signature (also the service's explanation). */
export type LiquidationFacts = Omit<ReceiptBody, 'format' | 'kind' | 'stateRoot' | 'proof' | 'operatorKey'>;

/**
 * The facts of the liquidation step `s` announced by `entry`, read from `engine` in the state right after the entry's
 * command: its journal position, rule, breach figures, the prices (with their sources) of every market that valued
 * the account, its events and their totals.
 */
export function liquidationFacts(engine: Engine, entry: JournalEntry | JournalRecord, s: Started, account: AccountSnapshot | undefined = engine.accountState(s.account)): LiquidationFacts {
  const mine = entry.events.filter((e) => concerns(e, s.account, s.market) && (e.kind !== 'LiquidationStarted' || e.ordinal === s.ordinal));
  // The markets that valued the account at the breach: what it holds after the record, and what the record closed.
  const traded = entry.events.filter((e) => e.kind === 'PositionChanged' && e.account === s.account).map((e) => (e as { market: string }).market);
  const rulebook = engine.rulebook;
  const valuing = account === undefined ? [s.market, ...traded] : marketsValuing(engine, account, [s.market, ...traded]);
  return {
    journal: {
      seq: entry.seq,
      tsMs: entry.command.tsMs,
      entryHash: entryHash(entry),
      recordHash: 'hash' in entry ? entry.hash : null,
      prevHash: 'prevHash' in entry ? entry.prevHash : null,
    },
    account: s.account,
    ledger: s.ledger,
    market: s.market,
    step: s.step,
    rule: { rulebook: rulebook.name, breachRule: rulebook.breachRule, marginValuation: rulebook.marginValuation, liquidation: rulebook.liquidation },
    breach: {
      equity: s.equity,
      requirement: s.maintenance,
      mark: s.mark,
      index: s.index,
      bankruptcyPrice: s.bankruptcyPrice,
      limitPrice: s.limitPrice,
      size: s.size,
      closeSize: s.closeSize,
      policy: s.policy,
      why: s.why,
      route: s.route,
    },
    prices: [...new Set(valuing)].sort().map((m) => priceEvidence(engine, m)),
    amounts: amountsOf(mine),
    events: mine,
  };
}

function receiptBody(engine: Engine, entry: JournalEntry | JournalRecord, s: Started, stateRoot: string, proof: InclusionProof, operatorKey: string): ReceiptBody {
  return { format: RECEIPT_FORMAT_VERSION, kind: 'liquidation', ...liquidationFacts(engine, entry, s, proof.account), stateRoot, proof, operatorKey };
}

// ---- Verifying ----

export type ReceiptCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const fail = (reason: string): ReceiptCheck => ({ ok: false, reason });

/**
 * Checks a receipt offline with the operator's public key: the signature over its body, the inclusion proof against
 * its state root, and what the receipt's own figures imply: the stated equity is in breach of the stated requirement
 * under the stated rule; the figures in `breach` are those of its LiquidationStarted event; the proof is of the
 * liquidated account; the mark matches the market's price evidence; every signed source price verifies with the key
 * the receipt names; the amounts are the totals of its events. Never throws.
 */
export function verifyReceipt(receipt: LiquidationReceipt, operatorPublicKey: KeyObject): ReceiptCheck {
  if (!isJsonObject(receipt)) return fail(`not a receipt: ${jsonKind(receipt)}, not an object`);
  try {
    if (!('format' in receipt)) return fail(`not a receipt: no "format" field (a liquidation receipt has format ${RECEIPT_FORMAT_VERSION})`);
    if (receipt.format !== RECEIPT_FORMAT_VERSION) return fail(`receipt format ${String(receipt.format)} is not ${RECEIPT_FORMAT_VERSION}`);
    const { signature, ...body } = receipt;
    if (typeof signature !== 'string' || !/^[0-9a-f]{128}$/.test(signature)) return fail('the signature is not 64 bytes of hex');
    if (receipt.operatorKey !== publicKeyHex(operatorPublicKey)) return fail('the receipt names another operator key than the one given');
    if (!verify(null, Buffer.from(canonicalJson(body), 'utf8'), operatorPublicKey, Buffer.from(signature, 'hex'))) return fail('the operator signature does not verify');

    const proven = computeRoot(receipt.proof);
    if (!proven.ok) return fail(`inclusion proof: ${proven.reason}`);
    if (proven.root !== receipt.stateRoot) return fail('the inclusion proof does not lead to the receipt state root');
    if (receipt.proof.account.id !== receipt.account) return fail('the inclusion proof is of another account');

    const b = receipt.breach;
    if (!isBreached(b.equity, b.requirement, receipt.rule.breachRule)) {
      return fail(`equity ${b.equity} is not in breach of requirement ${b.requirement} under rule ${receipt.rule.breachRule}`);
    }
    const started = receipt.events.filter((e) => e.kind === 'LiquidationStarted');
    const s = started[0];
    if (started.length !== 1 || s === undefined) return fail('the receipt does not carry exactly one LiquidationStarted');
    const stated =
      s.account === receipt.account &&
      s.ledger === receipt.ledger &&
      s.market === receipt.market &&
      s.step === receipt.step &&
      s.seq === receipt.journal.seq &&
      s.equity === b.equity &&
      s.maintenance === b.requirement &&
      s.mark === b.mark &&
      s.index === b.index &&
      s.bankruptcyPrice === b.bankruptcyPrice &&
      s.limitPrice === b.limitPrice &&
      s.size === b.size &&
      s.closeSize === b.closeSize &&
      s.policy === b.policy &&
      s.why === b.why &&
      s.route === b.route;
    if (!stated) return fail('the breach figures differ from the LiquidationStarted event');
    const abs = (v: bigint): bigint => (v < 0n ? -v : v);
    if (b.closeSize <= 0n || b.closeSize > abs(b.size)) return fail(`close size ${b.closeSize} is not within the position size ${b.size}`);
    if (receipt.events.some((e) => e.seq !== receipt.journal.seq)) return fail('an event is from another journal position');

    const evidence = receipt.prices.find((p) => p.market === receipt.market);
    if (evidence === undefined) return fail(`no price evidence for ${receipt.market}`);
    if (evidence.mark !== b.mark) return fail(`the mark ${b.mark} is not the mark of the price evidence (${String(evidence.mark)})`);
    for (const p of receipt.prices) {
      for (const src of p.sources) {
        if (src.signature === undefined) continue;
        if (src.publicKey === undefined) return fail(`${p.market}/${src.source}: a signed price without the source's public key`);
        const ok = verifyAttestationSignature({ source: src.source, market: p.market, price: src.price as never, priceDecimals: p.priceDecimals, publishTimeMs: src.publishTimeMs }, src.signature, src.publicKey);
        if (!ok) return fail(`${p.market}/${src.source}: the source's price signature does not verify`);
      }
    }
    if (canonicalJson(amountsOf(receipt.events)) !== canonicalJson(receipt.amounts)) return fail('the amounts are not the totals of the events');
    return { ok: true };
  } catch (e) {
    return fail(`malformed receipt: ${e instanceof Error ? e.message : String(e)}`);
  }
}
