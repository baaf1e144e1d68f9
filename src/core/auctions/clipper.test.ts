// Golden tests from makerdao/dss src/test/clip.t.sol (commit fa4f6630afb0624d04a003e920b0d71a00331d98), test by
// test, with the contract's figures: the set-up is clipSetUp (testkit.ts) = clip.t.sol setUp, and TAKE_SETUP_CLIP +
// a bark = its takeSetup modifier (tab 110 DAI, lot 40 gold, top $5). Each test ends with the Vat's invariant
// (sum dai = sum sin + sum Art x rate) and the collateral total.
import { describe, expect, it } from 'vitest';
import { ray, wad, type Ray } from '../units/index.js';
import { getStatus, pauseClock, redo, resumeClock, saleStatus, take, type TakeInput } from './clipper.js';
import { bark } from './dog.js';
import {
  addIlk,
  clipperHolder,
  daiOf,
  fold,
  frob,
  gemOf,
  slip,
  totalCollateral,
  upchost,
  urnOf,
  vatInvariantHolds,
  type MakerState,
} from './maker-state.js';
import { RAD, RAY, WAD, radOf } from './ray-math.js';
import { curvePrice } from './abaci.js';
import { ALI, BOB, DEFAULT_CLIP, GOLD, ME, START_S, STAIRSTEP_1PCT, TAKE_SETUP_CLIP, clipSetUp, ether, radFromWad, rayFromWad } from './testkit.js';

function mustBark(s: MakerState, feed: Ray, keeper = 'keeper', nowS = START_S) {
  const r = bark(s, { ilk: GOLD, urn: ME, keeper, nowS, feedPrice: feed });
  if (!r.ok) throw new Error(`bark refused: ${r.reason}`);
  return r.value;
}

function takeSetup() {
  const { s, feed } = clipSetUp(TAKE_SETUP_CLIP);
  const collateral = totalCollateral(s, GOLD);
  const b = mustBark(s, feed);
  expect(urnOf(s, GOLD, ME)).toEqual({ ink: 0n, art: 0n });
  const sale = s.clippers.get(GOLD)!.sales.get(1)!;
  expect(sale.tab).toBe(radFromWad(ether(110))); // 100 DAI x chop 1.1
  expect(sale.lot).toBe(ether(40));
  expect(sale.ticS).toBe(START_S);
  expect(sale.top).toBe(rayFromWad(ether(5))); // $4 plus 25%
  expect(b.id).toBe(1);
  expect(daiOf(s, ALI)).toBe(radFromWad(ether(1000)));
  return { s, feed, collateral };
}

function conserved(s: MakerState, collateral: bigint) {
  expect(vatInvariantHolds(s)).toBe(true);
  expect(totalCollateral(s, GOLD)).toBe(collateral);
}

const takeAt = (who: string, id: number, amt: bigint, max: bigint, nowS: bigint): TakeInput => ({
  ilk: GOLD,
  id,
  amt: wad(amt),
  max: ray(max),
  buyer: who,
  who,
  nowS,
});

