import { createPrivateKey, sign } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Command, SourcePrice } from '../core/engine/commands.js';
import { Engine } from '../core/engine/engine.js';
import { BTC_PERP, TEST_CONFIG } from '../core/engine/testkit.js';
import type { MarketPricing } from '../core/market/pricing.js';
import type { MarketSpec } from '../core/market/spec.js';
import type { PriceAttestation } from '../core/pricing/attestation.js';
import { encodeAttestation } from '../core/pricing/attestation.js';
import { dec, ppm, price } from '../core/units/index.js';
import {
  attestationPublicKeyHex,
  checkSignature,
  engineAttestationKeys,
  recheckSignature,
  signAttestation,
  verifyAtEdge,
  verifyAttestationSignature,
  verifyStream,
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
const sig = signAttestation(OBS, KEY_A);
const pub = attestationPublicKeyHex(KEY_A);
const pubB = attestationPublicKeyHex(KEY_B);

describe('ed25519 with node:crypto', () => {
  it('is RFC 8032 ed25519 (section 7.1, test 1: the empty message)', () => {
    const seed = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex');
    expect(attestationPublicKeyHex(seed)).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    const key = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
    expect(sign(null, Buffer.alloc(0), key).toString('hex')).toBe(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
  });

  it('golden: key bytes 1..32 over the example attestation (the vector the noble signer gave; cross-checked with Python cryptography)', () => {
    expect(pub).toBe('79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664');
    expect(sig).toBe(
      'ca15793eaa96589f5374c10b84c6e818f55f41b44dfa9382cc1ad02ac36d2a31' + '2a30055e7dab4184f0bb2a22870db62a56e41dd48eae7f275bb1bbadf7c5fc0f',
    );
  });

  it('verifies a signature made with the matching key, in either case of hex', () => {
    expect(verifyAttestationSignature(OBS, sig, pub)).toBe(true);
    expect(verifyAttestationSignature(OBS, sig.toUpperCase(), pub.toUpperCase())).toBe(true);
  });

  it('rejects a tampered price, decimals, market, time or source, and the wrong key', () => {
    expect(verifyAttestationSignature({ ...OBS, price: price(1_178_462_659_092n) }, sig, pub)).toBe(false);
    expect(verifyAttestationSignature({ ...OBS, priceDecimals: 7 }, sig, pub)).toBe(false);
    expect(verifyAttestationSignature({ ...OBS, market: 'ETH-USDT' }, sig, pub)).toBe(false);
    expect(verifyAttestationSignature({ ...OBS, publishTimeMs: OBS.publishTimeMs + 1 }, sig, pub)).toBe(false);
    expect(verifyAttestationSignature({ ...OBS, source: 'okx' }, sig, pub)).toBe(false);
    expect(verifyAttestationSignature(OBS, sig, pubB)).toBe(false);
    expect(verifyAttestationSignature(OBS, signAttestation(OBS, KEY_B), pub)).toBe(false);
  });

  it('returns false, never throws, on malformed input, small-order and non-canonical keys', () => {
    // The identity point (y = 1) as the key and R = identity, s = 0 as the signature: OpenSSL alone accepts this for
    // any message (R = sB - hA holds with A = R = O); strict verification refuses the small-order key first.
    const identity = '01' + '00'.repeat(31);
    // y = p + 1 (2^255 - 18, little-endian): the identity again, but a non-canonical encoding of it.
    const yPplus1 = 'ee' + 'ff'.repeat(30) + '7f';
    const cases: [string, string][] = [
      ['', pub],
      [sig, ''],
      ['zz' + sig.slice(2), pub], // not hex
      [sig.slice(0, 126), pub], // short
      [sig + '00', pub], // long
      [sig, pub.slice(0, 62) + 'g0'],
      ['0'.repeat(128), pub], // R = 0: not a valid point encoding in strict mode
      [sig, '00'.repeat(32)], // small-order public key (order 4)
      [identity + '00'.repeat(32), identity], // the forgery OpenSSL alone would accept
      [identity + '00'.repeat(32), yPplus1],
      [sig.slice(0, 64) + 'f'.repeat(64), pub], // s >= group order
    ];
    for (const [s, p] of cases) expect(verifyAttestationSignature(OBS, s, p)).toBe(false);
    expect(verifyAttestationSignature({ ...OBS, source: '' }, sig, pub)).toBe(false);
  });

  it('reaches the verdict of strict RFC 8032 (noble, zip215: false) on valid, altered and foreign signatures', () => {
    const noble = (a: PriceAttestation, s: string, p: string): boolean => {
      const m = encodeAttestation(a);
      return m.ok && ed25519.verify(Buffer.from(s, 'hex'), m.bytes, Buffer.from(p, 'hex'), { zip215: false });
    };
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.bigInt({ min: 1n, max: 10n ** 20n }),
        fc.integer({ min: -1, max: 511 }), // the signature bit to flip (-1: none)
        fc.boolean(), // sign with another key
        (seed, p, flip, foreign) => {
          const a = { ...OBS, price: price(p) };
          const signer = foreign ? KEY_B : seed;
          const raw = Buffer.from(signAttestation(a, signer), 'hex');
          if (flip >= 0) raw[flip >> 3] = (raw[flip >> 3] ?? 0) ^ (1 << (flip & 7));
          const key = attestationPublicKeyHex(seed);
          const s = raw.toString('hex');
          expect(verifyAttestationSignature(a, s, key)).toBe(noble(a, s, key));
          expect(verifyAttestationSignature(a, s, key)).toBe(flip < 0 && !foreign);
        },
      ),
      { seed: 16, numRuns: 150 },
    );
  });
});

