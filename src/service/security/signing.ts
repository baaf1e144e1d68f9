// The request signature: HMAC-SHA256, keyed by the API key's secret, over a canonical string that binds the key id,
// the timestamp, an optional nonce, the method, the path with its query exactly as sent, and the SHA-256 of the body
// bytes. The server recomputes it from what it received and compares in constant time (timingSafeEqual), so neither
// the body, the path, the method nor the time can change without the signature failing. docs/security.md has the
// recipe with a worked example (signing.test.ts reproduces it).

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The first line of every canonical string: names the scheme and its version. */
export const SIGNATURE_SCHEME = 'BAILIFF-HMAC-SHA256';

/** The headers a signed request carries (lower case: node's spelling of incoming headers). */
export const HEADERS = {
  key: 'bailiff-key',
  timestamp: 'bailiff-timestamp',
  nonce: 'bailiff-nonce',
  signature: 'bailiff-signature',
} as const;

/** What a signature covers. */
export interface SignedParts {
  readonly keyId: string;
  /** Milliseconds since the Unix epoch, as the decimal string sent in the header. */
  readonly timestampMs: string;
  /** An optional client-chosen string (empty when absent) so two otherwise identical requests sign differently. */
  readonly nonce: string;
  /** Upper case (GET, POST, ...). */
  readonly method: string;
  /** The request target as sent on the request line: path and query, e.g. `/v1/liquidations?after=10&limit=5`. */
  readonly pathWithQuery: string;
  readonly body: Uint8Array;
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The string that is signed: six lines joined by \n (no trailing newline). */
export function canonicalString(parts: SignedParts): string {
  return [SIGNATURE_SCHEME, parts.keyId, parts.timestampMs, parts.nonce, parts.method.toUpperCase(), parts.pathWithQuery, sha256Hex(parts.body)].join('\n');
}

/** The signature: lower-case hex of HMAC-SHA256(key = the secret's UTF-8 bytes, message = the canonical string). */
export function sign(secret: string | Uint8Array, parts: SignedParts): string {
  return createHmac('sha256', secret).update(canonicalString(parts)).digest('hex');
}

const SIGNATURE_HEX = /^[0-9a-f]{64}$/;

/** Whether `signatureHex` is the signature of `parts` under `secret`, compared in constant time. */
export function verify(secret: string | Uint8Array, parts: SignedParts, signatureHex: string): boolean {
  if (!SIGNATURE_HEX.test(signatureHex)) return false;
  const expected = createHmac('sha256', secret).update(canonicalString(parts)).digest();
  return timingSafeEqual(expected, Buffer.from(signatureHex, 'hex'));
}