describe('clip.t.sol kick', () => {
  it('test_kick: the keeper gets tip, then tip + chip x tab; top = feed x buf', () => {
    const { s, feed } = clipSetUp({ ...DEFAULT_CLIP, tip: radFromWad(ether(100)), chip: wad(0n) });
    const collateral = totalCollateral(s, GOLD);
    const b = mustBark(s, feed, ALI);
    expect(b.tab).toBe(radFromWad(ether(110)));
    expect(b.dink).toBe(ether(40));
    expect(b.top).toBe(rayFromWad(ether(4))); // buf = RAY
    expect(daiOf(s, ALI)).toBe(radFromWad(ether(1100))); // paid the 100 DAI tip for calling bark
    expect(urnOf(s, GOLD, ME)).toEqual({ ink: 0n, art: 0n });
    expect(gemOf(s, GOLD, ME)).toBe(ether(960));
    // 100 s later the vault is opened again and barked with buf 1.25, tip 100 DAI and chip 2%.
    frob(s, GOLD, ME, ether(40), ether(100));
    const clip = s.clippers.get(GOLD)!;
    clip.params = { ...clip.params, buf: rayFromWad(ether(125) / 100n), tip: radFromWad(ether(100)), chip: wad(ether(2) / 100n) };
    const b2 = mustBark(s, feed, BOB, START_S + 100n);
    expect(b2.id).toBe(2);
    expect(b2.tab).toBe(radFromWad(ether(110)));
    expect(b2.top).toBe(rayFromWad(ether(5)));
    expect(gemOf(s, GOLD, ME)).toBe(ether(920));
    // 1000 + 100 + tab x 0.02 = 1102.2 DAI
    expect(daiOf(s, BOB)).toBe(radFromWad(ether(1000)) + radFromWad(ether(100)) + (radFromWad(ether(110)) * (ether(2) / 100n)) / WAD);
    expect(daiOf(s, BOB)).toBe(radFromWad(ether(11022) / 10n));
    conserved(s, collateral);
  });

  it('testFail_kick_zero_price: a zero feed price gives top 0 and is refused; no price at all is invalid_price', () => {
    const { s } = clipSetUp();
    expect(bark(s, { ilk: GOLD, urn: ME, keeper: ALI, nowS: START_S, feedPrice: ray(0n) })).toEqual({ ok: false, reason: 'zero_top_price' });
    expect(bark(s, { ilk: GOLD, urn: ME, keeper: ALI, nowS: START_S, feedPrice: null })).toEqual({ ok: false, reason: 'invalid_price' });
    expect(urnOf(s, GOLD, ME)).toEqual({ ink: ether(40), art: ether(100) }); // refused: nothing changed
    expect(s.Dirt).toBe(0n);
  });
});

describe('clip.t.sol bark limits (through the Clipper)', () => {
  it('test_bark_not_leaving_dust: hole 80 DAI, no chop: 80 of 100 DAI; the remnant 20 = dust is allowed', () => {
    const { s, feed } = clipSetUp(DEFAULT_CLIP, { hole: radFromWad(ether(80)), chop: wad(WAD) });
    const b = mustBark(s, feed);
    expect(b.tab).toBe(radFromWad(ether(80)));
    expect(b.dink).toBe(ether(32)); // 40 x 80 / 100
    expect(b.top).toBe(rayFromWad(ether(4)));
    expect(urnOf(s, GOLD, ME)).toEqual({ ink: ether(8), art: ether(20) });
  });

  it('test_bark_not_leaving_dust_over_hole: room 80 DAI + 1 ray would leave < dust, so all 100 DAI go', () => {
    const { s, feed } = clipSetUp(DEFAULT_CLIP, { hole: radOf(radFromWad(ether(80)) + rayFromWad(ether(1))), chop: wad(WAD) });
    const b = mustBark(s, feed);
    expect(b.tab).toBe(radFromWad(ether(100)));
    expect(b.dink).toBe(ether(40));
    expect(urnOf(s, GOLD, ME)).toEqual({ ink: 0n, art: 0n });
  });

  it('test_bark_not_leaving_dust_rate: rate 1.02, room 100 DAI: the remnant ~2 DAI is dusty, so all 102 DAI go', () => {
    const { s, feed } = clipSetUp(DEFAULT_CLIP, { hole: radOf(100n * RAD), chop: wad(WAD) });
    fold(s, GOLD, 'vow', rayFromWad(ether(2) / 100n));
    expect(s.ilks.get(GOLD)!.rate).toBe(rayFromWad(ether(102) / 100n));
    const b = mustBark(s, feed);
    expect(b.tab).toBe(ether(100) * rayFromWad(ether(102) / 100n));
    expect(b.dink).toBe(ether(40));
    expect(urnOf(s, GOLD, ME)).toEqual({ ink: 0n, art: 0n });
    expect(vatInvariantHolds(s)).toBe(true);
  });

  it('test_bark_only_leaving_dust_over_hole_rate: room 81.6 DAI at rate 1.02 takes 80 art; the remnant equals dust 20.4', () => {
    const { s, feed } = clipSetUp(DEFAULT_CLIP, { hole: radOf((816n * RAD) / 10n), chop: wad(WAD) });
    fold(s, GOLD, 'vow', rayFromWad(ether(2) / 100n));
    s.ilks.get(GOLD)!.dust = radOf((204n * RAD) / 10n);
    upchost(s, GOLD);
    const b = mustBark(s, feed);
    expect(b.tab).toBe((816n * RAD) / 10n);
    expect(b.dink).toBe(ether(32));
    expect(urnOf(s, GOLD, ME)).toEqual({ ink: ether(8), art: ether(20) });
    expect(ether(20) * s.ilks.get(GOLD)!.rate).toBe(s.ilks.get(GOLD)!.dust);
  });

  it('test_partial_liquidation_Hole_limit and _hole_limit: tab = 75 DAI - 0.2 ray (the floors of room x WAD / rate / chop)', () => {
    for (const over of [{ Hole: radFromWad(ether(75)) }, { hole: radFromWad(ether(75)) }]) {
      const { s, feed } = clipSetUp(DEFAULT_CLIP, over);
      const chop = s.dogIlks.get(GOLD)!.chop;
      const rate = s.ilks.get(GOLD)!.rate;
      const b = mustBark(s, feed);
      // dart = floor(75e45 x 1e18 / 1e27 / 1.1e18) = 68181818181818181818; tab = dart x RAY x 1.1 = 75 rad - 0.2 ray
      expect(b.dart).toBe(68_181_818_181_818_181_818n);
      expect(b.tab).toBe(radFromWad(ether(75)) - rayFromWad(ether(2) / 10n));
      expect(b.dink).toBe((ether(40) * ((b.tab * WAD) / rate / chop)) / ether(100));
      expect(urnOf(s, GOLD, ME)).toEqual({ ink: ether(40) - b.dink, art: ether(100) - (b.tab * WAD) / rate / chop });
      expect(s.Dirt).toBe(b.tab);
      expect(s.dogIlks.get(GOLD)!.dirt).toBe(b.tab);
    }
  });
});

