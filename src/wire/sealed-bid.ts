// The edge's half of sealed bids: SHA-256 over the UTF-8 bytes of the core's canonical preimage (core has no hashing
// library; src/core/auctions/sealed-bid.ts takes the digest as an input). Bidders use sealedBidDigest to commit; the
// wire and the verifier use it to compute a reveal's digest from its revealed fields.
import { createHash, randomBytes } from 'node:crypto';
import { sealedBidPreimage } from '../core/auctions/sealed-bid.js';

export function sealedBidDigest(auctionId: string, bidder: string, price: bigint, quantity: bigint, saltHex: string): string {
  return createHash('sha256').update(sealedBidPreimage(auctionId, bidder, price, quantity, saltHex), 'utf8').digest('hex');
}

/** A fresh 32-byte salt as lowercase hex (a bidder's secret; never derived from the bid). */
export function newSealedBidSalt(): string {
  return randomBytes(32).toString('hex');
}
