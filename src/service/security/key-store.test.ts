import { mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { defaultMasterKeyFile, deriveSecret, KeyStore, KeyStoreError } from './key-store.js';

const T0 = Date.UTC(2026, 11, 2, 21, 0, 0);
const tmp = (): string => mkdtempSync(join(tmpdir(), 'bailiff-keys-'));

describe('key store', () => {
  it('shows each secret once and writes only its SHA-256; the secret is the master key HMAC of the id', () => {
    const dir = tmp();
    const file = join(dir, 'keys.json');
    const store = KeyStore.open(file, { create: true });
    const { key, secret } = store.add({ role: 'trade', accounts: ['alice', 'bob', 'alice'], nowMs: T0 });
    expect(key.id).toMatch(/^bk_[0-9a-f]{24}$/);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 bytes base64url: 256 bits
    expect(key.accounts).toEqual(['alice', 'bob']);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(secret);
    expect(text).toContain(createHash('sha256').update(secret).digest('hex'));
    const master = Buffer.from(readFileSync(defaultMasterKeyFile(file), 'utf8').trim(), 'hex');
    expect(deriveSecret(master, key.id)).toBe(secret);
    expect(text).not.toContain(master.toString('hex'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(defaultMasterKeyFile(file)).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual(['keys.json', 'keys.json.master']); // no temporary file left behind
    // Another process opening the files finds the same key with the same secret.
    const again = KeyStore.open(file);
    const found = again.lookup(key.id);
    expect(found !== 'unknown' && found !== 'revoked' && found.secret).toBe(secret);
    expect(again.list()).toEqual([{ ...key, createdAt: '2026-12-02T21:00:00.000Z' }]);
  });

  it('revokes by date, keeps the record, and a running server sees the revocation on reload', () => {
    const file = join(tmp(), 'keys.json');
    const cli = KeyStore.open(file, { create: true });
    const { key } = cli.add({ role: 'read', accounts: '*', nowMs: T0 });
    const server = KeyStore.open(file);
    expect(typeof server.lookup(key.id)).toBe('object');
    const revoked = cli.revoke(key.id, T0 + 60_000);
    expect(revoked.revokedAt).toBe('2026-12-02T21:01:00.000Z');
    expect(() => cli.revoke(key.id, T0)).toThrow(/already revoked/);
    expect(() => cli.revoke('bk_000000000000000000000000', T0)).toThrow(KeyStoreError);
    // Force a different mtime even on a coarse file system clock.
    const later = new Date(Date.now() + 5_000);
    utimesSync(file, later, later);
    expect(server.reloadIfChanged()).toBe(true);
    expect(server.lookup(key.id)).toBe('revoked');
    expect(server.lookup('bk_ffffffffffffffffffffffff')).toBe('unknown');
  });

  it('refuses a store opened with another master key, a malformed store and bad key specs', () => {
    const dir = tmp();
    const file = join(dir, 'keys.json');
    KeyStore.open(file, { create: true }).add({ role: 'admin', accounts: '*', nowMs: T0 });
    const otherMaster = join(dir, 'other.master');
    writeFileSync(otherMaster, `${'ab'.repeat(32)}\n`);
    expect(() => KeyStore.open(file, { masterKeyFile: otherMaster })).toThrow(/was not issued with this master key/);
    // A store that does not exist is what is said, not its master key (absent too).
    expect(() => KeyStore.open(join(dir, 'absent.json'))).toThrow(/^no key store \S*absent\.json \(bailiff keys add --store \S*absent\.json makes one\)$/);
    expect(() => KeyStore.open(file, { masterKeyFile: join(dir, 'absent.master') })).toThrow(/^cannot read master key \S*absent\.master: no such file \(ENOENT\)$/);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"format":"bailiff-api-keys","version":1,"keys":[{"id":"x"}]}');
    writeFileSync(defaultMasterKeyFile(broken), `${'cd'.repeat(32)}\n`);
    expect(() => KeyStore.open(broken)).toThrow(/keys\[0\]\.id is not a key id/);
    const store = KeyStore.inMemory();
    expect(() => store.add({ role: 'read', accounts: [], nowMs: T0 })).toThrow(/at least one account/);
    expect(() => store.add({ role: 'read', accounts: ['a b'], nowMs: T0 })).toThrow(/not an account id/);
    expect(store.list()).toEqual([]);
  });
});
