import { describe, expect, it } from 'vitest';
import type { MarketPricing } from '../market/pricing.js';
import { dec, ppm, price, quote, rateE9, size, type Price } from '../units/index.js';
import type { Command } from './commands.js';
import { Engine } from './engine.js';
import type { EngineEvent } from './events.js';
import { BTC_PERP, TEST_CONFIG, USDC } from './testkit.js';

const T0 = 1_738_526_400_000; // 2025-02-02 20:00 UTC
const px = (text: string): Price => price(dec(text, 2));

function engineWith(pricing: MarketPricing): Engine {
  const e = Engine.create(TEST_CONFIG);
  e.apply({ kind: 'set_market', tsMs: T0, market: { ...BTC_PERP, pricing } });
  return e;
}

const kinds = (events: EngineEvent[]): string[] => events.map((e) => e.kind);
const source = (source: string, p: string, t: number, extra: Partial<Extract<Command, { kind: 'source_price' }>> = {}): Command => ({
  kind: 'source_price',
  tsMs: t,
  market: 'BTC-PERP',
  source,
  price: px(p),
  publishTimeMs: t,
  ...extra,
});

const base: MarketPricing = {
  basisCadenceMs: 5_000,
  basisSamples: 30,
  minPriceChangePpm: ppm(0n),
  guards: { rearmAfter: 2 },
  index: { method: 'weighted_median', weights: { a: 1n, b: 1n, c: 1n }, maxAgeMs: 10_000, minSources: 2, deviationCapPpm: ppm(30_000n) },
};

describe('index from sources', () => {
  it('forms once enough sources are fresh, and goes unpriced when they are not', () => {
    const e = engineWith(base);
    expect(kinds(e.apply(source('a', '100000', T0 + 1)))).toEqual(['MarketUnpriced']);
    expect(e.market('BTC-PERP')?.markPrice).toBeNull();
    // Priced; the Binance mark has none of its inputs (no funding, no book), so the index stands in, said once.
    expect(kinds(e.apply(source('b', '100010', T0 + 2)))).toEqual(['MarketPriced', 'MarkFallback']);
    expect(e.market('BTC-PERP')?.indexPrice).toBe(px('100000'));
    // 20 s later a and b are stale; c alone is too few.
    expect(kinds(e.apply(source('c', '100020', T0 + 20_000)))).toEqual(['MarketUnpriced']);
    expect(e.market('BTC-PERP')?.price.unpriced).toBe(true);
  });

  it('one manipulated source of three cannot move the index beyond the 3% cap', () => {
    const e = engineWith(base);
    e.apply(source('a', '100000', T0 + 1));
    e.apply(source('b', '100000', T0 + 2));
    for (const spike of ['1', '50000', '99000', '200000', '99999999']) {
      e.apply(source('c', spike, e.timeMs + 1));
      const index = e.market('BTC-PERP')?.indexPrice as bigint;
      expect(index).toBeGreaterThanOrEqual(px('97000'));
      expect(index).toBeLessThanOrEqual(px('103000'));
    }
  });

  it('refuses unknown sources, prices from the future, and out-of-order updates', () => {
    const e = engineWith(base);
    expect(e.apply(source('z', '100000', T0 + 1))[0]).toMatchObject({ reason: 'source_unknown', field: 'source' });
    expect(e.apply({ ...source('a', '100000', T0 + 5), publishTimeMs: T0 + 6 } as Command)[0]).toMatchObject({ reason: 'publish_time_in_future' });
    e.apply(source('a', '100000', T0 + 10));
    expect(e.apply({ ...source('a', '100000', T0 + 11), publishTimeMs: T0 + 9 } as Command)[0]).toMatchObject({ reason: 'stale_update' });
  });
});

