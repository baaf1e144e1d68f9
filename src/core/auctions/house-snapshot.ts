// The auction house's state as plain data (arrays, strings, bigints; no Maps or Sets), for snapshots and journals,
// and back. restoreAuctionHouse(snapshotAuctionHouse(h)) continues exactly as h would (house-snapshot.test.ts).

import { assert } from '../assert.js';
import type { Ray, Wad } from '../units/index.js';
import type { AuctionHouse } from './house.js';
import type { ClipperParams, ClockPause, DogIlk, MakerState, Sale, Urn, VatIlk } from './maker-state.js';
import type { Rad } from './ray-math.js';
import type { Commitment, RevealedBid, SealedBidParams } from './sealed-bid.js';

export interface AuctionHouseSnapshot {
  readonly ilks: readonly (readonly [string, VatIlk])[];
  readonly urns: readonly (readonly [string, Urn])[];
  readonly gem: readonly (readonly [string, Wad])[];
  readonly dai: readonly (readonly [string, Rad])[];
  readonly sin: readonly (readonly [string, Rad])[];
  readonly live: boolean;
  readonly Hole: Rad;
  readonly Dirt: Rad;
  readonly dogIlks: readonly (readonly [string, DogIlk])[];
  readonly clippers: readonly {
    readonly ilk: string;
    readonly params: ClipperParams;
    readonly chost: Rad;
    readonly kicks: number;
    readonly sales: readonly Sale[];
    readonly pausedBy: readonly ClockPause[];
    readonly pausedSinceS: bigint | null;
  }[];
  readonly sealed: readonly {
    readonly id: string;
    readonly ilk: string;
    readonly urn: string;
    readonly feedPrice: Ray;
    readonly owner: string;
    readonly params: SealedBidParams;
    readonly commitments: readonly (readonly [string, Commitment])[];
    readonly reveals: readonly RevealedBid[];
    readonly settled: boolean;
  }[];
  readonly sealedCount: number;
}

const entries = <V extends object>(m: Map<string, V>): [string, V][] => [...m.entries()].map(([k, v]) => [k, { ...v }]);

export function snapshotAuctionHouse(h: AuctionHouse): AuctionHouseSnapshot {
  const s = h.maker;
  return {
    ilks: entries(s.ilks),
    urns: entries(s.urns),
    gem: [...s.gem.entries()],
    dai: [...s.dai.entries()],
    sin: [...s.sin.entries()],
    live: s.live,
    Hole: s.Hole,
    Dirt: s.Dirt,
    dogIlks: entries(s.dogIlks),
    clippers: [...s.clippers.values()].map((c) => ({
      ilk: c.ilk,
      params: c.params,
      chost: c.chost,
      kicks: c.kicks,
      sales: [...c.sales.values()].map((sale) => ({ ...sale })),
      pausedBy: [...c.pausedBy],
      pausedSinceS: c.pausedSinceS,
    })),
    sealed: [...h.sealed.entries()].map(([id, l]) => ({
      id,
      ilk: l.ilk,
      urn: l.urn,
      feedPrice: l.feedPrice,
      owner: l.auction.owner,
      params: l.auction.params,
      commitments: [...l.auction.commitments.entries()],
      reveals: [...l.auction.reveals.values()],
      settled: l.auction.settled,
    })),
    sealedCount: h.sealedCount,
  };
}

export function restoreAuctionHouse(snap: AuctionHouseSnapshot): AuctionHouse {
  const maker: MakerState = {
    ilks: new Map(snap.ilks.map(([k, v]) => [k, { ...v }])),
    urns: new Map(snap.urns.map(([k, v]) => [k, { ...v }])),
    gem: new Map(snap.gem),
    dai: new Map(snap.dai),
    sin: new Map(snap.sin),
    live: snap.live,
    Hole: snap.Hole,
    Dirt: snap.Dirt,
    dogIlks: new Map(snap.dogIlks.map(([k, v]) => [k, { ...v }])),
    clippers: new Map(
      snap.clippers.map((c) => [
        c.ilk,
        {
          ilk: c.ilk,
          params: c.params,
          chost: c.chost,
          kicks: c.kicks,
          sales: new Map(c.sales.map((sale) => [sale.id, { ...sale }])),
          pausedBy: new Set(c.pausedBy),
          pausedSinceS: c.pausedSinceS,
        },
      ]),
    ),
  };
  for (const c of maker.clippers.values()) assert((c.pausedBy.size === 0) === (c.pausedSinceS === null), 'restoreAuctionHouse: a pause has a start');
  return {
    maker,
    sealed: new Map(
      snap.sealed.map((l) => [
        l.id,
        {
          ilk: l.ilk,
          urn: l.urn,
          feedPrice: l.feedPrice,
          auction: {
            id: l.id,
            params: l.params,
            owner: l.owner,
            commitments: new Map(l.commitments),
            reveals: new Map(l.reveals.map((b) => [b.bidder, b])),
            settled: l.settled,
          },
        },
      ]),
    ),
    sealedCount: snap.sealedCount,
  };
}
