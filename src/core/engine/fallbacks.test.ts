// Enforcement's fallbacks are said with a code, never silent (issue 15): a loss that cannot be socialised is written
// off (SocialisationRefused). The limit behind it is a million entries, so the library's refusal is forced here with
// a spy; the empty-side case is real. ADL ranks by score (adl-queue.ts has no cap, so it never falls back).

import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as adl from '../liquidation/adl.js';
import { rejected } from '../liquidation/result.js';
import { rulebookPreset } from '../rulebooks/presets.js';
import type { Rulebook } from '../rulebooks/rulebook.js';
import { dec, price, quote, size } from '../units/index.js';
import { newBlock } from './block.js';
import { absorbDeficit } from './deficits.js';
import { Engine } from './engine.js';
import type { EngineEvent, EventBody } from './events.js';
import type { EngineState } from './state.js';
import { standardSetup, TEST_CONFIG, USDC } from './testkit.js';

vi.mock('../liquidation/adl.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../liquidation/adl.js')>();
  return { ...actual, socialisedCharges: vi.fn(actual.socialisedCharges) };
});

beforeEach(() => {
  vi.mocked(adl.socialisedCharges).mockClear();
});

const usdc = (text: string): bigint => dec(text, 6);
const btc = (text: string): ReturnType<typeof size> => size(dec(text, 3));
const px = (text: string): ReturnType<typeof price> => price(dec(text, 2));
const zero = quote(0n);

/**
 * trader: an isolated long of 0.5 BTC-PERP at 100,000 with 2,000 USDC of margin (bankrupt at 96,000), sold by
 * maker; alpha sells another 0.5 to zeta at 99,000. At 90,000 with no bid and an empty insurance fund, the Binance
 * preset deleverages the trader's long against the shorts at 96,000: maker (10,000 / 100,000 = 10% in profit) ranks
 * before alpha (9,000 / 99,000 = 9.1%) at like leverage, while account order puts alpha first.
 */
function adlWorld(): { engine: Engine; crash: EngineEvent[] } {
  const engine = Engine.create(TEST_CONFIG);
  for (const cmd of standardSetup(1_000)) engine.apply(cmd);
  for (const id of ['maker', 'alpha', 'zeta']) engine.apply({ kind: 'deposit', tsMs: 1_000, account: id, asset: USDC, amount: usdc('1000000') });
  engine.apply({ kind: 'deposit', tsMs: 1_000, account: 'trader', asset: USDC, amount: usdc('2000') });
  engine.apply({
    kind: 'fill',
    tsMs: 1_000,
    market: 'BTC-PERP',
    price: px('100000'),
    size: btc('0.5'),
    buyer: { account: 'trader', fee: zero, marginMode: 'isolated', isolatedMargin: quote(usdc('2000')) },
    seller: { account: 'maker', fee: zero },
  });
  engine.apply({ kind: 'fill', tsMs: 1_000, market: 'BTC-PERP', price: px('99000'), size: btc('0.5'), buyer: { account: 'zeta', fee: zero }, seller: { account: 'alpha', fee: zero } });
  const crash = engine.apply({ kind: 'price', tsMs: 2_000, market: 'BTC-PERP', mark: px('90000') });
  return { engine, crash };
}

describe('ADL', () => {
  it('ranks by score when it can: the more profitable short (maker) is deleveraged', () => {
    const { crash } = adlWorld();
    expect(crash.filter((e) => e.kind === 'Deleveraged')).toEqual([expect.objectContaining({ account: 'maker', liquidated: 'trader', size: btc('0.5'), price: px('96000') })]);
  });
});

describe('a loss the rulebook socialises but cannot spread', () => {
  /** Drift socialises; the insurance fund is empty, so a deficit goes straight to the opposite side. */
  function driftWorld(): Engine {
    const engine = Engine.create(TEST_CONFIG);
    for (const cmd of standardSetup(1_000)) engine.apply(cmd);
    engine.apply({ kind: 'set_rulebook', tsMs: 1_000, rulebook: rulebookPreset('drift-v2', 6) as Rulebook });
    engine.apply({ kind: 'deposit', tsMs: 1_000, account: 'a', asset: USDC, amount: usdc('1000') });
    return engine;
  }

  function absorb(engine: Engine): EventBody[] {
    const out: EventBody[] = [];
    const b = newBlock(engine.state as EngineState, (body) => out.push(body), new Set());
    // a's long in BTC-PERP went bankrupt 100 USDC below zero (the loss sits in its balance).
    absorbDeficit(b, { account: 'a', market: 'BTC-PERP', side: 'long', amount: usdc('100'), inBalance: true });
    return out;
  }

  it('nobody holds the other side: SocialisationRefused (no_open_interest), written off', () => {
    const engine = driftWorld();
    expect(absorb(engine)).toEqual([
      { kind: 'SocialisationRefused', market: 'BTC-PERP', side: 'short', amount: usdc('100'), reason: 'no_open_interest', stage: 'deficit' },
      { kind: 'BadDebt', account: 'a', market: 'BTC-PERP', amount: usdc('100'), insurance: 0n, socialised: 0n, writtenOff: usdc('100'), stage: 'deficit' },
    ]);
    expect(engine.state.venue.badDebtWrittenOff).toBe(usdc('100'));
  });

  it('more bearers than SOCIALISE_POSITIONS_MAX: SocialisationRefused (too_many_entries), written off', () => {
    const engine = driftWorld();
    for (const id of ['long', 'short']) engine.apply({ kind: 'deposit', tsMs: 1_000, account: id, asset: USDC, amount: usdc('1000000') });
    engine.apply({ kind: 'fill', tsMs: 1_000, market: 'BTC-PERP', price: px('100000'), size: btc('1'), buyer: { account: 'long', fee: zero }, seller: { account: 'short', fee: zero } });
    vi.mocked(adl.socialisedCharges).mockReturnValueOnce(rejected('too_many_entries'));
    expect(absorb(engine)).toEqual([
      { kind: 'SocialisationRefused', market: 'BTC-PERP', side: 'short', amount: usdc('100'), reason: 'too_many_entries', stage: 'deficit' },
      { kind: 'BadDebt', account: 'a', market: 'BTC-PERP', amount: usdc('100'), insurance: 0n, socialised: 0n, writtenOff: usdc('100'), stage: 'deficit' },
    ]);
    // Without the refusal the short bears all of it: 100 USDC per 1 BTC.
    const engine2 = driftWorld();
    for (const id of ['long', 'short']) engine2.apply({ kind: 'deposit', tsMs: 1_000, account: id, asset: USDC, amount: usdc('1000000') });
    engine2.apply({ kind: 'fill', tsMs: 1_000, market: 'BTC-PERP', price: px('100000'), size: btc('1'), buyer: { account: 'long', fee: zero }, seller: { account: 'short', fee: zero } });
    expect(absorb(engine2).map((e) => e.kind)).toEqual(['Socialised', 'BadDebt']);
    expect(engine2.account('short')?.balances.get(USDC)).toBe(usdc('999900'));
  });
});