describe('clip.t.sol test_Hole_hole', () => {
  it('Dirt adds the tabs of two ilks; each dirt holds its own', () => {
    const { s, feed } = clipSetUp(DEFAULT_CLIP);
    const b1 = mustBark(s, feed);
    expect(s.Dirt).toBe(b1.tab);
    expect(s.dogIlks.get(GOLD)!.dirt).toBe(b1.tab);
    // silver: the same vault (40 at $2.5 spot, 100 DAI), then $4 / mat 2 makes it unsafe
    addIlk(s, 'silver', { rate: ray(RAY), spot: ray(2n * RAY), dust: radFromWad(ether(20)) }, { chop: wad((11n * WAD) / 10n), hole: radFromWad(ether(1000)) }, DEFAULT_CLIP);
    slip(s, 'silver', ME, ether(40));
    frob(s, 'silver', ME, ether(40), ether(100));
    const b2 = bark(s, { ilk: 'silver', urn: ME, keeper: 'k', nowS: START_S, feedPrice: feed });
    expect(b2.ok).toBe(true);
    const tab2 = b2.ok ? b2.value.tab : 0n;
    expect(s.Dirt).toBe(b1.tab + tab2);
    expect(s.dogIlks.get(GOLD)!.dirt).toBe(b1.tab);
    expect(s.dogIlks.get('silver')!.dirt).toBe(tab2);
    expect(vatInvariantHolds(s)).toBe(true);
  });
});

