// A client that signs requests the way the security plugin checks them (signing.ts): used by the tests, the CLI and
// the load test, and a reference for clients in other languages (docs/security.md has the recipe).

import { randomBytes } from 'node:crypto';
import { HEADERS, sign } from './signing.js';

/** An API key as its holder has it: the id and the secret shown once by `bailiff keys add`. */
export interface Credentials {
  readonly keyId: string;
  readonly secret: string;
}

export interface RequestToSign {
  readonly method: string;
  /** Path and query exactly as they will be sent, e.g. `/v1/liquidations?after=10`. */
  readonly pathWithQuery: string;
  /** The body bytes exactly as they will be sent (none for GET). */
  readonly body?: string | Uint8Array;
  /** Default: the local clock. */
  readonly nowMs?: number;
  /** Default: 16 random hex digits, so that identical requests within one millisecond are not taken for replays. */
  readonly nonce?: string;
}

/** The headers that sign one request. */
export function signedHeaders(credentials: Credentials, request: RequestToSign): Record<string, string> {
  const timestampMs = String(request.nowMs ?? Date.now());
  const nonce = request.nonce ?? randomBytes(8).toString('hex');
  const body = typeof request.body === 'string' ? Buffer.from(request.body) : (request.body ?? new Uint8Array(0));
  const signature = sign(credentials.secret, { keyId: credentials.keyId, timestampMs, nonce, method: request.method, pathWithQuery: request.pathWithQuery, body });
  return {
    [HEADERS.key]: credentials.keyId,
    [HEADERS.timestamp]: timestampMs,
    ...(nonce === '' ? {} : { [HEADERS.nonce]: nonce }),
    [HEADERS.signature]: signature,
  };
}

/**
 * Sends one signed request with fetch. A body that is not a string is sent as JSON (bigints as decimal strings, the
 * wire's convention).
 */
export async function signedFetch(baseUrl: string, credentials: Credentials | undefined, method: string, pathWithQuery: string, body?: unknown): Promise<Response> {
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  const headers: Record<string, string> = text === undefined ? {} : { 'content-type': 'application/json' };
  if (credentials !== undefined) Object.assign(headers, signedHeaders(credentials, { method, pathWithQuery, ...(text === undefined ? {} : { body: text }) }));
  return fetch(new URL(pathWithQuery, baseUrl), { method, headers, ...(text === undefined ? {} : { body: text }) });
}
