// Signed price attestations (DESIGN.md "Prices": "a price may carry an ed25519 signature of its source;
// the journal keeps it; the verifier checks it"). The core holds only what is pure: the canonical message that a
// source signs, and the shape of the edge's verdict. The signature itself is verified at the edge, with
// node:crypto, before the command is applied (src/feeds/attestation.ts); the command carries the verdict
// (`SourcePrice.signatureCheck`), the journal records it, and apply only checks that the verdict is there, is
// for this source and the market's key, and says valid. No crypto runs inside apply.
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

/** What the edge decided about a source price's signature: the code a refusal carries, or 'valid'. */
export type SignatureVerdict = 'valid' | 'signature_missing' | 'signature_invalid';

/**
 * What the edge verified, carried on the command into apply and into the journal: for which source, with which
 * public key (lower-case hex; null when the market configures none for the source), and the verdict. Replay uses it
 * as recorded; the verifier re-checks the signature itself (feeds/attestation.ts recheckSignature).
 */
export interface SignatureCheck {
  readonly source: string;
  readonly key: string | null;
  readonly result: SignatureVerdict;
}