describe('clip.t.sol take (takeSetup: tab 110 DAI, lot 40, top $5, 1%/s stairstep)', () => {
  it('test_take_zero_usr: auction 2 is not running', () => {
    const { s } = takeSetup();
    expect(take(s, takeAt(ALI, 2, ether(25), rayFromWad(ether(5)), START_S))).toEqual({ ok: false, reason: 'auction_unknown' });
  });

  it('test_take_over_tab: 25 x $5 = 125 > 110: slice becomes 110 / 5 = 22, the other 18 return to the owner', () => {
    const { s, collateral } = takeSetup();
    const r = take(s, takeAt(ALI, 1, ether(25), rayFromWad(ether(5)), START_S));
    expect(r.ok && r.value).toMatchObject({ owe: radFromWad(ether(110)), slice: ether(22), returned: ether(18), ended: true });
    expect(gemOf(s, GOLD, ALI)).toBe(ether(22));
    expect(daiOf(s, ALI)).toBe(radFromWad(ether(890)));
    expect(gemOf(s, GOLD, ME)).toBe(ether(978)); // 960 + (40 - 22)
    expect(s.clippers.get(GOLD)!.sales.size).toBe(0);
    expect(s.Dirt).toBe(0n);
    expect(s.dogIlks.get(GOLD)!.dirt).toBe(0n);
    conserved(s, collateral);
  });

  it('test_take_at_tab: 22 x $5 = 110 = tab', () => {
    const { s, collateral } = takeSetup();
    take(s, takeAt(ALI, 1, ether(22), rayFromWad(ether(5)), START_S));
    expect(gemOf(s, GOLD, ALI)).toBe(ether(22));
    expect(daiOf(s, ALI)).toBe(radFromWad(ether(890)));
    expect(gemOf(s, GOLD, ME)).toBe(ether(978));
    expect(s.Dirt).toBe(0n);
    conserved(s, collateral);
  });

  it('test_take_under_tab: 11 x $5 = 55 < 110: the auction goes on with tab 55, lot 29', () => {
    const { s, collateral } = takeSetup();
    take(s, takeAt(ALI, 1, ether(11), rayFromWad(ether(5)), START_S));
    expect(gemOf(s, GOLD, ALI)).toBe(ether(11));
    expect(daiOf(s, ALI)).toBe(radFromWad(ether(945)));
    expect(gemOf(s, GOLD, ME)).toBe(ether(960)); // not returned (yet)
    const sale = s.clippers.get(GOLD)!.sales.get(1)!;
    expect(sale.tab).toBe(radFromWad(ether(55)));
    expect(sale.lot).toBe(ether(29));
    expect(sale.top).toBe(rayFromWad(ether(5)));
    expect(s.Dirt).toBe(sale.tab);
    expect(s.dogIlks.get(GOLD)!.dirt).toBe(sale.tab);
    conserved(s, collateral);
  });

  it('test_take_full_lot_partial_tab: at 69 s (~50% down) 40 gold sell for ~100 < 110; all dirt cleared', () => {
    const { s, collateral } = takeSetup();
    const now = START_S + 69n;
    const price = saleStatus(s.clippers.get(GOLD)!, s.clippers.get(GOLD)!.sales.get(1)!, now).price;
    const r = take(s, takeAt(ALI, 1, ether(40), rayFromWad(ether(25) / 10n), now));
    expect(r.ok).toBe(true);
    expect(gemOf(s, GOLD, ALI)).toBe(ether(40));
    const paid = radFromWad(ether(1000)) - daiOf(s, ALI);
    expect(paid).toBe(ether(40) * price); // 40 x 5 x 0.99^69
    expect(radFromWad(ether(100)) - paid < radFromWad(ether(1) / 10n)).toBe(true); // "paid about 100"
    expect(r.ok && r.value.uncovered).toBe(radFromWad(ether(110)) - paid); // left with the vow as sin
    expect(gemOf(s, GOLD, ME)).toBe(ether(960));
    expect(s.Dirt).toBe(0n);
    expect(s.dogIlks.get(GOLD)!.dirt).toBe(0n);
    conserved(s, collateral);
  });

  it('testFail_take_bid_too_low: max $4 < price $5', () => {
    const { s } = takeSetup();
    expect(take(s, takeAt(ALI, 1, ether(22), rayFromWad(ether(4)), START_S))).toEqual({ ok: false, reason: 'too_expensive' });
    expect(daiOf(s, ALI)).toBe(radFromWad(ether(1000)));
  });

  it('test_take_bid_recalculates_due_to_chost_check: 18 x $5 = 90 would leave 20 < chost 22: owe becomes 88', () => {
    const { s, collateral } = takeSetup();
    const clip = s.clippers.get(GOLD)!;
    expect(clip.chost).toBe(radFromWad(ether(22))); // wmul(dust 20, chop 1.1)
    const st = getStatus(clip, 1, START_S);
    expect(st).toEqual({ needsRedo: false, price: rayFromWad(ether(5)), lot: ether(40), tab: radFromWad(ether(110)) });
    take(s, takeAt(ALI, 1, 18n * WAD, rayFromWad(ether(5)), START_S));
    const sale = clip.sales.get(1)!;
    expect(sale.tab).toBe(clip.chost);
    expect(sale.lot).toBe(ether(40) - (110n * RAD - clip.chost) / st.price); // 40 - 88 / 5 = 22.4
    conserved(s, collateral);
  });

  it('test_take_bid_avoids_recalculate_due_no_more_lot: at 60 s price 2.7357..., the whole lot sells (109.4 < 110)', () => {
    const { s, collateral } = takeSetup();
    const now = START_S + 60n;
    expect(getStatus(s.clippers.get(GOLD)!, 1, now).price).toBe(2_735_783_211_953_807_380_973_706_855n);
    take(s, takeAt(ALI, 1, ether(40), rayFromWad(ether(28) / 10n), now));
    expect(s.clippers.get(GOLD)!.sales.size).toBe(0);
    conserved(s, collateral);
  });

  it('test_take_bid_fails_no_partial_allowed: after 17.6 at $5 tab 22 = chost: only the whole lot may be bought', () => {
    const { s, collateral } = takeSetup();
    const clip = s.clippers.get(GOLD)!;
    take(s, takeAt(ME, 1, (176n * WAD) / 10n, rayFromWad(ether(5)), START_S));
    const sale = clip.sales.get(1)!;
    expect(sale.tab).toBe(radFromWad(ether(22)));
    expect(sale.lot).toBe((224n * WAD) / 10n);
    expect(sale.tab > clip.chost).toBe(false);
    expect(take(s, takeAt(ME, 1, ether(1), rayFromWad(ether(5)), START_S))).toEqual({ ok: false, reason: 'no_partial_purchase' });
    const r = take(s, takeAt(ME, 1, sale.tab / rayFromWad(ether(5)), rayFromWad(ether(5)), START_S)); // the whole tab
    expect(r.ok && r.value.ended).toBe(true);
    conserved(s, collateral);
  });

  it('test_take_multiple_bids_different_prices: 10 at $5, then the rest at 5 x 0.99^30 after 30 s', () => {
    const { s, collateral } = takeSetup();
    take(s, takeAt(ALI, 1, ether(10), rayFromWad(ether(5)), START_S));
    expect(gemOf(s, GOLD, ALI)).toBe(ether(10));
    expect(daiOf(s, ALI)).toBe(radFromWad(ether(950)));
    const sale = s.clippers.get(GOLD)!.sales.get(1)!;
    expect(sale.tab).toBe(radFromWad(ether(60)));
    expect(sale.lot).toBe(ether(30));
    const now = START_S + 30n;
    const st = getStatus(s.clippers.get(GOLD)!, 1, now);
    take(s, takeAt(BOB, 1, st.lot, st.price, now));
    expect(s.clippers.get(GOLD)!.sales.size).toBe(0);
    const expectedGem = (RAY * ether(60)) / st.price; // tab / price
    expect(gemOf(s, GOLD, BOB)).toBe(expectedGem);
    expect(daiOf(s, BOB)).toBe(radFromWad(ether(940))); // paid the rest of the tab (60)
    expect(gemOf(s, GOLD, ME)).toBe(ether(960) + ether(30) - expectedGem); // collateral returned
    conserved(s, collateral);
  });
});

