import { describe, expect, it } from 'vitest';
import { syntheticCrash } from './crash.js';
import { runMakerAuctions } from './maker-auctions.js';

describe('Maker auctions through the (synthetic) crash', () => {
  const r = runMakerAuctions(syntheticCrash(), { market: 'AVAXUSDT', vaults: 400, seed: 7 });

  it('barks vaults as the price falls, sells every lot, and accounts for every unit', () => {
    expect(r.barked.dutch).toBeGreaterThan(20);
    expect(r.barked.sealed).toBeGreaterThan(5);
    expect(r.takes).toBeGreaterThanOrEqual(r.barked.dutch); // every Dutch lot taken, some in several takes
    expect(r.sealedSettled).toBe(r.barked.sealed);
    expect(r.stillInAuction).toBe(0);
    expect(r.conservationOk).toBe(true);
  });

  it('the ilk hole throttles the crash: limit hits and partial barks', () => {
    expect(r.barked.limitHits).toBeGreaterThan(0);
    expect(r.barked.partial).toBeGreaterThan(0);
  });

  it('keepers buy Dutch lots at least 3% under the market (their margin); the sealed batches clear at the best bid, 2% under', () => {
    expect(r.discountBp.dutch).toBeGreaterThanOrEqual(300);
    // three keepers bid the whole lot at 2%, 3.5% and 5% under the market: the first alone covers the supply
    expect(r.discountBp.sealed).toBe(200);
  });

  it('is deterministic: one seed, one report', () => {
    expect(runMakerAuctions(syntheticCrash(), { market: 'AVAXUSDT', vaults: 400, seed: 7 })).toEqual(r);
  });
});
