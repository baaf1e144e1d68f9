import { describe, expect, it } from 'vitest';
import { applyChange, parsePath, scaleDecimal } from './params.js';

const SIM = {
  rulebook: 'binance',
  markets: [
    { id: 'A', margin: { tiers: [{ notionalFloor: '0', maxLeverage: 50, maintenanceRatio: '0.01' }, { notionalFloor: '100000', maxLeverage: 20, maintenanceRatio: '0.025' }] }, book: { depth: '1000000', spacing: 0.001 } },
    { id: 'B', margin: { tiers: [{ notionalFloor: '0', maxLeverage: 20, maintenanceRatio: '0.02' }] }, book: { depth: '500000' } },
  ],
};

describe('sweep parameter paths', () => {
  it('parses keys, indexes and wildcards, and refuses anything else', () => {
    expect(parsePath('markets[*].margin.tiers[0].maintenanceRatio')).toEqual([{ key: 'markets' }, { every: true }, { key: 'margin' }, { key: 'tiers' }, { index: 0 }, { key: 'maintenanceRatio' }]);
    for (const bad of ['', 'a..b', 'a[x]', 'a[-1]', '[0]', 'a b']) expect(() => parsePath(bad), bad).toThrow(/is not a path/);
  });

  it('scales every tier of every market exactly, leaving the input alone', () => {
    const out = applyChange(SIM, 'markets[*].margin.tiers[*].maintenanceRatio', { scale: '1.5' }) as typeof SIM;
    expect(out.markets.map((m) => m.margin.tiers.map((t) => t.maintenanceRatio))).toEqual([['0.015', '0.0375'], ['0.03']]);
    expect(SIM.markets[0]?.margin.tiers[0]?.maintenanceRatio).toBe('0.01');
  });

  it('turns a preset name into overrides to set a rulebook field, creating the objects on the way', () => {
    const out = applyChange(SIM, 'rulebook.liquidation.fees.insurance', { set: '0.01' });
    expect(out['rulebook']).toEqual({ preset: 'binance', liquidation: { fees: { insurance: '0.01' } } });
    const partial = applyChange(SIM, 'rulebook.liquidation.sizing', { set: { kind: 'dydx', maxPositionPortion: '0.2' } });
    expect(partial['rulebook']).toEqual({ preset: 'binance', liquidation: { sizing: { kind: 'dydx', maxPositionPortion: '0.2' } } });
  });

  it('scales numbers as numbers, sets one index, and says where a path fails', () => {
    expect((applyChange(SIM, 'markets[0].book.spacing', { scale: '2' }) as typeof SIM).markets[0]?.book).toEqual({ depth: '1000000', spacing: 0.002 });
    expect(() => applyChange(SIM, 'markets[2].book.depth', { set: '1' })).toThrow('markets has 2 elements, no [2]');
    expect(() => applyChange(SIM, 'markets[1].book.spacing', { scale: '2' })).toThrow('markets[1].book.spacing is absent, so it cannot be scaled');
    expect(() => applyChange(SIM, 'markets[0].id[0]', { set: 'x' })).toThrow('markets[0].id is not an array');
  });

  it('multiplies decimal strings without rounding', () => {
    expect(scaleDecimal('0.0125', '0.8')).toBe('0.01');
    expect(scaleDecimal('123456789.123456789', '3')).toBe('370370367.370370367');
    expect(scaleDecimal('-2', '0.5')).toBe('-1');
  });
});
