// Liquidation receipts: built by replaying journal entries, verified offline with the operator's key alone; any
// changed field fails (the signature), and a receipt whose figures do not justify the liquidation fails even when
// the operator re-signs it (the offline recomputation).

import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Command } from '../core/engine/commands.js';
import { Engine } from '../core/engine/engine.js';
import { standardSetup, TEST_CONFIG, USDC } from '../core/engine/testkit.js';
import { DEFAULT_RULEBOOK } from '../core/rulebooks/presets.js';
import { price, quote, size } from '../core/units/index.js';
import type { JournalEntry } from '../journal/types.js';
import { timed } from '../../test/support/engine-commands.js';
import { canonicalJson, parseCanonical } from './json.js';
import { buildReceipts, generateOperatorKeys, parsePrivateKey, parsePublicKey, publicKeyHex, signReceipt, verifyReceipt, type LiquidationReceipt } from './receipt.js';
import { ReplayMismatchError } from './entries.js';

const genesis = { config: TEST_CONFIG, rulebook: DEFAULT_RULEBOOK };

/** Applies commands to a fresh engine from the genesis and keeps each as a journal entry. */
function journal(commands: readonly Command[]): JournalEntry[] {
  const engine = Engine.create(genesis.config, genesis.rulebook);
  return commands.map((command) => ({ command, events: engine.apply(command), seq: engine.seq }));
}

/**
 * Alice goes long 1 BTC at 100,000 with 2,000 USDC (50x); BTC falls to 98,500. Her equity is 2,000 - 1,500 = 500
 * USDC against a maintenance of 0.5% x 98,500 - 50 = 442.5 (BTC_PERP's second bracket, above 50,000 notional): not
 * in breach. At 98,300 equity is 300, maintenance 0.5% x 98,300 - 50 = 441.5: in breach, liquidated against the book
 * (bob bids 97,000 with deep pockets).
 */
function crash(): Command[] {
  const t = 1_000_000;
  return [
    ...standardSetup(t),
    { kind: 'deposit', tsMs: t, account: 'alice', asset: USDC, amount: 2_000_000_000n },
    { kind: 'deposit', tsMs: t, account: 'bob', asset: USDC, amount: 10n ** 13n },
    { kind: 'deposit', tsMs: t, account: 'carol', asset: USDC, amount: 10n ** 12n },
    { kind: 'fill', tsMs: t + 1, market: 'BTC-PERP', price: price(10_000_000n), size: size(1_000n), buyer: { account: 'alice', fee: quote(0n) }, seller: { account: 'carol', fee: quote(0n) } },
    { kind: 'place_order', tsMs: t + 2, account: 'bob', market: 'BTC-PERP', id: 'bid', side: 'buy', price: price(9_700_000n), size: size(5_000n), tif: 'gtc' },
    { kind: 'price', tsMs: t + 3, market: 'BTC-PERP', mark: price(9_850_000n) },
    { kind: 'price', tsMs: t + 4, market: 'BTC-PERP', mark: price(9_830_000n) },
  ];
}

const keys = generateOperatorKeys();
const privateKey = parsePrivateKey(keys.privateKeyPem);
const publicKey = parsePublicKey(keys.publicKeyHex);

/** Every leaf of a plain-data tree, as a path of keys. */
function leaves(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...path, i]));
  return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
}

/** A copy of `value` with the leaf at `path` changed (a number or bigint by one, a string by a character, ...). */
function changed(value: unknown, path: readonly (string | number)[]): unknown {
  if (path.length === 0) {
    if (typeof value === 'bigint') return value + 1n;
    if (typeof value === 'number') return value + 1;
    if (typeof value === 'boolean') return !value;
    if (typeof value === 'string') return /^[0-9a-f]+$/.test(value) && value.length >= 64 ? (value[0] === '0' ? '1' : '0') + value.slice(1) : `${value}x`;
    return 0n; // null
  }
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? changed(v, rest) : v));
  const obj = value as Record<string, unknown>;
  return { ...obj, [head as string]: changed(obj[head as string], rest) };
}