// ---- the edge verdict, apply, and the recheck -------------------------------------------------------------------

const T0 = 1_738_526_400_000;
const px = (text: string) => price(dec(text, 2));
const pricing = (keys: Record<string, string>, required = true): MarketPricing => ({
  basisCadenceMs: 5_000,
  basisSamples: 30,
  minPriceChangePpm: ppm(0n),
  guards: { rearmAfter: 2 },
  index: { method: 'weighted_median', weights: { a: 1n, b: 1n }, maxAgeMs: 10_000, minSources: 1, deviationCapPpm: ppm(30_000n) },
  attestation: { required, keys },
});
const market = (keys: Record<string, string>, required = true): MarketSpec => ({ ...BTC_PERP, pricing: pricing(keys, required) });
const keysOf = (spec: MarketSpec) => ({ market: (id: string) => (id === spec.id ? spec : undefined) });

/** A source price for BTC-PERP (2 price decimals), signed by `secret` over exactly what it says unless `forge`. */
function signedPrice(src: string, p: string, t: number, secret: Uint8Array, forge?: Partial<PriceAttestation>): SourcePrice {
  const cmd: SourcePrice = { kind: 'source_price', tsMs: t, market: 'BTC-PERP', source: src, price: px(p), publishTimeMs: t };
  const att = { source: src, market: 'BTC-PERP', price: px(p), priceDecimals: 2, publishTimeMs: t, ...forge };
  return { ...cmd, signature: signAttestation(att, secret) };
}

