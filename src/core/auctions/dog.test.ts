// Golden tests from makerdao/dss src/test/dog.t.sol (commit fa4f6630afb0624d04a003e920b0d71a00331d98). Its set-up:
// spot 1000 ray, dust 100 DAI, chop 1.1, Hole and hole 10,000 DAI, rate 1 (folded to 1.5 where the test says so).
// dog.t.sol uses a Clipper mock; here the real Clipper kicks (at a $1000 feed), which changes nothing the tests assert.
import { describe, expect, it } from 'vitest';
import { ray, wad } from '../units/index.js';
import { bark, planBark } from './dog.js';
import { addIlk, emptyMakerState, fold, frob, slip, urnOf, vatInvariantHolds, type MakerState } from './maker-state.js';
import { RAD, RAY, WAD, radOf } from './ray-math.js';
import { DEFAULT_CLIP } from './testkit.js';

const ILK = 'gold';
const USR = 'usr1337';
const THOUSAND = 1000n;
const FEED = ray(THOUSAND * RAY);

function setUp(): MakerState {
  const s = emptyMakerState(radOf(10n * THOUSAND * RAD));
  addIlk(s, ILK, { rate: ray(RAY), spot: ray(THOUSAND * RAY), dust: radOf(100n * RAD) }, { chop: wad((11n * WAD) / 10n), hole: radOf(10n * THOUSAND * RAD) }, DEFAULT_CLIP);
  return s;
}

/** dog.t.sol setUrn: a vault of ink and art (the model opens it with frob; dog.t.sol with suck + grab). */
function setUrn(s: MakerState, ink: bigint, art: bigint): void {
  slip(s, ILK, USR, ink);
  frob(s, ILK, USR, ink, art);
}

function isDusty(s: MakerState): boolean {
  const due = urnOf(s, ILK, USR).art * s.ilks.get(ILK)!.rate;
  return due > 0n && due < s.ilks.get(ILK)!.dust;
}

const doBark = (s: MakerState) => bark(s, { ilk: ILK, urn: USR, keeper: 'kpr', nowS: 0n, feedPrice: FEED });
const chopOf = (s: MakerState) => s.dogIlks.get(ILK)!.chop;