describe('clip.t.sol redo', () => {
  // auctionResetSetup(tau): LinearDecrease(tau), buf 1.25, cusp 0.5, tail 1 h, dust 20.
  function resetSetup(tauS: bigint) {
    const { s, feed } = clipSetUp({
      ...DEFAULT_CLIP,
      curve: { kind: 'linear_decrease', tauS },
      buf: rayFromWad(ether(125) / 100n),
      cusp: rayFromWad(ether(5) / 10n),
      tailS: 3600n,
    });
    mustBark(s, feed);
    return s;
  }
  const three = rayFromWad(ether(3)); // the feed moved to $3 before the reset

  it('test_auction_reset_tail: no redo at 3600 s, redo at 3601 s at $3 x 1.25 = $3.75', () => {
    const s = resetSetup(36_000n); // 10 hours to zero
    const clip = s.clippers.get(GOLD)!;
    expect(clip.sales.get(1)!.top).toBe(rayFromWad(ether(5)));
    expect(getStatus(clip, 1, START_S + 3600n).needsRedo).toBe(false);
    expect(redo(s, { ilk: GOLD, id: 1, keeper: ME, nowS: START_S + 3600n, feedPrice: three })).toEqual({ ok: false, reason: 'cannot_reset' });
    expect(getStatus(clip, 1, START_S + 3601n).needsRedo).toBe(true);
    expect(redo(s, { ilk: GOLD, id: 1, keeper: ME, nowS: START_S + 3601n, feedPrice: three }).ok).toBe(true);
    expect(clip.sales.get(1)!.ticS).toBe(START_S + 3601n);
    expect(clip.sales.get(1)!.top).toBe(rayFromWad(ether(375) / 100n));
    // test_auction_reset_tail_twice: a second redo right away is refused
    expect(redo(s, { ilk: GOLD, id: 1, keeper: ME, nowS: START_S + 3601n, feedPrice: three })).toEqual({ ok: false, reason: 'cannot_reset' });
  });

  it('test_auction_reset_cusp: tau 1 h: at 1800 s the price is exactly 50% (not below cusp), at 1801 s below', () => {
    const s = resetSetup(3600n);
    const clip = s.clippers.get(GOLD)!;
    expect(getStatus(clip, 1, START_S + 1800n)).toMatchObject({ needsRedo: false, price: rayFromWad(ether(25) / 10n) });
    expect(redo(s, { ilk: GOLD, id: 1, keeper: ME, nowS: START_S + 1800n, feedPrice: three }).ok).toBe(false);
    expect(getStatus(clip, 1, START_S + 1801n).needsRedo).toBe(true);
    expect(redo(s, { ilk: GOLD, id: 1, keeper: ME, nowS: START_S + 1801n, feedPrice: three }).ok).toBe(true);
    expect(clip.sales.get(1)!.top).toBe(rayFromWad(ether(375) / 100n));
    // test_auction_reset_cusp_twice
    expect(redo(s, { ilk: GOLD, id: 1, keeper: ME, nowS: START_S + 1801n, feedPrice: three }).ok).toBe(false);
  });

  it('testFail_redo_zero_price and test_redo_zero_usr', () => {
    const s = resetSetup(3600n);
    expect(redo(s, { ilk: GOLD, id: 1, keeper: ME, nowS: START_S + 1801n, feedPrice: ray(0n) })).toEqual({ ok: false, reason: 'zero_top_price' });
    expect(redo(s, { ilk: GOLD, id: 2, keeper: ME, nowS: START_S + 1801n, feedPrice: three })).toEqual({ ok: false, reason: 'auction_unknown' });
  });

  it('test_redo_incentive: tip, tip + chip x tab, chip x tab; nothing when tab < chost or the lot is dusty at the feed price', () => {
    const { s, feed, collateral } = takeSetup();
    const clip = s.clippers.get(GOLD)!;
    const tab = radFromWad(ether(110));
    clip.params = { ...clip.params, tip: radFromWad(ether(100)), chip: wad(0n) };
    let now = START_S + 300n;
    redo(s, { ilk: GOLD, id: 1, keeper: 'k123', nowS: now, feedPrice: feed });
    expect(daiOf(s, 'k123')).toBe(radFromWad(ether(100)));
    clip.params = { ...clip.params, chip: wad(ether(2) / 100n) };
    now += 300n;
    redo(s, { ilk: GOLD, id: 1, keeper: 'k234', nowS: now, feedPrice: feed });
    expect(daiOf(s, 'k234')).toBe(radFromWad(ether(100)) + (ether(2) / 100n) * tab / WAD);
    clip.params = { ...clip.params, tip: radOf(0n) };
    now += 300n;
    redo(s, { ilk: GOLD, id: 1, keeper: 'k345', nowS: now, feedPrice: feed });
    expect(daiOf(s, 'k345')).toBe((ether(2) / 100n) * tab / WAD);
    s.ilks.get(GOLD)!.dust = radOf(radFromWad(ether(100)) + 1n); // wmul(dust, chop) > 110 DAI
    upchost(s, GOLD);
    expect(clip.chost).toBe(110n * RAD + 1n);
    now += 300n;
    redo(s, { ilk: GOLD, id: 1, keeper: 'k456', nowS: now, feedPrice: feed });
    expect(daiOf(s, 'k456')).toBe(0n);
    s.ilks.get(GOLD)!.dust = radFromWad(ether(20));
    upchost(s, GOLD);
    expect(clip.chost).toBe(22n * RAD);
    now += 100n;
    const price = getStatus(clip, 1, now).price;
    expect(price).toBe(1_830_161_706_366_147_524_653_080_130n); // 5 x 0.99^100
    take(s, takeAt(ME, 1, ether(38), rayFromWad(ether(5)), now));
    const sale = clip.sales.get(1)!;
    expect(sale.tab).toBe(radFromWad(ether(110)) - ether(38) * price); // > chost 22
    expect(sale.lot).toBe(ether(2)); // 2 x $4 < $22: dusty collateral
    now += 300n;
    redo(s, { ilk: GOLD, id: 1, keeper: 'k567', nowS: now, feedPrice: feed });
    expect(daiOf(s, 'k567')).toBe(0n);
    conserved(s, collateral);
  });
});

