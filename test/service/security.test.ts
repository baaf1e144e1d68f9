// The security plugin inside the real server (buildServer with options.security), over real HTTP: signed requests,
// roles per route and per command, account scope answered exactly as the server answers a missing account, replay,
// and that nothing a refused request carried reaches the journal. The plugin's own checks, one by one, are in
// src/service/security/plugin.test.ts; this is the same contract with the server's routes.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedFetch, signedHeaders, type Credentials } from '../../src/service/security/client.js';
import { KeyStore } from '../../src/service/security/key-store.js';
import { securityPlugin } from '../../src/service/security/plugin.js';
import { join } from 'node:path';
import { openCheckedJournal } from '../../src/cli/journal-file.js';
import { ETH_PERP } from '../../src/core/engine/testkit.js';
import { ppm, quote } from '../../src/core/units/index.js';
import { start, type Running } from './support.js';

const keys = KeyStore.inMemory();
const issue = (role: 'read' | 'trade' | 'operator' | 'admin', accounts: readonly string[] | '*'): Credentials => {
  const { key, secret } = keys.add({ role, accounts, nowMs: Date.now() });
  return { keyId: key.id, secret };
};
const operator = issue('operator', '*');
const reader = issue('read', '*');
const alice = issue('trade', ['alice']);
const admin = issue('admin', '*');

let s: Running;
const head = (): number => s.app.bailiff.host.durable.journal.head();
const answer = async (res: Response): Promise<{ status: number; body: { error?: { code: string; number: number; message: string }; [k: string]: unknown } }> => ({ status: res.status, body: (await res.json()) as never });

beforeAll(async () => {
  s = await start(undefined, { security: { plugin: securityPlugin, options: { keys } } });
  const funded = await answer(await signedFetch(s.base, operator, 'POST', '/v1/commands', [
    { kind: 'deposit', account: 'alice', asset: 'USDC', amount: '300' },
    { kind: 'deposit', account: 'bob', asset: 'USDC', amount: '100000' },
  ]));
  expect(funded.status).toBe(200);
});
afterAll(async () => {
  await s.app.close();
});

describe('the server with security on', () => {
  it('serves public routes without a key and refuses the others unsigned', async () => {
    expect((await fetch(`${s.base}/health`)).status).toBe(200);
    expect((await fetch(`${s.base}/v1/markets`)).status).toBe(200);
    expect(await answer(await fetch(`${s.base}/v1/accounts/alice`))).toMatchObject({ status: 401, body: { error: { code: 'key_missing', number: 10101 } } });
  });

  it("answers another account's data exactly as an account that does not exist (404 not_found)", async () => {
    expect((await signedFetch(s.base, alice, 'GET', '/v1/accounts/alice')).status).toBe(200);
    const hidden = await answer(await signedFetch(s.base, alice, 'GET', '/v1/accounts/bob'));
    const missing = await answer(await signedFetch(s.base, reader, 'GET', '/v1/accounts/carol'));
    expect(hidden).toEqual({ status: 404, body: { error: { code: 'not_found', number: 10002, message: 'no account bob' } } });
    expect(missing).toEqual({ status: 404, body: { error: { code: 'not_found', number: 10002, message: 'no account carol' } } });
    expect((await signedFetch(s.base, reader, 'GET', '/v1/accounts/bob')).status).toBe(200);
  });

  it('gives each posted command its role and journals nothing refused', async () => {
    const before = head();
    const price = { kind: 'price', market: 'ETH-PERP', mark: '3001' };
    expect(await answer(await signedFetch(s.base, alice, 'POST', '/v1/commands', { ...price, account: 'alice' }))).toMatchObject({ status: 403 });
    expect(await answer(await signedFetch(s.base, reader, 'POST', '/v1/commands', price))).toMatchObject({ status: 403, body: { error: { code: 'role_insufficient' } } });
    expect(head()).toBe(before);
    // A trader's own withdrawal passes; another account's answers 404 (scope) and is not journaled.
    expect((await signedFetch(s.base, alice, 'POST', '/v1/commands', { kind: 'withdraw', account: 'alice', asset: 'USDC', amount: '1' })).status).toBe(200);
    expect(await answer(await signedFetch(s.base, alice, 'POST', '/v1/commands', { kind: 'withdraw', account: 'bob', asset: 'USDC', amount: '1' }))).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(head()).toBe(before + 1);
  });

  it('refuses a replayed command: journaled once', async () => {
    const body = JSON.stringify({ kind: 'price', market: 'ETH-PERP', mark: '3002' });
    const headers = { 'content-type': 'application/json', ...signedHeaders(operator, { method: 'POST', pathWithQuery: '/v1/commands', body }) };
    const before = head();
    expect((await fetch(`${s.base}/v1/commands`, { method: 'POST', headers, body })).status).toBe(200);
    expect(await answer(await fetch(`${s.base}/v1/commands`, { method: 'POST', headers, body }))).toMatchObject({ status: 401, body: { error: { code: 'replayed' } } });
    expect(head()).toBe(before + 1);
  });

  it("lists a pending parameter change to admins, and confirms it with the admin's key id journaled as its actor", async () => {
    // alice (299 USDC after her withdrawal) buys 1 ETH at 3,000 from bob; the mark is 3,002 (the replay test's
    // price). ETH-PERP's maintenance raised from 2.5% to 12% asks 0.12 x 3,002 = 360.24 of her equity 299 + 2 = 301:
    // she would breach, so the change waits (confirmChangesAbove 0): 1 ledger, 3,002 USDC of notional.
    expect((await signedFetch(s.base, operator, 'POST', '/v1/commands', { kind: 'fill', market: 'ETH-PERP', price: '3000', size: '1', buyer: 'alice', seller: 'bob' })).status).toBe(200);
    const host = s.app.bailiff.host;
    const tighter = { ...ETH_PERP, margin: { tiers: [{ notionalFloor: quote(0n), initialPpm: ppm(150_000n), maintenancePpm: ppm(120_000n), maintenanceAmount: quote(0n) }] } };
    const [proposed] = await host.submit([{ kind: 'set_market', tsMs: host.engine.state.timeMs, market: tighter }]);
    expect(proposed?.events.map((e) => e.kind)).toEqual(['ParameterChangePreviewed', 'ParameterChangePending']);
    const listed = await answer(await signedFetch(s.base, admin, 'GET', '/v1/admin/changes'));
    expect(listed).toMatchObject({ status: 200, body: { changes: [{ id: 1, command: 'set_market', target: 'ETH-PERP', ledgers: 1, notional: '3002' }] } });
    expect(await answer(await signedFetch(s.base, operator, 'POST', '/v1/admin/changes/1/confirm'))).toMatchObject({ status: 403, body: { error: { code: 'role_insufficient' } } });
    const confirmed = await answer(await signedFetch(s.base, admin, 'POST', '/v1/admin/changes/1/confirm'));
    expect(confirmed.status).toBe(200);
    const events = confirmed.body['events'] as { kind: string; actor?: string; account?: string }[];
    expect(events[0]).toMatchObject({ kind: 'ParameterChangeConfirmed', change: 1, actor: admin.keyId });
    expect(events.filter((e) => e.kind === 'LiquidationStarted').map((e) => e.account)).toEqual(['alice']);
    const journal = openCheckedJournal(join(s.dir, 'journal.db'));
    const confirm = [...journal.records].find((r) => r.command.kind === 'confirm_change');
    expect(confirm?.command).toMatchObject({ kind: 'confirm_change', change: 1, actor: admin.keyId });
  });
});