describe('dog.t.sol', () => {
  it('test_bark_basic: 1 gold at spot 1000 against 2000 DAI is unsafe and liquidated whole', () => {
    const s = setUp();
    setUrn(s, WAD, 2n * THOUSAND * WAD);
    expect(doBark(s).ok).toBe(true);
    expect(urnOf(s, ILK, USR)).toEqual({ ink: 0n, art: 0n });
    expect(vatInvariantHolds(s)).toBe(true);
  });

  it('testFail_bark_not_unsafe: 1 gold against 500 DAI is safe', () => {
    const s = setUp();
    setUrn(s, WAD, 500n * WAD);
    expect(doBark(s)).toEqual({ ok: false, reason: 'not_unsafe' });
  });

  it('test_bark_dusty_vault: a vault already below dust is liquidated', () => {
    const s = setUp();
    s.ilks.get(ILK)!.dust = radOf(200n * RAD);
    setUrn(s, 1n, 100n * WAD);
    expect(isDusty(s)).toBe(true);
    expect(doBark(s).ok).toBe(true);
  });

  for (const limit of ['hole', 'Hole'] as const) {
    const setLimit = (s: MakerState, v: bigint) => {
      if (limit === 'hole') s.dogIlks.get(ILK)!.hole = radOf(v);
      else s.Hole = radOf(v);
    };
    const dirtOf = (s: MakerState) => (limit === 'hole' ? s.dogIlks.get(ILK)!.dirt : s.Dirt);

    it(`test_bark_partial_liquidation_${limit === 'hole' ? 'dirt_exceeds_hole' : 'Dirt_exceeds_Hole'}_to_avoid_dusty_remnant`, () => {
      const s = setUp();
      s.ilks.get(ILK)!.dust = radOf(200n * RAD);
      setLimit(s, 5n * THOUSAND * RAD);
      const chop = chopOf(s);
      const artStart = (5n * THOUSAND * WAD * WAD) / chop + 200n * WAD - 1n;
      setUrn(s, WAD, artStart);
      expect(doBark(s).ok).toBe(true);
      expect(isDusty(s)).toBe(false);
      expect(urnOf(s, ILK, USR).art).toBe(0n); // all liquidated, the limit exceeded by less than dust x chop
      expect(dirtOf(s) > 5n * THOUSAND * RAD).toBe(true);
      expect(dirtOf(s)).toBe((artStart * RAY * chop) / WAD);
    });

    it(`test_bark_partial_liquidation_${limit === 'hole' ? 'dirt_does_not_exceed_hole' : 'Dirt_does_not_exceed_Hole'}_if_remnant_is_nondusty`, () => {
      const s = setUp();
      s.ilks.get(ILK)!.dust = radOf(200n * RAD);
      setLimit(s, 5n * THOUSAND * RAD);
      const chop = chopOf(s);
      setUrn(s, WAD, (5n * THOUSAND * WAD * WAD) / chop + 200n * WAD);
      expect(doBark(s).ok).toBe(true);
      expect(isDusty(s)).toBe(false);
      expect(urnOf(s, ILK, USR).art).toBe(200n * WAD); // the remnant is exactly dust
      expect(dirtOf(s) <= 5n * THOUSAND * RAD).toBe(true);
      expect(dirtOf(s)).toBe(((((5n * THOUSAND * RAD * WAD) / RAY / chop) * RAY) * chop) / WAD);
    });

    it(`test_bark_do_not_create_dusty_auction_${limit}: room for only a dusty partial auction refuses the bark`, () => {
      const s = setUp();
      s.ilks.get(ILK)!.dust = radOf(300n * RAD);
      setLimit(s, 3n * THOUSAND * RAD);
      fold(s, ILK, 'vow', (5n * RAY) / 10n);
      const rate = s.ilks.get(ILK)!.rate;
      expect(rate).toBe((15n * RAY) / 10n);
      const chop = chopOf(s);
      setUrn(s, WAD, ((((3n * THOUSAND - 150n) * RAD) / rate) * WAD) / chop);
      expect(doBark(s).ok).toBe(true);
      const room = 3n * THOUSAND * RAD - dirtOf(s);
      const dart = (room * WAD) / rate / chop;
      expect(dart * rate < 300n * RAD).toBe(true);
      setUrn(s, WAD, (3n * THOUSAND * WAD * WAD) / chop);
      expect(doBark(s)).toEqual({ ok: false, reason: 'dusty_auction_from_partial_liquidation' });
    });
  }

  it('test_bark_dusty_vault_dusty_room: a dusty vault that fits in a dusty room is still liquidated', () => {
    const s = setUp();
    const CHOP = (110n * WAD) / 100n;
    s.dogIlks.get(ILK)!.chop = wad(CHOP);
    const ROOM = 200n;
    const HOLE = 33n * THOUSAND + ROOM;
    s.Hole = radOf(HOLE * RAD);
    s.dogIlks.get(ILK)!.hole = radOf(HOLE * RAD);
    fold(s, ILK, 'vow', (5n * RAY) / 10n);
    const rate = s.ilks.get(ILK)!.rate;
    expect(rate).toBe((15n * RAY) / 10n);
    setUrn(s, WAD, (((HOLE - ROOM) * RAD) / rate * WAD) / CHOP);
    expect(doBark(s).ok).toBe(true);
    expect(HOLE * RAD - s.Dirt).toBe(ROOM * RAD);
    expect(HOLE * RAD - s.dogIlks.get(ILK)!.dirt).toBe(ROOM * RAD);
    s.ilks.get(ILK)!.dust = radOf(30n * RAD);
    setUrn(s, WAD / 10n ** 4n, (30n * RAD) / rate);
    s.ilks.get(ILK)!.dust = radOf(1500n * RAD); // the dust limit goes up: the vault is now dusty
    expect(isDusty(s)).toBe(true);
    expect(s.Hole - s.Dirt < (1500n * RAD * CHOP) / WAD).toBe(true);
    expect((30n * RAD * CHOP) / WAD < ROOM * RAD).toBe(true);
    expect(doBark(s).ok).toBe(true);
    expect(vatInvariantHolds(s)).toBe(true);
  });

  it('a refused bark changes nothing (planBark is pure; bark checks every refusal before it mutates)', () => {
    const s = setUp();
    setUrn(s, WAD, 2n * THOUSAND * WAD);
    s.live = false;
    expect(doBark(s)).toEqual({ ok: false, reason: 'dog_not_live' });
    s.live = true;
    s.Hole = radOf(0n);
    expect(planBark(s, { ilk: ILK, urn: USR, keeper: 'k', nowS: 0n, feedPrice: FEED })).toEqual({ ok: false, reason: 'liquidation_limit_hit' });
    expect(urnOf(s, ILK, USR)).toEqual({ ink: WAD, art: 2n * THOUSAND * WAD });
    expect(s.Dirt).toBe(0n);
    expect(bark(s, { ilk: 'silver', urn: USR, keeper: 'k', nowS: 0n, feedPrice: FEED })).toEqual({ ok: false, reason: 'ilk_unknown' });
  });
});
