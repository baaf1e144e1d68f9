// Threshold-encrypted sealed bids: a 3-of-5 committee opens the bids of examples/auctions/maker-auctions.json's batch
// after the commit window and the engine settles it as when the bidders revealed themselves; fewer shares, altered
// bytes, another auction or bidder, or another member's key open nothing.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RAY, WAD } from '../core/auctions/ray-math.js';
import type { Command } from '../core/engine/commands.js';
import { Engine } from '../core/engine/engine.js';
import type { EngineEvent } from '../core/engine/events.js';
import { ppm, ray, wad } from '../core/units/index.js';
import { decodeAuctionScenario } from '../wire/auctions.js';
import { sealedBidDigest } from '../wire/sealed-bid.js';
import { newCommitteeMember, openBid, openShare, sealBidForCommittee, ThresholdBidError, type BidEnvelope, type BidPlaintext } from './threshold-bids.js';

const EXAMPLE = new URL('../../examples/auctions/maker-auctions.json', import.meta.url);
const committee = ['m1', 'm2', 'm3', 'm4', 'm5'].map(newCommitteeMember);
const members = committee.map((c) => c.member);
const AUCTION = 'gold-sb-1';
const bids: BidPlaintext[] = [
  { auction: AUCTION, bidder: 'ali', price: 4n * RAY, quantity: 20n * WAD, saltHex: 'ab'.repeat(32) },
  { auction: AUCTION, bidder: 'bob', price: (35n * RAY) / 10n, quantity: 15n * WAD, saltHex: 'cd'.repeat(32) },
];
const digestOf = (b: BidPlaintext): string => sealedBidDigest(b.auction, b.bidder, b.price, b.quantity, b.saltHex);
const released = (env: BidEnvelope, who: readonly number[]): Uint8Array[] => who.map((i) => openShare(env, members[i]!.id, committee[i]!.privateKey));

describe('threshold-encrypted sealed bids (3 of 5)', () => {
  it('the committee opens every bid after the commit window; the engine settles the batch as with self-revealed bids', async () => {
    const sc = decodeAuctionScenario(JSON.parse(readFileSync(EXAMPLE, 'utf8')));
    const engine = Engine.create({ settlement: { asset: 'DAI', decimals: 18 }, settlementLtvPpm: ppm(0n), settlementLiquidationThresholdPpm: ppm(0n) });
    const run = (c: Command): EngineEvent[] => engine.apply(c);
    // set-up, bark, take, sealed_bark: as the example
    for (const c of [sc.setup, ...sc.commands.slice(0, 3)]) expect(run(c).map((e) => e.kind)).not.toContain('CommandRejected');
    const t0 = sc.commands[0]!.tsMs;
    // Each bidder commits its digest and publishes its envelope (nobody can read it: the key is split 3 of 5).
    const envelopes = await Promise.all(bids.map((b) => sealBidForCommittee(b, members, 3)));
    for (const b of bids) expect(run({ kind: 'sealed_commit', tsMs: t0 + 10_000, auction: AUCTION, bidder: b.bidder, digestHex: digestOf(b) })[0]?.kind).toBe('SealedBidCommitted');
    // After the commit window, three members (any three) release their shares; anyone combines them.
    const opened = [await openBid(envelopes[0]!, released(envelopes[0]!, [0, 2, 4])), await openBid(envelopes[1]!, released(envelopes[1]!, [1, 2, 3]))];
    expect(opened).toEqual(bids);
    for (const o of opened) {
      const reveal = run({ kind: 'sealed_reveal', tsMs: t0 + 70_000, auction: AUCTION, bidder: o.bidder, price: ray(o.price), quantity: wad(o.quantity), saltHex: o.saltHex, digestHex: digestOf(o) });
      expect(reveal[0]?.kind).toBe('SealedBidRevealed');
    }
    const settled = run(sc.commands.at(-1)!);
    expect(settled[0]).toMatchObject({ kind: 'SealedBidSettled', price: (35n * RAY) / 10n, winners: 2 });
  });

  it('fewer than the threshold, an altered share or envelope, or a replay for another bidder open nothing', async () => {
    const env = await sealBidForCommittee(bids[0]!, members, 3);
    await expect(openBid(env, released(env, [0, 1]))).rejects.toThrow(ThresholdBidError); // 2 of 3
    // Two shares with a third forged: combine returns a wrong key; GCM's tag refuses it.
    const forged = [...released(env, [0, 1]), released(env, [2])[0]!.map((x, i) => (i === 1 ? x ^ 1 : x))];
    await expect(openBid(env, forged)).rejects.toThrow(/authentication failed/);
    const flipped: BidEnvelope = { ...env, ciphertextHex: (parseInt(env.ciphertextHex[0]!, 16) ^ 1).toString(16) + env.ciphertextHex.slice(1) };
    await expect(openBid(flipped, released(env, [0, 1, 2]))).rejects.toThrow(/authentication failed/);
    // The same envelope claimed for bob (associated data: auction and bidder) does not open.
    await expect(openBid({ ...env, bidder: 'bob' }, released(env, [0, 1, 2]))).rejects.toThrow(/authentication failed/);
    // A member's key opens its own share only.
    expect(() => openShare(env, 'm2', committee[0]!.privateKey)).toThrow(/authentication failed/);
    // Different envelopes of the same bid share nothing (a fresh key and fresh nonces each time).
    const again = await sealBidForCommittee(bids[0]!, members, 3);
    expect(again.ciphertextHex).not.toBe(env.ciphertextHex);
  });

  it('refuses a committee or threshold the scheme cannot serve', async () => {
    await expect(sealBidForCommittee(bids[0]!, members, 1)).rejects.toThrow(/threshold/);
    await expect(sealBidForCommittee(bids[0]!, members, 6)).rejects.toThrow(/threshold/);
    await expect(sealBidForCommittee(bids[0]!, [members[0]!, members[0]!], 2)).rejects.toThrow(/unique/);
  });
});