describe('guards and the breaker', () => {
  const guarded: MarketPricing = { ...base, index: undefined as never, guards: { rearmAfter: 2, maxJumpPpm: ppm(100_000n), maxPriceAgeMs: 5_000 } };
  delete (guarded as { index?: unknown }).index;

  it('a jump beyond 10% trips the breaker; two sound updates re-arm it', () => {
    const e = engineWith(guarded);
    e.apply({ kind: 'price', tsMs: T0 + 1, market: 'BTC-PERP', mark: px('100000') });
    const tripped = e.apply({ kind: 'price', tsMs: T0 + 2, market: 'BTC-PERP', mark: px('115000') });
    expect(tripped).toMatchObject([{ kind: 'BreakerTripped', market: 'BTC-PERP', reasons: ['price_jump'] }]);
    expect(e.market('BTC-PERP')?.price.breaker.state).toBe('tripped');
    expect(kinds(e.apply({ kind: 'price', tsMs: T0 + 3, market: 'BTC-PERP', mark: px('115100') }))).toEqual([]);
    expect(kinds(e.apply({ kind: 'price', tsMs: T0 + 4, market: 'BTC-PERP', mark: px('115200') }))).toEqual(['BreakerReset']);
  });

  it('a price older than maxPriceAgeMs trips the breaker on any later command, a tick included', () => {
    const e = engineWith(guarded);
    e.apply({ kind: 'price', tsMs: T0 + 1, market: 'BTC-PERP', mark: px('100000') });
    expect(kinds(e.apply({ kind: 'tick', tsMs: T0 + 5_001 }))).toEqual([]);
    expect(e.apply({ kind: 'tick', tsMs: T0 + 5_002 })).toMatchObject([{ kind: 'BreakerTripped', reasons: ['stale_price'] }]);
  });

  it('a confidence wider than 1% trips it (Pyth-style)', () => {
    const e = engineWith({ ...guarded, guards: { rearmAfter: 1, maxConfPpm: ppm(10_000n) } });
    e.apply({ kind: 'price', tsMs: T0 + 1, market: 'BTC-PERP', mark: px('2710.20'), conf: px('27.00') });
    expect(e.market('BTC-PERP')?.price.breaker.state).toBe('sound');
    expect(e.apply({ kind: 'price', tsMs: T0 + 2, market: 'BTC-PERP', mark: px('2710.20'), conf: px('70.47') })).toMatchObject([
      { kind: 'BreakerTripped', reasons: ['confidence_too_wide'] },
    ]);
  });
});

describe('signed attestations: apply checks the edge verdict, never the signature', () => {
  // No crypto here: the core only reads the verdict the edge carried in (feeds/attestation.ts verifies; its tests
  // sign for real). Keys and signatures are placeholders of the right shape.
  const KEY_A = 'aa'.repeat(32);
  const KEY_B = 'bb'.repeat(32);
  const SIG = 'cd'.repeat(64);
  const signed: MarketPricing = { ...base, attestation: { required: true, keys: { a: KEY_A, b: KEY_A.toUpperCase() } } };
  const valid = (src: string, key: string | null) => ({ source: src, key, result: 'valid' as const });

  it('refuses a missing signature, one without a verdict, and carries the edge refusal as its code', () => {
    const e = engineWith(signed);
    expect(e.apply(source('a', '100000', T0 + 1))[0]).toMatchObject({ reason: 'signature_missing' });
    expect(e.apply(source('a', '100000', T0 + 2, { signature: SIG }))[0]).toMatchObject({ reason: 'signature_invalid', message: expect.stringContaining('not verified at the edge') });
    const refused = { source: 'a', key: KEY_A, result: 'signature_invalid' as const };
    expect(e.apply(source('a', '100000', T0 + 3, { signature: SIG, signatureCheck: refused }))[0]).toMatchObject({ reason: 'signature_invalid' });
    // Nothing changed: the source has no observation yet.
    expect(e.market('BTC-PERP')?.price.sources).toEqual([]);
  });

  it('refuses a valid verdict for another source or another key than the market configures', () => {
    const e = engineWith(signed);
    expect(e.apply(source('a', '100000', T0 + 1, { signature: SIG, signatureCheck: valid('b', KEY_A) }))[0]).toMatchObject({ reason: 'signature_invalid' });
    expect(e.apply(source('a', '100000', T0 + 2, { signature: SIG, signatureCheck: valid('a', KEY_B) }))[0]).toMatchObject({
      reason: 'signature_invalid',
      message: expect.stringContaining('not a'),
    });
    // c has a weight but no key: no verdict can make its price acceptable.
    expect(e.apply(source('c', '100000', T0 + 3, { signature: SIG, signatureCheck: valid('c', null) }))[0]).toMatchObject({ reason: 'signature_invalid' });
  });

  it('accepts a valid verdict for the configured key (compared case-blind) and keeps the signature', () => {
    const e = engineWith(signed);
    expect(e.apply(source('a', '100000', T0 + 1, { signature: SIG, signatureCheck: valid('a', KEY_A) }))[0]?.kind).not.toBe('CommandRejected');
    // b's key is configured in upper case; the edge records lower case.
    expect(e.apply(source('b', '100000', T0 + 2, { signature: SIG, signatureCheck: valid('b', KEY_A) }))[0]?.kind).not.toBe('CommandRejected');
    // The signature is kept with the observation (a verifier can re-check it from a snapshot).
    expect(e.market('BTC-PERP')?.price.sources.map((o) => o.signature)).toEqual([SIG, SIG]);
  });

  it('ignores a verdict on an unsigned price where signatures are optional', () => {
    const e = engineWith({ ...base, attestation: { required: false, keys: { a: KEY_A } } });
    const check = { source: 'a', key: KEY_A, result: 'signature_invalid' as const };
    expect(e.apply(source('a', '100000', T0 + 1, { signatureCheck: check }))[0]?.kind).not.toBe('CommandRejected');
  });
});

