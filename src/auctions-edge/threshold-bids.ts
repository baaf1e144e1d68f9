// Threshold-encrypted sealed bids (issue 18, optional; docs/auctions.md): a bidder encrypts its reveal to a committee
// of n members so that any t of them can open it after the commit window, and fewer than t learn nothing. The bidder
// cannot withhold its reveal once committed (the committee opens every envelope: no free option to reveal only when
// it suits), and nobody sees a bid before the window closes unless t members collude.
//
// At the edge only (core never sees a key): the engine still takes a commitment (sealed_commit: SHA-256 of the bid,
// wire/sealed-bid.ts) and a reveal (sealed_reveal), which the opened envelope becomes. No hand-written cryptography:
//   - the bid: AES-256-GCM (node:crypto) under a fresh random 32-byte key, the auction and the bidder as associated
//     data (an envelope cannot be replayed for another auction or bidder; a wrong key or a changed byte fails);
//   - the key: split t-of-n with Shamir's secret sharing over GF(2^8) (`shamir-secret-sharing`, zero dependencies,
//     audited by Cure53 and Zellic); the key is uniformly random, as its README asks, and GCM's tag checks what
//     `combine` returns (the library does not verify reconstruction itself);
//   - each share to its member: ECIES-style, an ephemeral X25519 key agreement (node:crypto diffieHellman), HKDF-SHA256
//     to an AES-256-GCM key, the member id and the auction as associated data.

import { createCipheriv, createDecipheriv, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { combine, split } from 'shamir-secret-sharing';

export interface CommitteeMember {
  readonly id: string;
  /** X25519 public key. */
  readonly publicKey: KeyObject;
}

/** What a bidder would reveal: sealed_reveal's fields (price in ray, quantity in wad atoms; salt in hex). */
export interface BidPlaintext {
  readonly auction: string;
  readonly bidder: string;
  readonly price: bigint;
  readonly quantity: bigint;
  readonly saltHex: string;
}

interface Sealed {
  readonly ivHex: string;
  readonly ciphertextHex: string;
  readonly tagHex: string;
}

export interface EncryptedShare extends Sealed {
  readonly member: string;
  /** The ephemeral X25519 public key (DER, SPKI) the member agrees a key with. */
  readonly ephemeralHex: string;
}

/** Published with (or instead of) the commitment: the bid for the committee, and one encrypted share per member. */
export interface BidEnvelope extends Sealed {
  readonly auction: string;
  readonly bidder: string;
  readonly threshold: number;
  readonly shares: readonly EncryptedShare[];
}

const KEY_BYTES = 32;
const IV_BYTES = 12; // GCM's recommended nonce size (NIST SP 800-38D)
const HKDF_INFO = Buffer.from('bailiff sealed-bid share v1', 'utf8');

export class ThresholdBidError extends Error {
  override readonly name = 'ThresholdBidError';
}

/** A committee member's X25519 key pair (the operator's set-up; each member keeps its private key). */
export function newCommitteeMember(id: string): { member: CommitteeMember; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  return { member: { id, publicKey }, privateKey };
}

function seal(key: Uint8Array, plaintext: Uint8Array, aad: string): Sealed {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ivHex: iv.toString('hex'), ciphertextHex: ciphertext.toString('hex'), tagHex: cipher.getAuthTag().toString('hex') };
}

function unseal(key: Uint8Array, s: Sealed, aad: string, what: string): Buffer {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(s.ivHex, 'hex'));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(Buffer.from(s.tagHex, 'hex'));
    return Buffer.concat([decipher.update(Buffer.from(s.ciphertextHex, 'hex')), decipher.final()]);
  } catch {
    throw new ThresholdBidError(`${what}: authentication failed (a wrong key, too few shares, or altered bytes)`);
  }
}

/** The key a share is encrypted under: HKDF-SHA256 of the X25519 shared secret, salted with the ephemeral key. */
function shareKey(shared: Buffer, ephemeral: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, ephemeral, HKDF_INFO, KEY_BYTES));
}

const bidAad = (auction: string, bidder: string): string => JSON.stringify(['bid', auction, bidder]);
const shareAad = (auction: string, bidder: string, member: string): string => JSON.stringify(['share', auction, bidder, member]);

/** Encrypts a bid to the committee: any `threshold` of its members can open it. */
export async function sealBidForCommittee(bid: BidPlaintext, committee: readonly CommitteeMember[], threshold: number): Promise<BidEnvelope> {
  if (!Number.isInteger(threshold) || threshold < 2 || threshold > committee.length || committee.length > 255) {
    throw new ThresholdBidError('a committee of 2 to 255 members and a threshold of 2 to its size');
  }
  if (new Set(committee.map((m) => m.id)).size !== committee.length) throw new ThresholdBidError('committee member ids must be unique');
  // Plain Uint8Arrays for the library (it refuses Buffer subclasses).
  const key = new Uint8Array(randomBytes(KEY_BYTES));
  const payload = Buffer.from(JSON.stringify({ price: bid.price.toString(), quantity: bid.quantity.toString(), saltHex: bid.saltHex }), 'utf8');
  const sealed = seal(key, payload, bidAad(bid.auction, bid.bidder));
  const parts = await split(key, committee.length, threshold);
  key.fill(0);
  const shares = committee.map((m, i): EncryptedShare => {
    const eph = generateKeyPairSync('x25519');
    const ephemeral = eph.publicKey.export({ type: 'spki', format: 'der' });
    const k = shareKey(diffieHellman({ privateKey: eph.privateKey, publicKey: m.publicKey }), ephemeral);
    return { member: m.id, ephemeralHex: ephemeral.toString('hex'), ...seal(k, parts[i] as Uint8Array, shareAad(bid.auction, bid.bidder, m.id)) };
  });
  return { auction: bid.auction, bidder: bid.bidder, threshold, ...sealed, shares };
}

/** A member decrypts its own share of an envelope (after the commit window: the committee's rule, not the code's). */
export function openShare(envelope: BidEnvelope, memberId: string, privateKey: KeyObject): Uint8Array {
  const s = envelope.shares.find((x) => x.member === memberId);
  if (s === undefined) throw new ThresholdBidError(`no share for ${memberId}`);
  const ephemeral = Buffer.from(s.ephemeralHex, 'hex');
  const publicKey = createPublicKey({ key: ephemeral, format: 'der', type: 'spki' });
  const k = shareKey(diffieHellman({ privateKey, publicKey }), ephemeral);
  return new Uint8Array(unseal(k, s, shareAad(envelope.auction, envelope.bidder, memberId), `share of ${memberId}`));
}

/** Combines released shares (at least the threshold) and decrypts the bid; throws when they do not open it. */
export async function openBid(envelope: BidEnvelope, shares: readonly Uint8Array[]): Promise<BidPlaintext> {
  if (shares.length < envelope.threshold) throw new ThresholdBidError(`${shares.length} shares, ${envelope.threshold} needed`);
  const key = await combine(shares.map((x) => new Uint8Array(x)));
  const payload = unseal(key, envelope, bidAad(envelope.auction, envelope.bidder), `bid of ${envelope.bidder}`);
  key.fill(0);
  const p = JSON.parse(payload.toString('utf8')) as { price: string; quantity: string; saltHex: string };
  return { auction: envelope.auction, bidder: envelope.bidder, price: BigInt(p.price), quantity: BigInt(p.quantity), saltHex: p.saltHex };
}