describe('clip.t.sol breaker (test_stopped_*)', () => {
  it('1 stops kick; 2 also redo; 3 also take', () => {
    const { s, feed } = clipSetUp({ ...DEFAULT_CLIP, stopped: 1 });
    expect(bark(s, { ilk: GOLD, urn: ME, keeper: ALI, nowS: START_S, feedPrice: feed })).toEqual({ ok: false, reason: 'clipper_stopped' });
    expect(urnOf(s, GOLD, ME).art).toBe(ether(100));
    const t = takeSetup();
    const clip = t.s.clippers.get(GOLD)!;
    clip.params = { ...clip.params, stopped: 2 };
    expect(take(t.s, takeAt(ALI, 1, ether(1), rayFromWad(ether(5)), START_S)).ok).toBe(true);
    expect(redo(t.s, { ilk: GOLD, id: 1, keeper: ME, nowS: START_S + 3601n, feedPrice: feed })).toEqual({ ok: false, reason: 'clipper_stopped' });
    clip.params = { ...clip.params, stopped: 3 };
    expect(take(t.s, takeAt(ALI, 1, ether(1), rayFromWad(ether(5)), START_S))).toEqual({ ok: false, reason: 'clipper_stopped' });
  });
});

describe('the clock stops while the price feed or the engine is paused (Bailiff)', () => {
  it('the price holds during a pause and resumes where it stopped; take and redo are refused meanwhile', () => {
    const { s, feed } = takeSetup();
    const clip = s.clippers.get(GOLD)!;
    const at10 = getStatus(clip, 1, START_S + 10n).price; // 5 x 0.99^10
    expect(pauseClock(clip, 'feed', START_S + 10n)).toBe(true);
    expect(getStatus(clip, 1, START_S + 500n).price).toBe(at10); // frozen
    expect(take(s, takeAt(ALI, 1, ether(1), rayFromWad(ether(5)), START_S + 500n))).toEqual({ ok: false, reason: 'auction_clock_paused' });
    expect(redo(s, { ilk: GOLD, id: 1, keeper: ME, nowS: START_S + 5000n, feedPrice: feed })).toEqual({ ok: false, reason: 'auction_clock_paused' });
    // the engine pauses too; the feed comes back first: the clock still stands
    expect(pauseClock(clip, 'engine', START_S + 600n)).toBe(false);
    expect(resumeClock(clip, 'feed', START_S + 700n)).toBe(false);
    expect(getStatus(clip, 1, START_S + 800n).price).toBe(at10);
    expect(resumeClock(clip, 'engine', START_S + 1000n)).toBe(true); // paused 990 s in all
    expect(clip.sales.get(1)!.pausedS).toBe(990n);
    // 1005 s after the start, the auction has run 15 s: 5 x 0.99^15
    const at15 = getStatus(clip, 1, START_S + 15n + 990n).price;
    expect(at15).toBe(curvePrice(STAIRSTEP_1PCT, rayFromWad(ether(5)), 15n));
    // cusp 0.3 counts running time too: 0.99^119 = 0.3024 > 0.3, 0.99^120 = 0.2994 < 0.3
    expect(getStatus(clip, 1, START_S + 119n + 990n).needsRedo).toBe(false);
    expect(getStatus(clip, 1, START_S + 120n + 990n).needsRedo).toBe(true);
    const r = take(s, takeAt(ALI, 1, ether(1), at15, START_S + 1005n));
    expect(r.ok && r.value.price).toBe(at15);
  });

  it('a bark is refused while the clock is paused (no auction starts on a paused feed)', () => {
    const { s, feed } = clipSetUp(TAKE_SETUP_CLIP);
    pauseClock(s.clippers.get(GOLD)!, 'engine', START_S);
    expect(bark(s, { ilk: GOLD, urn: ME, keeper: ALI, nowS: START_S, feedPrice: feed })).toEqual({ ok: false, reason: 'auction_clock_paused' });
    expect(urnOf(s, GOLD, ME).art).toBe(ether(100));
    expect(s.Dirt).toBe(0n);
    expect(gemOf(s, GOLD, clipperHolder(GOLD))).toBe(0n);
  });
});