describe('a flash spike on one source', () => {
  it('would breach an account on last price, but not on the index of three sources', () => {
    const e = engineWith(base);
    e.apply(source('a', '100000', T0 + 1));
    e.apply(source('b', '100000', T0 + 2));
    e.apply(source('c', '100000', T0 + 3));
    e.apply({ kind: 'deposit', tsMs: T0 + 4, account: 'mm', asset: USDC, amount: dec('10000000', 6) });
    e.apply({ kind: 'deposit', tsMs: T0 + 4, account: 'long', asset: USDC, amount: dec('5000', 6) });
    const fill = e.apply({ kind: 'fill', tsMs: T0 + 5, market: 'BTC-PERP', price: px('100000'), size: size(1000n), buyer: { account: 'long', fee: quote(0n) }, seller: { account: 'mm', fee: quote(0n) } });
    expect(kinds(fill)).toEqual(['PositionChanged', 'PositionChanged']);
    // The same print used as the price (last-price marking) puts the account below maintenance: liquidated.
    const lastPrice = Engine.restore(e.snapshot());
    const onLast = lastPrice.apply({ kind: 'price', tsMs: T0 + 6, market: 'BTC-PERP', mark: px('94000') });
    expect(onLast.find((x) => x.kind === 'LiquidationStarted')).toMatchObject({ account: 'long', mark: px('94000') });
    // One venue prints 94,000 for a moment (-6%): the index stays within the 3% band of the other two.
    const onIndex = e.apply(source('c', '94000', T0 + 6));
    expect(kinds(onIndex)).not.toContain('LiquidationStarted');
    expect(e.market('BTC-PERP')?.markPrice).toBe(px('100000'));
    expect(e.isBreached('long')).toBe(false);
  });
});

describe('a tripped breaker', () => {
  it('pauses liquidations on its market until it re-arms, then the breached account is liquidated', () => {
    const e = engineWith({ ...base, guards: { rearmAfter: 2, maxJumpPpm: ppm(50_000n) } });
    e.apply(source('a', '100000', T0 + 1));
    e.apply(source('b', '100000', T0 + 2));
    e.apply({ kind: 'deposit', tsMs: T0 + 3, account: 'mm', asset: USDC, amount: dec('10000000', 6) });
    e.apply({ kind: 'deposit', tsMs: T0 + 3, account: 'long', asset: USDC, amount: dec('5000', 6) });
    e.apply({ kind: 'fill', tsMs: T0 + 4, market: 'BTC-PERP', price: px('100000'), size: size(1000n), buyer: { account: 'long', fee: quote(0n) }, seller: { account: 'mm', fee: quote(0n) } });
    // A source gaps down 8%: the index (the lower of two) jumps beyond 5%, the breaker trips, the account is in breach.
    // Source b (100,000) is now 8.7% above the lower median 92,000: clipped to the 3% band edge, and named.
    const tripped = e.apply(source('a', '92000', T0 + 5));
    expect(kinds(tripped)).toEqual(['IndexOutlier', 'BreakerTripped', 'LiquidationDeferred']);
    expect(tripped[0]).toMatchObject({ source: 'b', status: 'clipped', observed: px('100000'), used: px('94760'), median: px('92000') });
    expect(tripped[2]).toMatchObject({ account: 'long', reason: 'breaker' });
    expect(e.isBreached('long')).toBe(true);
    // One sound update is not enough to re-arm; the second is, and the liquidation goes ahead on that command.
    expect(kinds(e.apply(source('b', '92000', T0 + 6)))).toEqual(['IndexOutlierCleared']);
    const rearmed = e.apply(source('a', '92010', T0 + 7));
    expect(kinds(rearmed).slice(0, 2)).toEqual(['BreakerReset', 'LiquidationStarted']);
  });
});

