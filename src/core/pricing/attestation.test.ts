import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes } from '@noble/curves/utils.js';
import { describe, expect, it } from 'vitest';
import { price } from '../units/index.js';
import {
  attestationPublicKeyHex,
  encodeAttestation,
  signAttestation,
  verifyAttestation,
  type PriceAttestation,
} from './attestation.js';

// Deterministic keys: bytes 1..32 and 33..64 (never random in tests).
const KEY_A = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const KEY_B = Uint8Array.from({ length: 32 }, (_, i) => i + 33);
const OBS: PriceAttestation = {
  source: 'binance',
  market: 'BTC-USDT',
  price: price(1_178_462_659_091n),
  priceDecimals: 8,
  publishTimeMs: 1_562_305_380_000,
};

const ascii = (s: string) => bytesToHex(new TextEncoder().encode(s));
const lp = (s: string) => s.length.toString(16).padStart(8, '0') + ascii(s);

describe('attestation encoding', () => {
  it('is six length-prefixed UTF-8 fields behind the domain tag', () => {
    const e = encodeAttestation(OBS);
    expect(e.ok).toBe(true);
    if (!e.ok) return;
    expect(bytesToHex(e.bytes)).toBe(
      lp('bailiff-price-v1') + lp('binance') + lp('BTC-USDT') + lp('1178462659091') + lp('8') + lp('1562305380000'),
    );
  });

  it('refuses out-of-range fields with a reason', () => {
    const bad: PriceAttestation[] = [
      { ...OBS, source: '' },
      { ...OBS, market: 'x'.repeat(257) },
      { ...OBS, source: 'bad\uD800' }, // lone surrogate: would encode as U+FFFD, ambiguous
      { ...OBS, priceDecimals: 78 },
      { ...OBS, priceDecimals: 1.5 },
      { ...OBS, publishTimeMs: -1 },
      { ...OBS, price: price(10n ** 80n) },
    ];
    for (const a of bad) expect(encodeAttestation(a)).toEqual({ ok: false, reason: 'invalid_attestation' });
    // Unicode is fine when well-formed, and counted in bytes.
    expect(encodeAttestation({ ...OBS, source: 'bôrse' }).ok).toBe(true);
    expect(encodeAttestation({ ...OBS, market: 'BTC-📈' }).ok).toBe(true); // a surrogate pair is well-formed
  });
});

describe('ed25519 attestations', () => {
  it('uses RFC 8032 ed25519 (test vector 1: empty message)', () => {
    const sk = hexToBytes('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
    expect(bytesToHex(ed25519.getPublicKey(sk))).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    expect(bytesToHex(ed25519.sign(new Uint8Array(0), sk))).toBe(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
  });

  const sig = signAttestation(OBS, KEY_A);
  const pub = attestationPublicKeyHex(KEY_A);

  it('golden: key bytes 1..32 over the example attestation (cross-checked with Python cryptography)', () => {
    expect(pub).toBe('79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664');
    expect(sig).toBe(
      'ca15793eaa96589f5374c10b84c6e818f55f41b44dfa9382cc1ad02ac36d2a31' +
        '2a30055e7dab4184f0bb2a22870db62a56e41dd48eae7f275bb1bbadf7c5fc0f',
    );
  });

  it('verifies a signature made with the matching key, deterministically', () => {
    expect(sig).toMatch(/^[0-9a-f]{128}$/);
    expect(signAttestation(OBS, KEY_A)).toBe(sig);
    expect(verifyAttestation(OBS, sig, pub)).toBe(true);
    expect(verifyAttestation(OBS, sig.toUpperCase(), pub.toUpperCase())).toBe(true);
  });

  it('rejects a tampered price, market, time or source', () => {
    expect(verifyAttestation({ ...OBS, price: price(1_178_462_659_092n) }, sig, pub)).toBe(false);
    expect(verifyAttestation({ ...OBS, priceDecimals: 7 }, sig, pub)).toBe(false);
    expect(verifyAttestation({ ...OBS, market: 'ETH-USDT' }, sig, pub)).toBe(false);
    expect(verifyAttestation({ ...OBS, publishTimeMs: OBS.publishTimeMs + 1 }, sig, pub)).toBe(false);
    expect(verifyAttestation({ ...OBS, source: 'okx' }, sig, pub)).toBe(false);
  });

  it('rejects the wrong key', () => {
    expect(verifyAttestation(OBS, sig, attestationPublicKeyHex(KEY_B))).toBe(false);
    expect(verifyAttestation(OBS, signAttestation(OBS, KEY_B), pub)).toBe(false);
  });

  it('returns false, never throws, on malformed input', () => {
    const cases: [string, string][] = [
      ['', pub],
      [sig, ''],
      ['zz' + sig.slice(2), pub], // not hex
      [sig.slice(0, 126), pub], // short
      [sig + '00', pub], // long
      [sig, pub.slice(0, 62) + 'g0'],
      ['0'.repeat(128), pub], // R = 0: not a valid point encoding in strict mode
      [sig, '00'.repeat(32)], // small-order public key
      [sig.slice(0, 64) + 'f'.repeat(64), pub], // s >= group order
    ];
    for (const [s, p] of cases) expect(verifyAttestation(OBS, s, p)).toBe(false);
    expect(verifyAttestation({ ...OBS, source: '' }, sig, pub)).toBe(false);
  });
});