describe('the edge verdict', () => {
  const spec = market({ a: pub, b: pubB });

  it('a forged signature is refused with signature_invalid at the edge and in the engine', () => {
    // Signed by a's key, but over 100001 while the command says 100000.
    const forged = signedPrice('a', '100000', T0 + 1, KEY_A, { price: px('100001') });
    expect(checkSignature(forged, keysOf(spec))).toEqual({ source: 'a', key: pub, result: 'signature_invalid' });
    const e = Engine.create(TEST_CONFIG);
    e.apply({ kind: 'set_market', tsMs: T0, market: spec });
    const edged = verifyAtEdge(forged, engineAttestationKeys(e));
    expect(e.apply(edged)).toMatchObject([{ kind: 'CommandRejected', reason: 'signature_invalid' }]);
    expect(e.market('BTC-PERP')?.price.sources).toEqual([]);
    // A genuine one passes both, and the index forms from it (one source is enough here).
    const genuine = verifyAtEdge(signedPrice('a', '100000', T0 + 2, KEY_A), engineAttestationKeys(e));
    expect(genuine).toMatchObject({ signatureCheck: { source: 'a', key: pub, result: 'valid' } });
    expect(e.apply(genuine).map((ev) => ev.kind)).not.toContain('CommandRejected');
    expect(e.market('BTC-PERP')?.indexPrice).toBe(px('100000'));
  });

  it('drops a verdict that arrived with the command: only the edge vouches', () => {
    const forged = signedPrice('a', '100000', T0 + 1, KEY_B);
    const claimed: Command = { ...forged, signatureCheck: { source: 'a', key: pub, result: 'valid' } };
    expect(verifyAtEdge(claimed, keysOf(spec))).toMatchObject({ signatureCheck: { result: 'signature_invalid' } });
    // Unsigned where signatures are required: the edge says missing; where they are optional, no verdict at all.
    const bare: SourcePrice = { kind: 'source_price', tsMs: T0, market: 'BTC-PERP', source: 'a', price: px('1'), publishTimeMs: T0 };
    expect(checkSignature(bare, keysOf(spec))).toEqual({ source: 'a', key: pub, result: 'signature_missing' });
    expect(verifyAtEdge({ ...bare, signatureCheck: { source: 'a', key: pub, result: 'valid' } }, keysOf(market({ a: pub }, false)))).toEqual(bare);
    // A source without a configured key: invalid, with no key recorded.
    expect(checkSignature(signedPrice('c', '1', T0, KEY_A), keysOf(spec))).toEqual({ source: 'c', key: null, result: 'signature_invalid' });
  });

  it('verifyStream learns keys from set_market in order: a key rotation applies from its command on', () => {
    const cmds = verifyStream([
      { kind: 'set_market', tsMs: T0, market: market({ a: pub }) },
      signedPrice('a', '100000', T0 + 1, KEY_A),
      { kind: 'set_market', tsMs: T0 + 2, market: market({ a: pubB }) },
      signedPrice('a', '100000', T0 + 3, KEY_A),
      signedPrice('a', '100000', T0 + 4, KEY_B),
    ]);
    const results = cmds.flatMap((c) => (c.kind === 'source_price' ? [c.signatureCheck?.result] : []));
    expect(results).toEqual(['valid', 'signature_invalid', 'valid']);
  });
});

describe('recheckSignature (for the verifier)', () => {
  const specA = market({ a: pub });

  it('agrees with the verdicts the edge recorded', () => {
    const good = verifyAtEdge(signedPrice('a', '100000', T0, KEY_A), keysOf(specA));
    const bad = verifyAtEdge(signedPrice('a', '100000', T0, KEY_B), keysOf(specA));
    expect(recheckSignature(good, keysOf(specA))).toEqual({ ok: true });
    expect(recheckSignature(bad, keysOf(specA))).toEqual({ ok: true });
    expect(recheckSignature({ kind: 'tick', tsMs: T0 }, keysOf(specA))).toEqual({ ok: true });
  });

  it('catches a command marked verified, but for another key than the market had', () => {
    // Verified for real, against B's key (an edge with the wrong configuration); the market's key for a is A's.
    const markedB = verifyAtEdge(signedPrice('a', '100000', T0, KEY_B), keysOf(market({ a: pubB })));
    expect(markedB).toMatchObject({ signatureCheck: { key: pubB, result: 'valid' } });
    const r = recheckSignature(markedB, keysOf(specA));
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.reason).toContain(`recorded valid (source a, key ${pubB}), re-checked signature_invalid (source a, key ${pub})`);
  });

  it('catches a forged signature recorded as valid (an edited journal)', () => {
    const genuine = verifyAtEdge(signedPrice('a', '100000', T0, KEY_A), keysOf(specA));
    const edited = { ...genuine, price: px('90000') } as Command; // the verdict kept, the price changed
    const r = recheckSignature(edited, keysOf(specA));
    expect(r).toMatchObject({ ok: false, reason: expect.stringContaining('recorded valid') });
  });
});