describe('ledgers held by a breaker', () => {
  it('are not stepped again while it holds, and every command says what a full look would say (an engine restored before each command)', () => {
    const e = engineWith({ ...base, guards: { rearmAfter: 4, maxJumpPpm: ppm(50_000n) } });
    const setup: Command[] = [
      source('a', '100000', T0 + 1),
      source('b', '100000', T0 + 2),
      { kind: 'deposit', tsMs: T0 + 3, account: 'mm', asset: USDC, amount: dec('10000000', 6) },
    ];
    // Longs at 20x (5,000 USDC per BTC), 1 to 4 BTC: in breach after an 8% fall; long5 holds 1 BTC on 20,000 USDC.
    for (let k = 1; k <= 5; k++) setup.push({ kind: 'deposit', tsMs: T0 + 3, account: `long${k}`, asset: USDC, amount: dec(String(k === 5 ? 20_000 : 5_000 * k), 6) });
    for (let k = 1; k <= 5; k++) {
      setup.push({ kind: 'fill', tsMs: T0 + 4, market: 'BTC-PERP', price: px('100000'), size: size(k === 5 ? 1000n : 1000n * BigInt(k)), buyer: { account: `long${k}`, fee: quote(0n) }, seller: { account: 'mm', fee: quote(0n) } });
    }
    expect(setup.flatMap((cmd) => e.apply(cmd)).filter((x) => x.kind === 'CommandRejected')).toEqual([]);
    // The breaker trips; then commands that leave it tripped (deposits, a withdrawal refused, sound source updates)
    // until it re-arms and the ledgers are liquidated.
    const later: Command[] = [
      source('a', '92000', T0 + 5),
      { kind: 'deposit', tsMs: T0 + 6, account: 'long5', asset: USDC, amount: dec('1', 6) },
      { kind: 'deposit', tsMs: T0 + 6, account: 'long2', asset: USDC, amount: dec('1', 6) },
      source('b', '92000', T0 + 7),
      { kind: 'withdraw', tsMs: T0 + 8, account: 'long1', asset: USDC, amount: dec('1', 6) },
      source('a', '92010', T0 + 9),
      source('b', '92005', T0 + 10),
      source('a', '92020', T0 + 11),
      source('b', '92010', T0 + 12),
    ];
    let looked = Engine.restore(e.snapshot());
    const seen: string[] = [];
    for (const cmd of later) {
      looked = Engine.restore(looked.snapshot());
      const events = e.apply(cmd);
      expect(looked.apply(cmd)).toEqual(events);
      seen.push(...events.map((x) => (x.kind === 'LiquidationDeferred' ? `${x.kind}:${x.reason}` : x.kind)));
    }
    // Told once per ledger when it tripped, liquidated once it re-armed.
    expect(seen.filter((k) => k === 'LiquidationDeferred:breaker').length).toBe(4);
    expect(seen.indexOf('BreakerReset')).toBeGreaterThan(seen.lastIndexOf('LiquidationDeferred:breaker'));
    expect(seen.filter((k) => k === 'LiquidationStarted').length).toBe(seen.filter((k) => k === 'LiquidationDeferred:breaker').length);
  });
});

