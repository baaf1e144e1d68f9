// The API key store: a JSON file of keys (id, role, scope, limits, dates) that holds no secret, and a master key
// file (32 random bytes, mode 0600) kept apart from it.
//
// Why a master key: requests are signed with HMAC, and whoever can check an HMAC can forge it, so the server must be
// able to recover each key's secret. A store that kept the secrets (even encrypted beside their key) would hand every
// key to whoever reads it. Instead each secret is derived: secret = base64url(HMAC-SHA256(master, "bailiff-api-key-v1"
// \0 id)); it is shown once when the key is made and never written down. The store keeps only SHA-256(secret), which
// lets the server check at start that the master key it was given is the one that issued the keys (a wrong master
// would otherwise refuse every request one by one). Reading the store alone gives no secret and no way to sign.
//
// Which hash and why: SHA-256, not a password hash (argon2, scrypt, bcrypt). A slow hash protects low-entropy
// passwords from guessing; these secrets are 256 random bits (an HMAC output), which no dictionary or brute force
// can reach, so slowness would only cost time at start. The stored digest is never compared with a client's input
// (clients prove the secret by signing, never send it), so no timing side channel arises from it either.
//
// Writes are atomic: a temporary file in the same directory, fsync, rename over the store, fsync the directory.
// Revocation is a date on the key (kept, so the id is never reused and the listing shows who was cut off when).

