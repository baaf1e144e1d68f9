// The security plugin on a real fastify server listening on a loopback port, with routes of every role. Each refusal
// is checked for its status, its stable code, and that nothing changed (the handlers count what they did).

import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signedHeaders, type Credentials } from './client.js';
import { KeyStore } from './key-store.js';
import { securityPlugin } from './plugin.js';
import { accountNotFoundMessage, refusalBody, type RefusalBody } from './refusal.js';
import type { Role } from './roles.js';

const T0 = Date.UTC(2026, 11, 2, 22, 0, 0);
let clockMs = T0;
let app: FastifyInstance;
let base: string;
const keys = KeyStore.inMemory();
const creds: Record<string, Credentials> = {};
/** What the handlers did: a refused request must leave it as it was. */
const done = { trades: 0, orders: [] as string[], admin: 0, commands: [] as unknown[] };

function issue(name: string, role: Role, accounts: readonly string[] | '*', rateLimit?: { perSecond: number; burst: number }): void {
  const { key, secret } = keys.add({ role, accounts, nowMs: T0, ...(rateLimit === undefined ? {} : { rateLimit }) });
  creds[name] = { keyId: key.id, secret };
}

beforeAll(async () => {
  issue('reader', 'read', '*');
  issue('trader', 'trade', '*');
  issue('admin', 'admin', '*');
  issue('alice', 'trade', ['alice']);
  issue('limited', 'read', '*', { perSecond: 2, burst: 3 });
  issue('revoked', 'admin', '*');
  keys.revoke(creds['revoked']!.keyId, T0);

  app = Fastify();
  await app.register(securityPlugin, { keys, nowMs: () => clockMs, windowMs: 30_000, bodyLimitBytes: 1024, rateLimit: { perSecond: 1000, burst: 1000 } });
  app.get('/health', { config: { role: 'public' } }, async () => ({ ok: true }));
  app.get('/v1/markets', { config: { role: 'read' } }, async (request) => ({ key: request.apiKey?.id }));
  app.post('/v1/trades', { config: { role: 'trade' } }, async (request) => {
    done.trades += 1;
    return { echoed: request.body };
  });
  // As the server answers: an account that does not exist is service_error not_found.
  app.get('/v1/accounts/:id', { config: { role: 'read', account: 'params.id' } }, async (request, reply) => {
    const id = (request.params as { id: string }).id;
    return ['alice', 'bob'].includes(id) ? { account: id } : reply.code(404).send(refusalBody('not_found', accountNotFoundMessage(id)));
  });
  app.post('/v1/orders', { config: { role: 'trade', account: 'body.account' } }, async (request) => {
    done.orders.push((request.body as { account: string }).account);
    return { placed: true };
  });
  app.post('/v1/admin/halt', { config: { role: 'admin' } }, async () => {
    done.admin += 1;
    return { halted: true };
  });
  app.post('/v1/commands', { config: { role: 'trade' } }, async (request) => {
    done.commands.push(request.body);
    return { accepted: true };
  });
  app.get('/v1/forgotten', async () => ({ leaked: true })); // declares no role
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await app.close();
});

beforeEach(() => {
  clockMs += 60_000; // a fresh window for each test: earlier signatures are long expired
});

interface Sent {
  readonly status: number;
  readonly body: { error?: { code: string; number: number; message: string } };
  readonly headers: Headers;
}

async function send(who: Credentials | undefined, method: string, path: string, body?: string, tweak?: (h: Record<string, string>) => void, signBody?: string): Promise<Sent> {
  const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
  if (who !== undefined) Object.assign(headers, signedHeaders(who, { method, pathWithQuery: path, nowMs: clockMs, ...((signBody ?? body) === undefined ? {} : { body: (signBody ?? body)! }) }));
  tweak?.(headers);
  const res = await fetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Sent['body']), headers: res.headers };
}