describe('fallbacks are said, never silent (issue 15)', () => {
  it('MarkFallback when the index stands in for the mark method, once per reason; MarkRestored when the method works again', () => {
    const e = engineWith(base);
    e.apply(source('a', '100000', T0 + 1));
    // Binance's mark is the median of price 1 (needs funding), price 2 (needs book samples) and the last trade:
    // none is there, so computeMark flags its own fallback and the index (lower median of 100,000 and 100,010) stands in.
    expect(e.apply(source('b', '100010', T0 + 2)).filter((x) => x.kind === 'MarkFallback')).toEqual([
      expect.objectContaining({ market: 'BTC-PERP', method: 'binance', reason: 'no_inputs', index: px('100000') }),
    ]);
    expect(e.market('BTC-PERP')?.markPrice).toBe(px('100000'));
    // Still without inputs: nothing new is said.
    expect(kinds(e.apply(source('a', '100020', T0 + 3)))).toEqual([]);
    // A last trade is an input: the mark is the median of that one component, 100,050.
    expect(e.apply({ kind: 'market_data', tsMs: T0 + 4, market: 'BTC-PERP', lastTrade: px('100050') })).toEqual([
      expect.objectContaining({ kind: 'MarkRestored', market: 'BTC-PERP', method: 'binance', mark: px('100050') }),
    ]);
    expect(e.market('BTC-PERP')?.markPrice).toBe(px('100050'));
  });

  it('a funding-based mark (BitMEX) on a market without funding falls back with no_funding', () => {
    const e = engineWith({ ...base, markMethod: 'bitmex' });
    e.apply(source('a', '100000', T0 + 1));
    expect(e.apply(source('b', '100000', T0 + 2))).toEqual([
      expect.objectContaining({ kind: 'MarketPriced' }),
      expect.objectContaining({ kind: 'MarkFallback', method: 'bitmex', reason: 'no_funding', index: px('100000') }),
    ]);
  });

  const funding = {
    method: 'external' as const,
    intervalMs: 3_600_000,
    sampleIntervalMs: 60_000,
    interestRate: rateE9(0n),
    clampBand: rateE9(0n),
    capRate: rateE9(10_000_000n),
    floorRate: rateE9(-10_000_000n),
    fundAt: 'mark' as const,
  };
  const HOUR = 3_600_000;

  it('FundingSkipped (interval_limit) for the intervals past MAX_INTERVALS_PER_STEP (1,000) in one step', () => {
    const e = engineWith({ ...base, funding });
    e.apply({ kind: 'price', tsMs: T0, market: 'BTC-PERP', mark: px('100000') });
    // T0 is a whole hour, so payments fall at T0 + 1 h, T0 + 2 h, ...; 1,005 of them are due at T0 + 1,005 h.
    // The first 1,000 are paid (T0 + 1 h .. T0 + 1,000 h); the other 5 (T0 + 1,001 h .. T0 + 1,005 h) are skipped.
    const events = e.apply({ kind: 'tick', tsMs: T0 + 1_005 * HOUR });
    const applied = events.filter((x) => x.kind === 'FundingApplied');
    expect(applied).toHaveLength(1_000);
    expect(applied.at(-1)).toMatchObject({ atMs: T0 + 1_000 * HOUR });
    expect(events.filter((x) => x.kind === 'FundingSkipped')).toEqual([
      expect.objectContaining({ market: 'BTC-PERP', reason: 'interval_limit', intervals: 5, fromMs: T0 + 1_001 * HOUR, toMs: T0 + 1_005 * HOUR }),
    ]);
    // The schedule resumes at the first interval after now.
    expect(e.market('BTC-PERP')?.price.funding?.nextFundingMs).toBe(T0 + 1_006 * HOUR);
  });

  it('FundingSkipped (unpriced) for the intervals that fell due before the market had a price', () => {
    const e = engineWith({ ...base, funding });
    // No price yet: T0 + 1 h and T0 + 2 h are due at T0 + 2 h + 1 ms; nothing can be paid.
    expect(e.apply({ kind: 'tick', tsMs: T0 + 2 * HOUR + 1 })).toEqual([
      expect.objectContaining({ kind: 'FundingSkipped', market: 'BTC-PERP', reason: 'unpriced', intervals: 2, fromMs: T0 + HOUR, toMs: T0 + 2 * HOUR }),
    ]);
    // Once priced, the next interval is paid as usual.
    e.apply({ kind: 'price', tsMs: T0 + 2 * HOUR + 2, market: 'BTC-PERP', mark: px('100000') });
    expect(kinds(e.apply({ kind: 'tick', tsMs: T0 + 3 * HOUR }))).toEqual(['FundingApplied']);
  });
});
