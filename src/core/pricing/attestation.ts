// Signed price attestations (DESIGN.md "Prices": "a price may carry an ed25519 signature of its source;
// the journal keeps it; the verifier checks it"). Signatures are ed25519 (RFC 8032) via @noble/curves v2,
// verified in strict RFC 8032 / FIPS 186-5 mode (zip215: false: non-canonical encodings and small-order
// public keys are refused), so every verifier reaches the same verdict.
//
// Canonical message (version 1). Six fields, in this order, each encoded as a 4-byte big-endian length
// followed by that many bytes of UTF-8:
//   1. the domain tag "bailiff-price-v1"
//   2. source          e.g. "binance"             (1..256 bytes, well-formed Unicode)
//   3. market          e.g. "BTC-USDT"            (1..256 bytes, well-formed Unicode)
//   4. price           decimal string of the price atoms, canonical: "-"? then digits without leading
//                      zeros ("0", "1178462659091", "-5"); at most 80 digits
//   5. priceDecimals   decimal string, 0..77
//   6. publishTimeMs   decimal string, a non-negative safe integer (Unix ms)
// No Unicode normalisation is applied: the bytes signed are the bytes of the strings as given. The length
// prefixes make the layout unambiguous (no field can run into the next), and the tag keeps a Bailiff price
// signature from being valid for any other message format.
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/curves/utils.js';
import { assert } from '../assert.js';
import type { Price } from '../units/index.js';
import { ATTESTATION_TEXT_BYTES_MAX } from './limits.js';

export const ATTESTATION_DOMAIN_TAG = 'bailiff-price-v1';

export type PriceAttestation = {
  readonly source: string;
  readonly market: string;
  readonly price: Price;
  readonly priceDecimals: number;
  readonly publishTimeMs: number;
};

export type AttestationEncoding =
  | { readonly ok: true; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly reason: 'invalid_attestation' };

const LONE_SURROGATE = /\p{Cs}/u;
const PRICE_DIGITS_MAX = 80;
const utf8 = new TextEncoder();

function textField(s: string): Uint8Array | null {
  if (s.length === 0 || LONE_SURROGATE.test(s)) return null;
  const b = utf8.encode(s);
  return b.length <= ATTESTATION_TEXT_BYTES_MAX ? b : null;
}

/** The canonical bytes of an attestation (layout above), or a reason when a field is out of range. */
export function encodeAttestation(a: PriceAttestation): AttestationEncoding {
  const source = textField(a.source);
  const market = textField(a.market);
  if (source === null || market === null) return { ok: false, reason: 'invalid_attestation' };
  if (!Number.isSafeInteger(a.priceDecimals) || a.priceDecimals < 0 || a.priceDecimals > 77) {
    return { ok: false, reason: 'invalid_attestation' };
  }
  if (!Number.isSafeInteger(a.publishTimeMs) || a.publishTimeMs < 0) return { ok: false, reason: 'invalid_attestation' };
  const priceText = a.price.toString(10); // canonical for a bigint
  if (priceText.replace('-', '').length > PRICE_DIGITS_MAX) return { ok: false, reason: 'invalid_attestation' };
  const fields = [
    utf8.encode(ATTESTATION_DOMAIN_TAG),
    source,
    market,
    utf8.encode(priceText),
    utf8.encode(String(a.priceDecimals)),
    utf8.encode(String(a.publishTimeMs)),
  ];
  const out = new Uint8Array(fields.reduce((n, f) => n + 4 + f.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const f of fields) {
    view.setUint32(at, f.length, false);
    out.set(f, at + 4);
    at += 4 + f.length;
  }
  assert(at === out.length, 'encodeAttestation: layout fills the buffer');
  return { ok: true, bytes: out };
}

const HEX = /^[0-9a-fA-F]*$/;

/** Exactly `bytes` bytes of hex (either case), or null. */
function parseHex(hex: string, bytes: number): Uint8Array | null {
  if (hex.length !== 2 * bytes || !HEX.test(hex)) return null;
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * True only for a valid ed25519 signature (64 bytes, 128 hex digits) by the public key (32 bytes, 64 hex
 * digits) over the canonical encoding of `a`. Malformed hex, wrong lengths, an unencodable attestation, an
 * invalid point or scalar: false, never a throw.
 */
export function verifyAttestation(a: PriceAttestation, signatureHex: string, publicKeyHex: string): boolean {
  const msg = encodeAttestation(a);
  const sig = parseHex(signatureHex, 64);
  const pub = parseHex(publicKeyHex, 32);
  if (!msg.ok || sig === null || pub === null) return false;
  try {
    return ed25519.verify(sig, msg.bytes, pub, { zip215: false });
  } catch {
    // noble throws only on malformed argument types, which the checks above exclude; stay total anyway.
    return false;
  }
}

/** For tests and tools (feed simulators): the signature, lower-case hex. A 32-byte secret key (RFC 8032 seed). */
export function signAttestation(a: PriceAttestation, secretKey: Uint8Array): string {
  const msg = encodeAttestation(a);
  assert(msg.ok, 'signAttestation: the attestation encodes');
  assert(secretKey.length === 32, 'signAttestation: 32-byte secret key');
  return bytesToHex(ed25519.sign(msg.bytes, secretKey));
}

/** The public key of a 32-byte secret key, lower-case hex (for tests and tools). */
export function attestationPublicKeyHex(secretKey: Uint8Array): string {
  assert(secretKey.length === 32, 'attestationPublicKeyHex: 32-byte secret key');
  return bytesToHex(ed25519.getPublicKey(secretKey));
}