import { createHash, createHmac, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { CodeName } from '../../core/codes.js';
import { BailiffError, fileErrorReason } from '../../errors.js';
import { isRole, type Role } from './roles.js';
import { checkRateLimit, type RateLimit } from './token-bucket.js';

/**
 * A key store or master key that cannot be read or used, or a key operation asked wrongly. Only the CLI and the
 * server's start read the store, so it reports with the CLI's codes (exit 2): bad_file, bad_argument.
 */
export class KeyStoreError extends BailiffError {
  override readonly name = 'KeyStoreError';
  constructor(
    override readonly code: CodeName<'cli_error'>,
    message: string,
  ) {
    super(message);
  }
}

export const KEY_STORE_FORMAT = 'bailiff-api-keys';
export const KEY_STORE_VERSION = 1;
const DERIVATION_LABEL = 'bailiff-api-key-v1';
const MASTER_KEY_BYTES = 32;

/** One API key as stored (no secret). */
export interface ApiKey {
  /** `bk_` + 24 hex digits (96 random bits): public, sent with every request. */
  readonly id: string;
  readonly role: Role;
  /** The accounts the key may see and act for, or '*' for all. */
  readonly accounts: readonly string[] | '*';
  /** SHA-256 of the secret, lower-case hex. */
  readonly secretSha256: string;
  /** ISO-8601 UTC. */
  readonly createdAt: string;
  readonly revokedAt?: string;
  /** This key's token bucket, when it differs from the server's default. */
  readonly rateLimit?: RateLimit;
  readonly label?: string;
}

export interface NewKey {
  readonly role: Role;
  readonly accounts: readonly string[] | '*';
  readonly rateLimit?: RateLimit;
  readonly label?: string;
  readonly nowMs: number;
}

/** A key the server can check signatures with: its record and its secret (in memory only). */
export interface ActiveKey {
  readonly key: ApiKey;
  readonly secret: string;
}

interface StoreFile {
  readonly format: typeof KEY_STORE_FORMAT;
  readonly version: number;
  readonly keys: readonly ApiKey[];
}

/** The master key file that goes with a store unless another is named: `<store>.master`. */
export function defaultMasterKeyFile(storeFile: string): string {
  return `${storeFile}.master`;
}

export function deriveSecret(masterKey: Uint8Array, keyId: string): string {
  return createHmac('sha256', masterKey).update(`${DERIVATION_LABEL}\0${keyId}`).digest('base64url');
}

const sha256Hex = (s: string): string => createHash('sha256').update(s).digest('hex');
const KEY_ID = /^bk_[0-9a-f]{24}$/;
const ACCOUNT_ID = /^[^\s,]{1,128}$/;

/**
 * Writes `bytes` to `file` atomically (temporary file, fsync, rename, fsync of the directory). A file that cannot be
 * written (no such directory, no permission, a directory of that name) is a KeyStoreError naming `file`, and the
 * temporary file is removed.
 */
export function writeFileAtomic(file: string, bytes: string, mode: number): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = openSync(tmp, 'wx', mode);
    try {
      writeSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new KeyStoreError('bad_file', `cannot write ${file}: ${fileErrorReason(e, 'write')}`);
  }
  const dir = openSync(dirname(file), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

function bad(file: string, why: string): KeyStoreError {
  return new KeyStoreError('bad_file', `key store ${file}: ${why}`);
}

function parseKey(file: string, raw: unknown, i: number): ApiKey {
  const at = `keys[${i}]`;
  if (typeof raw !== 'object' || raw === null) throw bad(file, `${at} is not an object`);
  const k = raw as Record<string, unknown>;
  if (typeof k.id !== 'string' || !KEY_ID.test(k.id)) throw bad(file, `${at}.id is not a key id (bk_ + 24 hex digits)`);
  if (!isRole(k.role)) throw bad(file, `${at}.role is not one of read, trade, operator, admin`);
  const accounts = k.accounts;
  if (!(accounts === '*' || (Array.isArray(accounts) && accounts.every((a) => typeof a === 'string' && ACCOUNT_ID.test(a))))) {
    throw bad(file, `${at}.accounts is neither '*' nor a list of account ids`);
  }
  if (typeof k.secretSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(k.secretSha256)) throw bad(file, `${at}.secretSha256 is not a SHA-256 digest`);
  if (typeof k.createdAt !== 'string') throw bad(file, `${at}.createdAt is missing`);
  if (k.revokedAt !== undefined && typeof k.revokedAt !== 'string') throw bad(file, `${at}.revokedAt is not a date`);
  if (k.label !== undefined && typeof k.label !== 'string') throw bad(file, `${at}.label is not a string`);
  let rateLimit: RateLimit | undefined;
  if (k.rateLimit !== undefined) {
    const r = k.rateLimit as Record<string, unknown>;
    try {
      checkRateLimit(r as unknown as RateLimit);
    } catch (e) {
      throw bad(file, `${at}.rateLimit: ${(e as Error).message}`);
    }
    rateLimit = { perSecond: r.perSecond as number, burst: r.burst as number };
  }
  return {
    id: k.id,
    role: k.role,
    accounts: accounts === '*' ? '*' : [...(accounts as string[])],
    secretSha256: k.secretSha256,
    createdAt: k.createdAt,
    ...(k.revokedAt === undefined ? {} : { revokedAt: k.revokedAt }),
    ...(rateLimit === undefined ? {} : { rateLimit }),
    ...(k.label === undefined ? {} : { label: k.label }),
  };
}

export interface OpenOptions {
  /** The master key file; default `<store>.master`. */
  readonly masterKeyFile?: string;
  /** Create the store and the master key when absent (the CLI's `keys add`); the server never creates them. */
  readonly create?: boolean;
}

export class KeyStore {
  private keys: ApiKey[];
  /** Derived secrets of the keys not revoked, by id. */
  private active = new Map<string, ActiveKey>();
  private mtimeMs = 0;

  private constructor(
    private readonly masterKey: Uint8Array,
    keys: readonly ApiKey[],
    /** The file it is saved to; undefined for a store held in memory (tests). */
    readonly file: string | undefined,
  ) {
    this.keys = [...keys];
    this.index();
  }

  /** A store in memory only (tests, embedded use): nothing is written. */
  static inMemory(masterKey: Uint8Array = randomBytes(MASTER_KEY_BYTES)): KeyStore {
    return new KeyStore(masterKey, [], undefined);
  }

  /** Opens a store file and its master key; checks that the master key issued every key in it. */
  static open(file: string, options: OpenOptions = {}): KeyStore {
    const masterFile = options.masterKeyFile ?? defaultMasterKeyFile(file);
    if (options.create === true && !existsSync(file)) {
      if (!existsSync(masterFile)) writeFileAtomic(masterFile, `${randomBytes(MASTER_KEY_BYTES).toString('hex')}\n`, 0o600);
      writeFileAtomic(file, serialise([]), 0o600);
    }
    // The store first: when it is missing, that is what to say, not that its master key is.
    const keys = readKeys(file);
    const store = new KeyStore(readMasterKey(masterFile), keys, file);
    store.mtimeMs = statSync(file).mtimeMs;
    return store;
  }

  /** Makes a key; returns it with its secret (shown once: it is not stored). Saved at once when file-backed. */
  add(spec: NewKey): { key: ApiKey; secret: string } {
    if (spec.accounts !== '*') {
      if (spec.accounts.length === 0) throw new KeyStoreError('bad_argument', 'a key needs at least one account, or all (*)');
      for (const a of spec.accounts) if (!ACCOUNT_ID.test(a)) throw new KeyStoreError('bad_argument', `not an account id: '${a}'`);
    }
    if (spec.rateLimit !== undefined) checkRateLimit(spec.rateLimit);
    let id: string;
    do id = `bk_${randomBytes(12).toString('hex')}`;
    while (this.keys.some((k) => k.id === id));
    const secret = deriveSecret(this.masterKey, id);
    const key: ApiKey = {
      id,
      role: spec.role,
      accounts: spec.accounts === '*' ? '*' : [...new Set(spec.accounts)],
      secretSha256: sha256Hex(secret),
      createdAt: new Date(spec.nowMs).toISOString(),
      ...(spec.rateLimit === undefined ? {} : { rateLimit: spec.rateLimit }),
      ...(spec.label === undefined ? {} : { label: spec.label }),
    };
    this.keys.push(key);
    this.index();
    this.save();
    return { key, secret };
  }

  /** Revokes a key (kept in the store with its date). Saved at once when file-backed. */
  revoke(id: string, nowMs: number): ApiKey {
    const i = this.keys.findIndex((k) => k.id === id);
    const key = this.keys[i];
    if (key === undefined) throw new KeyStoreError('bad_argument', `no key ${id} in the store`);
    if (key.revokedAt !== undefined) throw new KeyStoreError('bad_argument', `key ${id} was already revoked at ${key.revokedAt}`);
    const revoked: ApiKey = { ...key, revokedAt: new Date(nowMs).toISOString() };
    this.keys[i] = revoked;
    this.index();
    this.save();
    return revoked;
  }

  list(): readonly ApiKey[] {
    return this.keys;
  }

  /** The key with this id: active (with its secret), revoked, or unknown. */
  lookup(id: string): ActiveKey | 'revoked' | 'unknown' {
    const active = this.active.get(id);
    if (active !== undefined) return active;
    return this.keys.some((k) => k.id === id) ? 'revoked' : 'unknown';
  }

  /** Re-reads the file if another process (`bailiff keys revoke`) changed it; keeps the old keys if it is unreadable. */
  reloadIfChanged(): boolean {
    if (this.file === undefined) return false;
    let mtimeMs: number;
    try {
      mtimeMs = statSync(this.file).mtimeMs;
    } catch {
      return false;
    }
    if (mtimeMs === this.mtimeMs) return false;
    const keys = readKeys(this.file);
    this.keys = [...keys];
    this.index();
    this.mtimeMs = mtimeMs;
    return true;
  }

  private index(): void {
    const active = new Map<string, ActiveKey>();
    for (const key of this.keys) {
      const secret = deriveSecret(this.masterKey, key.id);
      if (sha256Hex(secret) !== key.secretSha256) {
        throw new KeyStoreError('bad_file', `key store${this.file === undefined ? '' : ` ${this.file}`}: key ${key.id} was not issued with this master key`);
      }
      if (key.revokedAt === undefined) active.set(key.id, { key, secret });
    }
    this.active = active;
  }

  private save(): void {
    if (this.file === undefined) return;
    writeFileAtomic(this.file, serialise(this.keys), 0o600);
    this.mtimeMs = statSync(this.file).mtimeMs;
  }
}

function serialise(keys: readonly ApiKey[]): string {
  const file: StoreFile = { format: KEY_STORE_FORMAT, version: KEY_STORE_VERSION, keys };
  return `${JSON.stringify(file, null, 2)}\n`;
}

function readMasterKey(file: string): Uint8Array {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new KeyStoreError('bad_file', `cannot read master key ${file}: ${fileErrorReason(e, 'read')}`);
  }
  const hex = text.trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new KeyStoreError('bad_file', `master key ${file}: not 64 hex digits`);
  return Buffer.from(hex, 'hex');
}

function readKeys(file: string): readonly ApiKey[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new KeyStoreError('bad_file', `no key store ${file} (bailiff keys add --store ${file} makes one)`);
    throw new KeyStoreError('bad_file', `cannot read key store ${file}: ${fileErrorReason(e, 'read')}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw bad(file, 'not JSON');
  }
  const f = parsed as Partial<StoreFile> | null;
  if (f === null || typeof f !== 'object' || f.format !== KEY_STORE_FORMAT) throw bad(file, `not a Bailiff key store (format ${KEY_STORE_FORMAT})`);
  if (f.version !== KEY_STORE_VERSION) throw bad(file, `version ${String(f.version)}; this bailiff reads version ${KEY_STORE_VERSION}`);
  if (!Array.isArray(f.keys)) throw bad(file, 'keys is not a list');
  const keys = f.keys.map((k, i) => parseKey(file, k, i));
  const ids = new Set<string>();
  for (const k of keys) {
    if (ids.has(k.id)) throw bad(file, `key ${k.id} is listed twice`);
    ids.add(k.id);
  }
  return keys;
}