describe('security plugin', () => {
  it('lets signed requests of a sufficient role through, and public routes without a key', async () => {
    expect(await send(undefined, 'GET', '/health')).toMatchObject({ status: 200, body: { ok: true } });
    const read = await send(creds['reader'], 'GET', '/v1/markets');
    expect(read).toMatchObject({ status: 200, body: { key: creds['reader']!.keyId } });
    // A higher role includes the lower ones: admin may read and trade.
    expect((await send(creds['admin'], 'GET', '/v1/markets')).status).toBe(200);
    const before = done.trades;
    expect(await send(creds['admin'], 'POST', '/v1/trades', '{"size":"1"}')).toMatchObject({ status: 200, body: { echoed: { size: '1' } } });
    expect(done.trades).toBe(before + 1);
  });

  it('refuses a route that declares no role (deny by default), even to admin', async () => {
    expect(await send(creds['admin'], 'GET', '/v1/forgotten')).toMatchObject({ status: 403, body: { error: { code: 'route_unprotected', number: 10100 } } });
    expect(await send(undefined, 'GET', '/v1/forgotten')).toMatchObject({ status: 403, body: { error: { code: 'route_unprotected' } } });
    expect((await send(undefined, 'GET', '/v1/nowhere')).status).toBe(404); // no route at all: fastify's own 404
  });

  it('refuses missing headers, an unknown key and a revoked key (401)', async () => {
    expect(await send(undefined, 'GET', '/v1/markets')).toMatchObject({ status: 401, body: { error: { code: 'key_missing' } } });
    expect(await send(creds['reader'], 'GET', '/v1/markets', undefined, (h) => delete h['bailiff-signature'])).toMatchObject({ status: 401, body: { error: { code: 'key_missing' } } });
    const stranger = { keyId: 'bk_000000000000000000000000', secret: creds['reader']!.secret };
    expect(await send(stranger, 'GET', '/v1/markets')).toMatchObject({ status: 401, body: { error: { code: 'key_unknown' } } });
    expect(await send(creds['revoked'], 'GET', '/v1/markets')).toMatchObject({ status: 401, body: { error: { code: 'key_revoked' } } });
  });

  it('refuses a wrong signature and a tampered body, and the handler never runs', async () => {
    const before = done.trades;
    const wrongSecret = { keyId: creds['trader']!.keyId, secret: creds['reader']!.secret };
    expect(await send(wrongSecret, 'POST', '/v1/trades', '{"size":"1"}')).toMatchObject({ status: 401, body: { error: { code: 'signature_invalid' } } });
    // Signed for size 1, sent with size 9.
    expect(await send(creds['trader'], 'POST', '/v1/trades', '{"size":"9"}', undefined, '{"size":"1"}')).toMatchObject({ status: 401, body: { error: { code: 'signature_invalid' } } });
    // Signed for one path, sent to another (the query is signed too).
    expect(await send(creds['reader'], 'GET', '/v1/markets?x=1', undefined, (h) => (h['bailiff-signature'] = signedHeaders(creds['reader']!, { method: 'GET', pathWithQuery: '/v1/markets', nowMs: clockMs, nonce: h['bailiff-nonce']! })['bailiff-signature']!))).toMatchObject({ status: 401, body: { error: { code: 'signature_invalid' } } });
    // The nonce is signed: changing it breaks the signature.
    expect(await send(creds['reader'], 'GET', '/v1/markets', undefined, (h) => (h['bailiff-nonce'] = 'x'))).toMatchObject({ status: 401, body: { error: { code: 'signature_invalid' } } });
    expect(done.trades).toBe(before);
  });

  it('refuses a timestamp outside the 30 s window either way, and a malformed one', async () => {
    const at = (dt: number) => (h: Record<string, string>) => Object.assign(h, signedHeaders(creds['reader']!, { method: 'GET', pathWithQuery: '/v1/markets', nowMs: clockMs + dt }));
    expect((await send(creds['reader'], 'GET', '/v1/markets', undefined, at(-30_000))).status).toBe(200); // at the edge: inside
    expect(await send(creds['reader'], 'GET', '/v1/markets', undefined, at(-30_001))).toMatchObject({ status: 401, body: { error: { code: 'timestamp_outside_window' } } });
    expect(await send(creds['reader'], 'GET', '/v1/markets', undefined, at(30_001))).toMatchObject({ status: 401, body: { error: { code: 'timestamp_outside_window' } } });
    expect(await send(creds['reader'], 'GET', '/v1/markets', undefined, (h) => (h['bailiff-timestamp'] = '1.7e12'))).toMatchObject({ status: 401, body: { error: { code: 'timestamp_invalid' } } });
  });

  it('refuses a replay of an accepted request within the window; after the window the timestamp refuses it', async () => {
    const headers = { 'content-type': 'application/json', ...signedHeaders(creds['trader']!, { method: 'POST', pathWithQuery: '/v1/trades', nowMs: clockMs, body: '{"size":"2"}' }) };
    const post = () => fetch(`${base}/v1/trades`, { method: 'POST', headers, body: '{"size":"2"}' });
    const before = done.trades;
    expect((await post()).status).toBe(200);
    const again = await post();
    expect(again.status).toBe(401);
    expect(((await again.json()) as RefusalBody).error.code).toBe('replayed');
    clockMs += 30_001;
    expect(((await (await post()).json()) as RefusalBody).error.code).toBe('timestamp_outside_window');
    expect(done.trades).toBe(before + 1);
  });

  it('refuses a role too low (403) after checking the signature', async () => {
    const before = { trades: done.trades, admin: done.admin };
    expect(await send(creds['reader'], 'POST', '/v1/trades', '{"size":"1"}')).toMatchObject({ status: 403, body: { error: { code: 'role_insufficient' } } });
    expect(await send(creds['trader'], 'POST', '/v1/admin/halt', '{}')).toMatchObject({ status: 403, body: { error: { code: 'role_insufficient' } } });
    expect({ trades: done.trades, admin: done.admin }).toEqual(before);
  });

  it("answers another account's data 404, exactly as for an account that does not exist", async () => {
    expect(await send(creds['alice'], 'GET', '/v1/accounts/alice')).toMatchObject({ status: 200, body: { account: 'alice' } });
    const other = await send(creds['alice'], 'GET', '/v1/accounts/bob');
    expect(other).toMatchObject({ status: 404, body: { error: { code: 'not_found', number: 10002, message: 'no account bob' } } });
    // bob exists; charlie does not: a key that may see neither gets the same answer for both.
    const missing = await send(creds['alice'], 'GET', '/v1/accounts/charlie');
    const hidden = await send(creds['alice'], 'GET', '/v1/accounts/bob');
    expect({ status: hidden.status, body: { ...hidden.body, error: { ...hidden.body.error, message: '' } } }).toEqual({ status: missing.status, body: { ...missing.body, error: { ...missing.body.error, message: '' } } });
    expect((await send(creds['reader'], 'GET', '/v1/accounts/charlie')).body).toEqual({ error: { code: 'not_found', number: 10002, message: 'no account charlie' } });
    // A key for all accounts sees bob.
    expect((await send(creds['reader'], 'GET', '/v1/accounts/bob')).status).toBe(200);
    const before = done.orders.length;
    expect((await send(creds['alice'], 'POST', '/v1/orders', '{"account":"alice"}')).status).toBe(200);
    expect(await send(creds['alice'], 'POST', '/v1/orders', '{"account":"bob"}')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(await send(creds['alice'], 'POST', '/v1/orders', '{"size":"1"}')).toMatchObject({ status: 403, body: { error: { code: 'account_required' } } });
    expect(done.orders.slice(before)).toEqual(['alice']);
  });

  it('limits each key by its token bucket: 429 with Retry-After, refilled with time, other keys unaffected', async () => {
    // The key 'limited' holds 3 tokens, refilled at 2/s.
    for (let i = 0; i < 3; i++) expect((await send(creds['limited'], 'GET', '/v1/markets')).status).toBe(200);
    const limited = await send(creds['limited'], 'GET', '/v1/markets');
    expect(limited).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
    expect(limited.headers.get('retry-after')).toBe('1'); // one token takes 500 ms: rounded up to 1 s
    expect((await send(creds['reader'], 'GET', '/v1/markets')).status).toBe(200);
    clockMs += 500;
    expect((await send(creds['limited'], 'GET', '/v1/markets')).status).toBe(200);
    expect((await send(creds['limited'], 'GET', '/v1/markets')).status).toBe(429);
  });

  it('refuses a body over the limit (413), declared or streamed, and the handler never runs', async () => {
    const before = done.trades;
    const big = JSON.stringify({ pad: 'x'.repeat(1100) });
    expect(await send(creds['trader'], 'POST', '/v1/trades', big)).toMatchObject({ status: 413, body: { error: { code: 'body_too_large' } } });
    // Without a length (chunked), the plugin counts while reading.
    const headers = { 'content-type': 'application/json', ...signedHeaders(creds['trader']!, { method: 'POST', pathWithQuery: '/v1/trades', nowMs: clockMs, body: big }) };
    const stream = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(big)); c.close(); } });
    const res = await fetch(`${base}/v1/trades`, { method: 'POST', headers, body: stream, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as RefusalBody).error.code).toBe('body_too_large');
    expect(done.trades).toBe(before);
  });
});

