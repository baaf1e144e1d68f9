// Price attestations verified at the edge, before apply (DESIGN.md "Prices": a price may carry an ed25519
// signature of its source; the journal keeps it; the verifier checks it). Prices enter here, so their signatures
// are checked here, with node:crypto (OpenSSL), ~17x faster than the pure-JS verifier the core used to run inside
// apply (bench/attestation.ts measures the ratio). The verdict rides on the command (`SourcePrice.signatureCheck`),
// the journal records it with the command, replay uses it as recorded, and apply only checks that it is there, for
// this source and the market's key, and valid (core/engine/prices.ts). The message signed is the core's one
// canonical encoding (core/pricing/attestation.ts encodeAttestation), used here by the verifier and the signer.
//
// Strictness: OpenSSL checks s < L and compares R byte for byte with the recomputed one (so a non-canonical R never
// verifies), but it accepts a public key of small order (the identity with R = identity, s = 0 verifies any
// message) and a y coordinate >= p. Both are refused here before OpenSSL is asked, as RFC 8032 / FIPS 186-5 strict
// verification does, so a configured key can never vouch for every message.

import { createPrivateKey, createPublicKey, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import type { Command, SourcePrice } from '../core/engine/commands.js';
import type { AttestationConfig } from '../core/market/pricing.js';
import { encodeAttestation, type PriceAttestation, type SignatureCheck } from '../core/pricing/attestation.js';

/** What the edge needs to know of a market: its price decimals (part of the message) and its attestation config. */
export interface AttestedMarket {
  readonly priceDecimals: number;
  readonly pricing?: { readonly attestation?: AttestationConfig };
}

/** The markets as the engine knows them (a MarketSpec lookup fits): where the sources' public keys come from. */
export interface AttestationKeys {
  market(id: string): AttestedMarket | undefined;
}

/** The keys as an engine holds them now (a service verifying in front of a running engine). */
export function engineAttestationKeys(engine: { market(id: string): { readonly spec: AttestedMarket } | undefined }): AttestationKeys {
  return { market: (id) => engine.market(id)?.spec };
}

/**
 * The keys as a command stream declares them, learned from its set_market commands in order (the latest wins), for
 * verifying a stream before any engine has seen it (scenario files). Should the engine refuse a set_market, the
 * keys differ from the engine's and apply refuses the price (a verdict for another key): never a silent pass.
 */
export class TrackingAttestationKeys implements AttestationKeys {
  private readonly markets = new Map<string, AttestedMarket>();
  market(id: string): AttestedMarket | undefined {
    return this.markets.get(id);
  }
  learn(cmd: Command): void {
    if (cmd.kind === 'set_market') this.markets.set(cmd.market.id, cmd.market);
  }
}

// ---- ed25519 with node:crypto ----------------------------------------------------------------------------------

const HEX_PUBLIC_KEY = /^[0-9a-fA-F]{64}$/;
const HEX_SIGNATURE = /^[0-9a-fA-F]{128}$/;
/** The field prime of edwards25519, 2^255 - 19 (RFC 8032 section 5.1). */
const P = 2n ** 255n - 19n;
/**
 * y coordinates of the points of small order (1, 2, 4, 8) on edwards25519: the identity (y = 1), order 2 (y = -1),
 * order 4 (y = 0), order 8 (y = +-Y8). Y8 is the y of the order-8 points (the same constant libsodium blocks as
 * 26e8958f...fc05); -Y8 = p - Y8.
 */
const Y8 = 2707385501144840649318225287225658788936804267575313519463743609750303402022n;
const SMALL_ORDER_Y: ReadonlySet<bigint> = new Set([0n, 1n, P - 1n, Y8, P - Y8]);

/** The y coordinate an encoded point carries (little-endian, the top bit is x's sign). */
function encodedY(raw: Uint8Array): bigint {
  let y = 0n;
  for (let i = raw.length - 1; i >= 0; i--) y = (y << 8n) | BigInt(raw[i] ?? 0);
  return y & ((1n << 255n) - 1n);
}

/** A strict public key: 32 bytes, y < p (canonical), not of small order. */
function strictPublicKey(raw: Uint8Array): boolean {
  const y = encodedY(raw);
  return y < P && !SMALL_ORDER_Y.has(y);
}

/** Parsed public keys (null: refused), by lower-case hex. Bounded: a market has a handful of sources. */
const keyCache = new Map<string, KeyObject | null>();
const KEY_CACHE_MAX = 4_096;

function publicKeyObject(hexKey: string): KeyObject | null {
  const hex = hexKey.toLowerCase();
  const cached = keyCache.get(hex);
  if (cached !== undefined) return cached;
  let key: KeyObject | null = null;
  if (HEX_PUBLIC_KEY.test(hex)) {
    const raw = Buffer.from(hex, 'hex');
    if (strictPublicKey(raw)) {
      try {
        key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
      } catch {
        key = null; // not a point on the curve
      }
    }
  }
  if (keyCache.size >= KEY_CACHE_MAX) keyCache.clear();
  keyCache.set(hex, key);
  return key;
}

/**
 * True only for a valid ed25519 signature (64 bytes, 128 hex digits, either case) by the public key (32 bytes, 64
 * hex digits) over the canonical encoding of `a`. Malformed hex, wrong lengths, an unencodable attestation, a key of
 * small order or not canonical, an invalid point or scalar: false, never a throw.
 */
export function verifyAttestationSignature(a: PriceAttestation, signatureHex: string, publicKeyHex: string): boolean {
  const msg = encodeAttestation(a);
  if (!msg.ok || !HEX_SIGNATURE.test(signatureHex)) return false;
  const key = publicKeyObject(publicKeyHex);
  if (key === null) return false;
  try {
    return cryptoVerify(null, msg.bytes, key, Buffer.from(signatureHex, 'hex'));
  } catch {
    return false; // OpenSSL refuses what it cannot parse by returning false; stay total anyway
  }
}

// PKCS#8 DER header of an Ed25519 private key (RFC 8410 section 7): the 32-byte seed follows.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function privateKeyObject(secretKey: Uint8Array): KeyObject {
  if (secretKey.length !== 32) throw new RangeError('an ed25519 secret key is 32 bytes (RFC 8032 seed)');
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, secretKey]), format: 'der', type: 'pkcs8' });
}

