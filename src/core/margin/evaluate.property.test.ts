import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newAccount, type Account } from '../account/account.js';
import { Engine } from '../engine/engine.js';
import type { EngineState } from '../engine/state.js';
import { standardSetup, TEST_CONFIG, USDC } from '../engine/testkit.js';
import { PPM_ONE, ppm, price, quote, size } from '../units/index.js';
import { evaluateAccount, ledgerMaintenance, positionFigures, singlePositionEquity, singlePositionSlack, type MarginView } from './evaluate.js';

const MARKETS = ['BTC-PERP', 'ETH-PERP'] as const;

/** The standard test markets (BTC: tiered brackets; ETH: flat), with a given BTC and ETH mark. */
function view(btcMark: bigint, ethMark: bigint): EngineState {
  const e = Engine.create(TEST_CONFIG);
  for (const c of standardSetup(1)) e.apply(c);
  e.apply({ kind: 'price', tsMs: 2, market: 'BTC-PERP', mark: price(btcMark) });
  e.apply({ kind: 'price', tsMs: 2, market: 'ETH-PERP', mark: price(ethMark) });
  return e.state as EngineState;
}

const positionArb = fc.record({
  market: fc.constantFrom(...MARKETS),
  size: fc.bigInt({ min: -5_000_000n, max: 5_000_000n }).filter((x) => x !== 0n),
  entryQuote: fc.bigInt({ min: -(10n ** 14n), max: 10n ** 14n }),
  isolatedMargin: fc.option(fc.bigInt({ min: 0n, max: 10n ** 12n }), { nil: null }),
});

describe('ledgerMaintenance', () => {
  it("is evaluateAccount's maintenance of every ledger, at any requirement scale and valuation", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 100_000n, max: 50_000_000n }),
        fc.bigInt({ min: 10_000n, max: 1_000_000n }),
        fc.uniqueArray(positionArb, { selector: (p) => p.market, maxLength: 2 }),
        fc.constantFrom<bigint | null>(null, 250_000n, 312_500n, 1n),
        fc.constantFrom<'mark' | 'entry'>('mark', 'entry'),
        fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
        fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
        (btc, eth, positions, scale, valuation, cash, fundingIndex) => {
          const s = view(btc, eth);
          const v: MarginView = Object.create(s, {
            marginValuation: { value: valuation },
            ...(scale === null ? {} : { requirementScalePpm: { value: ppm(PPM_ONE + scale) } }),
          }) as MarginView;
          const account: Account = newAccount('a', 0);
          account.balances.set(USDC, 1_000_000_000n);
          for (const p of positions) {
            account.positions.set(p.market, {
              market: p.market,
              size: size(p.size),
              entryQuote: quote(p.entryQuote),
              fundingIndex: 0n,
              isolatedMargin: p.isolatedMargin === null ? null : quote(p.isolatedMargin),
            });
          }
          const ev = evaluateAccount(v, account);
          expect(ev.priced).toBe(true);
          if (!ev.priced) return;
          expect(ledgerMaintenance(v, account, null)).toBe(ev.cross.maintenance);
          for (const f of ev.isolated) expect(ledgerMaintenance(v, account, f.market)).toBe(f.maintenance);
          // No such isolated ledger: a cross position's market, or a market the account does not hold.
          for (const m of MARKETS) if (!ev.isolated.some((f) => f.market === m)) expect(ledgerMaintenance(v, account, m)).toBeNull();
          // singlePositionSlack: a single-position ledger's figures as positionFigures gives them, with any cash and
          // funding owed.
          for (const p of account.positions.values()) {
            const state = s.market(p.market);
            if (state === undefined || state.markPrice === null) continue;
            p.fundingIndex = fundingIndex;
            const f = positionFigures(v, state, p, state.markPrice);
            const slack = singlePositionSlack(v, state, p, state.markPrice, cash);
            expect(slack).toEqual({ equity: singlePositionEquity(cash, f), maintenance: f.maintenance });
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
