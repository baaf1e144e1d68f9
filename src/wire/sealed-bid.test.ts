import { describe, expect, it } from 'vitest';
import { newSealedBidSalt, sealedBidDigest } from './sealed-bid.js';

describe('sealed-bid digests at the edge', () => {
  it('is SHA-256 of the canonical preimage (checked against coreutils sha256sum)', () => {
    // printf 'bailiff-sealed-bid-v1\ngold-sb-1\nali\n4000000000000000000000000000\n5000000000000000000\nabab...ab' | sha256sum
    expect(sealedBidDigest('gold-sb-1', 'ali', 4n * 10n ** 27n, 5n * 10n ** 18n, 'ab'.repeat(16))).toBe(
      '4c57d6a15eb9d0f4555a29919e7c10ce9fea4809770dc47ab8c1cdae5d59268f',
    );
  });
  it('binds the bidder: the same bid and salt by another bidder has another digest', () => {
    expect(sealedBidDigest('gold-sb-1', 'bob', 4n * 10n ** 27n, 5n * 10n ** 18n, 'ab'.repeat(16))).not.toBe(
      sealedBidDigest('gold-sb-1', 'ali', 4n * 10n ** 27n, 5n * 10n ** 18n, 'ab'.repeat(16)),
    );
  });
  it('fresh salts are 32 random bytes as lowercase hex', () => {
    const a = newSealedBidSalt();
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(newSealedBidSalt()).not.toBe(a);
  });
});