/**
 * For tools (feed simulators, a signing source): a signer holding the parsed key, so that signing many prices does
 * not parse the key each time. Returns the signature over `a`, lower-case hex.
 */
export function attestationSigner(secretKey: Uint8Array): (a: PriceAttestation) => string {
  const key = privateKeyObject(secretKey);
  return (a) => {
    const msg = encodeAttestation(a);
    if (!msg.ok) throw new RangeError(`the attestation does not encode: ${msg.reason}`);
    return cryptoSign(null, msg.bytes, key).toString('hex');
  };
}

/** For tests: the signature over `a` by a 32-byte secret key (RFC 8032 seed), lower-case hex. */
export function signAttestation(a: PriceAttestation, secretKey: Uint8Array): string {
  return attestationSigner(secretKey)(a);
}

/** The public key of a 32-byte secret key, lower-case hex (for tests and tools). */
export function attestationPublicKeyHex(secretKey: Uint8Array): string {
  const jwk = createPublicKey(privateKeyObject(secretKey)).export({ format: 'jwk' });
  return Buffer.from(jwk.x ?? '', 'base64url').toString('hex');
}

// ---- the edge verdict ------------------------------------------------------------------------------------------

/** The message a source price's signature must cover, for a market of `priceDecimals`. */
export function attestationOf(cmd: SourcePrice, priceDecimals: number): PriceAttestation {
  return { source: cmd.source, market: cmd.market, price: cmd.price, priceDecimals, publishTimeMs: cmd.publishTimeMs };
}

/**
 * The edge's verdict on a source price's signature against the market's configured key, or undefined when there is
 * nothing to verify (an unknown market, which apply refuses on its own; no signature where none is required).
 */
export function checkSignature(cmd: SourcePrice, keys: AttestationKeys): SignatureCheck | undefined {
  const market = keys.market(cmd.market);
  if (market === undefined) return undefined;
  const att = market.pricing?.attestation;
  if (cmd.signature === undefined && att?.required !== true) return undefined;
  const configured = att !== undefined && Object.hasOwn(att.keys, cmd.source) ? att.keys[cmd.source] : undefined;
  const key = configured === undefined ? null : configured.toLowerCase();
  if (cmd.signature === undefined) return { source: cmd.source, key, result: 'signature_missing' };
  if (key === null) return { source: cmd.source, key, result: 'signature_invalid' };
  const ok = verifyAttestationSignature(attestationOf(cmd, market.priceDecimals), cmd.signature, key);
  return { source: cmd.source, key, result: ok ? 'valid' : 'signature_invalid' };
}

/**
 * The command as it goes to apply and to the journal: a source price carries the edge's verdict, and only that one
 * (a verdict that arrived with the command is dropped: nobody upstream of the edge vouches for a signature). Other
 * commands pass unchanged.
 */
export function verifyAtEdge(cmd: Command, keys: AttestationKeys): Command {
  if (cmd.kind !== 'source_price') return cmd;
  const { signatureCheck: _claimed, ...bare } = cmd;
  const check = checkSignature(bare, keys);
  return check === undefined ? bare : { ...bare, signatureCheck: check };
}

/**
 * Verifies a whole stream whose markets it declares itself (a scenario, a recorded feed): keys are learned from the
 * stream's set_market commands as they come.
 */
export function verifyStream(commands: Iterable<Command>): Command[] {
  const keys = new TrackingAttestationKeys();
  const out: Command[] = [];
  for (const cmd of commands) {
    keys.learn(cmd);
    out.push(verifyAtEdge(cmd, keys));
  }
  return out;
}

export type Recheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const sameCheck = (a: SignatureCheck | undefined, b: SignatureCheck | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && a.source === b.source && a.key === b.key && a.result === b.result);

const describe = (c: SignatureCheck | undefined): string => (c === undefined ? 'no verdict' : `${c.result} (source ${c.source}, key ${c.key ?? 'none'})`);

/**
 * For the verifier: re-checks a journaled command's signature itself (node:crypto, the keys the market had when it
 * was applied) and compares with the verdict recorded on it. ok when they agree (and for commands that carry no
 * price signature); otherwise the reason, e.g. a command recorded valid for another key, or a forged signature
 * recorded valid.
 */
export function recheckSignature(cmd: Command, keys: AttestationKeys): Recheck {
  if (cmd.kind !== 'source_price') return { ok: true };
  const recorded = cmd.signatureCheck;
  const { signatureCheck: _recorded, ...bare } = cmd;
  const fresh = checkSignature(bare, keys);
  if (sameCheck(recorded, fresh)) return { ok: true };
  // Nothing to verify: apply ignores a verdict on an unsigned price where none is required. A signed price of a market
  // the keys do not know cannot be re-checked: that is said, not passed.
  if (fresh === undefined && (recorded === undefined || cmd.signature === undefined)) return { ok: true };
  return { ok: false, reason: `source_price ${cmd.market}/${cmd.source} at ${cmd.tsMs}: recorded ${describe(recorded)}, re-checked ${describe(fresh)}` };
}
