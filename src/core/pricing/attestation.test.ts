import { describe, expect, it } from 'vitest';
import { price } from '../units/index.js';
import { encodeAttestation, type PriceAttestation } from './attestation.js';

// The canonical message only: signing and verifying are the edge's (src/feeds/attestation.test.ts).
const OBS: PriceAttestation = {
  source: 'binance',
  market: 'BTC-USDT',
  price: price(1_178_462_659_091n),
  priceDecimals: 8,
  publishTimeMs: 1_562_305_380_000,
};

const bytesToHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
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