describe('security plugin: the command route', () => {
  it('gives each command its own role: a trade key may place an order, not post a price or change a market', async () => {
    const before = done.commands.length;
    const order = '{"kind":"place_order","account":"alice","market":"BTC-PERP","id":"o1","side":"buy","price":"1","size":"1"}';
    expect((await send(creds['trader'], 'POST', '/v1/commands', order)).status).toBe(200);
    expect(await send(creds['trader'], 'POST', '/v1/commands', '{"kind":"price","market":"BTC-PERP","price":"1"}')).toMatchObject({ status: 403, body: { error: { code: 'command_role_insufficient', message: "price needs the role operator; the key's role is trade" } } });
    // One command above the key's role refuses the whole list.
    expect(await send(creds['trader'], 'POST', '/v1/commands', `[${order},{"kind":"set_market","market":{}}]`)).toMatchObject({ status: 403, body: { error: { code: 'command_role_insufficient' } } });
    expect(await send(creds['trader'], 'POST', '/v1/commands', '{"kind":"confirm_change","change":1}')).toMatchObject({ status: 403, body: { error: { code: 'command_role_insufficient' } } });
    expect((await send(creds['admin'], 'POST', '/v1/commands', '{"kind":"price","market":"BTC-PERP","price":"1"}')).status).toBe(200);
    expect(done.commands.length).toBe(before + 2);
  });

  it("journals the admin's key id as the actor of confirm_change and cancel_change", async () => {
    const adminId = creds['admin']!.keyId;
    expect((await send(creds['admin'], 'POST', '/v1/commands', '{"kind":"confirm_change","change":3}')).status).toBe(200);
    expect(done.commands.at(-1)).toEqual({ kind: 'confirm_change', change: 3, actor: adminId });
    expect((await send(creds['admin'], 'POST', '/v1/commands', `{"kind":"cancel_change","change":4,"actor":"${adminId}"}`)).status).toBe(200);
    const before = done.commands.length;
    expect(await send(creds['admin'], 'POST', '/v1/commands', '{"kind":"cancel_change","change":4,"actor":"someone-else"}')).toMatchObject({ status: 403, body: { error: { code: 'actor_mismatch' } } });
    expect(done.commands.length).toBe(before);
  });
});

describe('security plugin: CORS', () => {
  it('is off by default and answers preflights of the configured origins only', async () => {
    const closed = await fetch(`${base}/health`, { headers: { origin: 'https://ops.example.com' } });
    expect(closed.headers.get('access-control-allow-origin')).toBeNull();

    const withCors = Fastify();
    await withCors.register(securityPlugin, { keys, cors: { origins: ['https://ops.example.com'] } });
    withCors.get('/health', { config: { role: 'public' } }, async () => ({ ok: true }));
    const url = await withCors.listen({ port: 0, host: '127.0.0.1' });
    try {
      const preflight = await fetch(`${url}/health`, { method: 'OPTIONS', headers: { origin: 'https://ops.example.com', 'access-control-request-method': 'GET' } });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://ops.example.com');
      expect(preflight.headers.get('access-control-allow-headers')).toContain('bailiff-signature');
      const stranger = await fetch(`${url}/health`, { headers: { origin: 'https://evil.example' } });
      expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await withCors.close();
    }
    await expect(Fastify().register(securityPlugin, { keys, cors: { origins: ['*'] } }).ready()).rejects.toThrow(/explicit/);
  });
});