describe('liquidation receipts', () => {
  const entries = journal(crash());
  const receipts = buildReceipts(genesis, entries, privateKey);

  it('one receipt per liquidation, with the figures worked out by hand, verified offline through the file format', () => {
    const started = entries.flatMap((e) => e.events).filter((e) => e.kind === 'LiquidationStarted');
    expect(started.length).toBeGreaterThan(0);
    expect(receipts.length).toBe(started.length);
    const r = receipts[0] as LiquidationReceipt;
    expect(r.account).toBe('alice');
    expect(r.journal.seq).toBe(entries.length);
    expect(r.journal.recordHash).toBeNull();
    // Equity 2,000 - (100,000 - 98,300) = 300 USDC; maintenance 0.5% x 98,300 - 50 = 441.5 USDC.
    expect(r.breach.equity).toBe(300_000_000n);
    expect(r.breach.requirement).toBe(441_500_000n);
    expect(r.breach.mark).toBe(9_830_000n);
    expect(r.rule.rulebook).toBe(DEFAULT_RULEBOOK.name);
    expect(r.prices.map((p) => p.market)).toEqual(['BTC-PERP']);
    expect(r.operatorKey).toBe(keys.publicKeyHex);
    // The proof shows alice's state after the record: her BTC position is (at least partly) closed.
    const after = r.proof.account.positions.find((p) => p.market === 'BTC-PERP');
    expect(after === undefined || after.size < 1_000n).toBe(true);
    const back = parseCanonical(canonicalJson(r)) as LiquidationReceipt;
    expect(verifyReceipt(back, publicKey)).toEqual({ ok: true });
  });

  it('answers a value that is not an object with a reason, never a JavaScript error', () => {
    for (const [value, kind] of [[null, 'null'], [[], 'an array'], ['x', 'a string'], [1, 'a number']] as const) {
      expect(verifyReceipt(value as unknown as LiquidationReceipt, publicKey)).toEqual({ ok: false, reason: `not a receipt: ${kind}, not an object` });
    }
    // An object without the format field (`{}`, some other JSON file): told so, not "format undefined".
    expect(verifyReceipt({} as unknown as LiquidationReceipt, publicKey)).toEqual({ ok: false, reason: 'not a receipt: no "format" field (a liquidation receipt has format 1)' });
  });

  it('fails on a change of any single field, signature included', () => {
    const r = receipts[0] as LiquidationReceipt;
    const paths = leaves(r);
    expect(paths.length).toBeGreaterThan(100);
    for (const path of paths) {
      const bad = changed(r, path) as LiquidationReceipt;
      expect(verifyReceipt(bad, publicKey).ok, `changing ${path.join('.')} still verifies`).toBe(false);
    }
  });

  it('fails, even re-signed by the operator, when the figures do not justify the liquidation or the proof is not of the state root', () => {
    const r = receipts[0] as LiquidationReceipt;
    const { signature: _s, ...body } = r;
    const resign = (b: typeof body): LiquidationReceipt => signReceipt(b, privateKey);
    const notBreached = resign({ ...body, breach: { ...body.breach, equity: 500_000_000n } });
    expect(verifyReceipt(notBreached, publicKey)).toEqual({ ok: false, reason: 'equity 500000000 is not in breach of requirement 441500000 under rule at_or_below' });
    const otherEvent = resign({ ...body, breach: { ...body.breach, requirement: 300_000_001n } });
    expect(verifyReceipt(otherEvent, publicKey)).toEqual({ ok: false, reason: 'the breach figures differ from the LiquidationStarted event' });
    const otherRoot = resign({ ...body, stateRoot: '0'.repeat(64) });
    expect(verifyReceipt(otherRoot, publicKey)).toEqual({ ok: false, reason: 'the inclusion proof does not lead to the receipt state root' });
    const richer = resign({ ...body, proof: { ...body.proof, account: { ...body.proof.account, balances: [[USDC, 10n ** 12n]] } } });
    expect(verifyReceipt(richer, publicKey)).toEqual({ ok: false, reason: 'the inclusion proof does not lead to the receipt state root' });
    const amounts = resign({ ...body, amounts: { ...body.amounts, fees: body.amounts.fees + 1n } });
    expect(verifyReceipt(amounts, publicKey)).toEqual({ ok: false, reason: 'the amounts are not the totals of the events' });
    const markOff = resign({ ...body, prices: body.prices.map((p) => ({ ...p, mark: 9_900_000n })) });
    expect(verifyReceipt(markOff, publicKey).ok).toBe(false);
  });

  it('refuses another operator key, and a journal whose events do not replay', () => {
    const other: KeyObject = generateKeyPairSync('ed25519').publicKey;
    expect(verifyReceipt(receipts[0] as LiquidationReceipt, other)).toEqual({ ok: false, reason: 'the receipt names another operator key than the one given' });
    expect(publicKeyHex(parsePublicKey(publicKey.export({ format: 'pem', type: 'spki' }).toString()))).toBe(keys.publicKeyHex);
    const fill = entries.findIndex((e) => e.command.kind === 'fill');
    const edited = entries.map((e, i) => (i === fill ? { ...e, events: e.events.map((x) => (x.kind === 'PositionChanged' ? { ...x, fee: x.fee + 1n } : x)) } : e));
    expect(() => buildReceipts(genesis, edited, privateKey)).toThrow(ReplayMismatchError);
  });

  it('every receipt of random sessions with a crash verifies, and fails with any field changed', () => {
    let count = 0;
    fc.assert(
      fc.property(timed, fc.integer({ min: 0, max: 1_000 }), (commands, pick) => {
        const t = 1_000_000;
        const world: Command[] = [...standardSetup(t), ...['a', 'b', 'c', 'd'].map((id, i) => ({ kind: 'deposit' as const, tsMs: t, account: id, asset: USDC, amount: 10n ** 10n * BigInt(i + 1) }))];
        const crashAt = (commands.at(-1)?.tsMs ?? t) + 1;
        const all: Command[] = [...world, ...commands, { kind: 'price', tsMs: crashAt, market: 'BTC-PERP', mark: price(6_000_000n) }, { kind: 'price', tsMs: crashAt, market: 'ETH-PERP', mark: price(450_000n) }];
        const rs = buildReceipts(genesis, journal(all), privateKey);
        for (const r of rs) {
          expect(verifyReceipt(r, publicKey)).toEqual({ ok: true });
          const paths = leaves(r);
          const path = paths[pick % paths.length] as (string | number)[];
          expect(verifyReceipt(changed(r, path) as LiquidationReceipt, publicKey).ok, path.join('.')).toBe(false);
          count++;
        }
      }),
      { numRuns: 60, seed: 1617 },
    );
    expect(count).toBeGreaterThan(10);
  });
});
