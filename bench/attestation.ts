// Price attestation verification: the edge's node:crypto (OpenSSL) verifier against the pure-JS @noble/curves
// verifier the core ran inside apply before (strict RFC 8032, zip215: false), on the same signed attestations, each
// path as a whole (canonical encoding, hex parsing, verification). Both must accept every one of them.
// Sizes: BAILIFF_BENCH_SIGNATURES (default 5,000 distinct signed prices from 8 sources).

import { ed25519 } from '@noble/curves/ed25519.js';
import { encodeAttestation, type PriceAttestation } from '../src/core/pricing/attestation.js';
import { price } from '../src/core/units/index.js';
import { attestationPublicKeyHex, attestationSigner, verifyAttestationSignature } from '../src/feeds/attestation.js';
import { elapsedMs, type BenchReport } from './report.js';

const hexBytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));

/** What core/pricing/attestation.ts verifyAttestation did inside apply until the verdict moved to the edge. */
function nobleVerify(a: PriceAttestation, signatureHex: string, publicKeyHex: string): boolean {
  const msg = encodeAttestation(a);
  if (!msg.ok) return false;
  return ed25519.verify(hexBytes(signatureHex), msg.bytes, hexBytes(publicKeyHex), { zip215: false });
}

export function benchAttestation(count: number): BenchReport {
  const SOURCES = 8;
  const secrets = Array.from({ length: SOURCES }, (_, s) => Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + s * 13 + 1) & 0xff));
  const keys = secrets.map(attestationPublicKeyHex);
  const signers = secrets.map(attestationSigner);
  const t0 = process.hrtime.bigint();
  const signed = Array.from({ length: count }, (_, i) => {
    const s = i % SOURCES;
    const a: PriceAttestation = { source: `src${s}`, market: 'BTC-PERP', price: price(10_000_000n + BigInt(i)), priceDecimals: 2, publishTimeMs: 1_738_526_400_000 + i };
    return { a, sig: (signers[s] as (a: PriceAttestation) => string)(a), key: keys[s] as string };
  });
  const signMs = elapsedMs(t0);

  const run = (verify: (a: PriceAttestation, sig: string, key: string) => boolean, n: number): { ms: number; valid: number } => {
    const start = process.hrtime.bigint();
    let valid = 0;
    for (let i = 0; i < n; i++) {
      const x = signed[i % signed.length] as (typeof signed)[number];
      if (verify(x.a, x.sig, x.key)) valid++;
    }
    return { ms: elapsedMs(start), valid };
  };
  // Warm both paths (JIT, OpenSSL key objects, noble's precomputed tables) before timing.
  run(nobleVerify, Math.min(500, count));
  run(verifyAttestationSignature, Math.min(500, count));
  const noble = run(nobleVerify, count);
  const node = run(verifyAttestationSignature, count);
  if (noble.valid !== count || node.valid !== count) throw new Error(`verdicts differ: noble ${noble.valid}, node ${node.valid} of ${count}`);
  const nobleRate = count / (noble.ms / 1000);
  const nodeRate = count / (node.ms / 1000);
  return {
    name: `price attestation verify, ${count.toLocaleString('en')} signed prices, ${SOURCES} sources`,
    lines: [
      `signing (node:crypto)     : ${signMs.toFixed(0)} ms for all`,
      `@noble/curves (old, core) : ${fmtRate(nobleRate)} verifications/s (${noble.ms.toFixed(0)} ms, ${(noble.ms * 1000 / count).toFixed(1)} us each)`,
      `node:crypto (edge)        : ${fmtRate(nodeRate)} verifications/s (${node.ms.toFixed(0)} ms, ${(node.ms * 1000 / count).toFixed(1)} us each)`,
      `ratio                     : node:crypto = ${(nodeRate / nobleRate).toFixed(1)}x @noble/curves; every signature accepted by both`,
    ],
  };
}

function fmtRate(r: number): string {
  return r >= 1e6 ? `${(r / 1e6).toFixed(2)} M` : `${(r / 1e3).toFixed(1)} k`;
}
