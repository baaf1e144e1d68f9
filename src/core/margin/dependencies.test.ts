import { describe, expect, it } from 'vitest';
import type { Account } from '../account/account.js';
import type { AssetSpec } from '../market/spec.js';
import { ppm, quote, size } from '../units/index.js';
import { accountMarkets, ledgerMarkets } from './dependencies.js';

const asset = (id: string, priceMarket: string, peg?: AssetSpec['peg']): AssetSpec => ({
  id,
  decimals: 8,
  priceMarket,
  collateralWeightPpm: ppm(900_000n),
  ltvPpm: ppm(0n),
  liquidationThresholdPpm: ppm(0n),
  ...(peg === undefined ? {} : { peg }),
});
const ASSETS = new Map<string, AssetSpec>([
  ['BTC', asset('BTC', 'BTC-PERP')],
  // wBETH: valued off ETH (its underlying); its own book WBETH-USDC is only watched.
  ['WBETH', asset('WBETH', 'ETH-PERP', { conversionRateWad: 1_070_000_000_000_000_000n, market: 'WBETH-USDC', depegBandPpm: ppm(50_000n) })],
  ['SOL', asset('SOL', 'SOL-PERP')],
  ['DOGE', asset('DOGE', 'DOGE-PERP')],
]);
const view = { settlementAsset: 'USDC', asset: (id: string): AssetSpec | undefined => ASSETS.get(id) };

const position = (market: string, isolated: boolean): [string, Account['positions'] extends Map<string, infer P> ? P : never] => [
  market,
  { market, size: size(1n), entryQuote: quote(1n), fundingIndex: 0n, isolatedMargin: isolated ? quote(1n) : null },
];

describe('the markets an account depends on', () => {
  const account: Account = {
    id: 'a',
    no: 0,
    positions: new Map([position('XRP-PERP', false), position('ADA-PERP', true)]),
    // USDC is the settlement asset; DOGE is a zero balance; UNLISTED cannot be valued at all.
    balances: new Map([
      ['USDC', 1_000n],
      ['WBETH', 5n],
      ['DOGE', 0n],
      ['BTC', 3n],
      ['UNLISTED', 9n],
    ]),
    borrows: new Map([
      ['SOL', 2n],
      ['BTC', 1n],
    ]),
  };

  it('positions (cross and isolated), then the markets valuing collateral (a pegged asset: its underlying), then debts', () => {
    expect(accountMarkets(view, account)).toEqual(['XRP-PERP', 'ADA-PERP', 'ETH-PERP', 'BTC-PERP', 'SOL-PERP']);
  });

  it('per ledger: an isolated position depends on its market alone; the cross ledger on the rest', () => {
    expect(ledgerMarkets(view, account, 'ADA-PERP')).toEqual(['ADA-PERP']);
    expect(ledgerMarkets(view, account, null)).toEqual(['XRP-PERP', 'ETH-PERP', 'BTC-PERP', 'SOL-PERP']);
  });

  it('an account holding only the settlement asset depends on no market', () => {
    expect(accountMarkets(view, { id: 'b', no: 1, positions: new Map(), balances: new Map([['USDC', 5n]]), borrows: new Map() })).toEqual([]);
  });
});
