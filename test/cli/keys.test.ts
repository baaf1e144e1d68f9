// End-to-end through the CLI: `bailiff keys add | list | revoke`, then the keys used against a server running the
// security plugin on the same store (the revocation reaches the running server without a restart).

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { runCliCaptured, type CliRun } from '../support/cli.js';
import { signedFetch } from '../../src/service/security/client.js';
import { KeyStore } from '../../src/service/security/key-store.js';
import { securityPlugin } from '../../src/service/security/plugin.js';

const cli = (args: string[]): Promise<CliRun> => runCliCaptured(args);

describe('bailiff keys', () => {
  const store = join(mkdtempSync(join(tmpdir(), 'bailiff-keys-cli-')), 'keys.json');

  it('add prints the id and the secret once; the store holds neither the secret nor the master key', async () => {
    const r = await cli(['keys', 'add', '--role', 'trade', '--accounts', 'alice,bob', '--store', store]);
    expect(r.code).toBe(0);
    const m = /^key id: (bk_[0-9a-f]{24})\nsecret: ([A-Za-z0-9_-]{43})\nrole: {3}trade\naccounts: alice,bob\n$/.exec(r.out);
    expect(m).not.toBeNull();
    expect(r.err).toMatch(/shown only now/);
    const text = readFileSync(store, 'utf8');
    expect(text).toContain(m![1]);
    expect(text).not.toContain(m![2]);
    expect(text).not.toContain(readFileSync(`${store}.master`, 'utf8').trim());
    const list = await cli(['keys', 'list', '--store', store]);
    expect(list.out).toMatch(new RegExp(`^${m![1]}  trade     alice,bob  created \\S+Z  active\\n$`));
  });

  it('refuses a bad role, bad accounts, a rate without a burst and an unknown key (exit 2, one line)', async () => {
    for (const args of [
      ['keys', 'add', '--role', 'root', '--store', store],
      ['keys', 'add', '--role', 'read', '--accounts', 'a,,b', '--store', store],
      ['keys', 'add', '--role', 'read', '--rate', '5', '--store', store],
      ['keys', 'revoke', 'bk_000000000000000000000000', '--store', store],
      ['keys', 'list', '--store', join(tmpdir(), 'no-such-bailiff-store.json')],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(/^error: [^\n]+\n$/);
    }
    expect(JSON.parse((await cli(['keys', 'list', '--store', store, '--json'])).out)).toHaveLength(1);
  });

  it('a key made by the CLI signs requests a server accepts, until `keys revoke` (seen by the running server)', async () => {
    const added = JSON.parse((await cli(['keys', 'add', '--role', 'read', '--store', store, '--json'])).out) as { id: string; secret: string };
    const app = Fastify();
    await app.register(securityPlugin, { keys: KeyStore.open(store), reloadKeysEveryMs: 0 });
    app.get('/v1/markets', { config: { role: 'read' } }, async (request) => ({ key: request.apiKey?.id }));
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const ok = await signedFetch(base, { keyId: added.id, secret: added.secret }, 'GET', '/v1/markets');
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ key: added.id });
      const r = await cli(['keys', 'revoke', added.id, '--store', store]);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/revoked \d{4}-/);
      const refused = await signedFetch(base, { keyId: added.id, secret: added.secret }, 'GET', '/v1/markets');
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('key_revoked');
    } finally {
      await app.close();
    }
  });
});
