// The security plugin (fastify-plugin, so its hooks apply to every route of the server that registers it). Each route
// declares what it needs in `config: { role, account? }`; the plugin refuses, in this order, before any handler runs:
//   onRequest   a route without a valid role (deny by default); a declared body larger than the limit; then, unless
//               the route is public: the key headers, the key (unknown, revoked), the timestamp (malformed, outside
//               the window);
//   preParsing  the body read (bounded) and the signature checked over it, then the replay cache, the role, the
//               key's token bucket: all before the body is parsed;
//   preValidation  the account the request names (params.id or body.account) against the key's scope: another
//               account's data answers 404, as if it did not exist.
// Each refusal is one stable code (src/core/codes.ts, security_error) with its status (refusal.ts). docs/security.md.

import { Readable } from 'node:stream';
import cors from '@fastify/cors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { ActiveKey, ApiKey, KeyStore } from './key-store.js';
import { accountNotFoundMessage, refuse } from './refusal.js';
import { ReplayCache } from './replay-cache.js';
import { ACTOR_COMMANDS, commandRole } from './command-roles.js';
import { isRouteRole, roleAllows, type AccountLocation, type Role, type RouteRole } from './roles.js';
import { HEADERS, verify } from './signing.js';
import { checkRateLimit, TokenBuckets, type RateLimit } from './token-bucket.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The least role the route needs, or 'public' (no key). A route without one is refused. */
    role?: RouteRole;
    /** Where the request names the account it touches, checked against the key's scope. */
    account?: AccountLocation;
    /**
     * 'body': the body is an engine command (or a list of them); each needs its own role (command-roles.ts), and
     * confirm_change / cancel_change get the key id as their actor. POST /v1/commands (the contract's command route)
     * is treated so even without it.
     */
    commands?: 'body';
  }
  interface FastifyRequest {
    /** The key that signed the request (null on public routes; absent when the server runs without security). */
    apiKey?: ApiKey | null;
  }
}

export interface SecurityOptions {
  readonly keys: KeyStore;
  /** How far a request's timestamp may be from the server's clock, either way (default 30 s). */
  readonly windowMs?: number;
  /** The most signatures the replay cache holds (default 100,000); when full of live ones, requests get 429. */
  readonly replayCacheMax?: number;
  /** Every key's token bucket unless the key sets its own (default 20/s, bursts of 40). */
  readonly rateLimit?: RateLimit;
  /** The largest request body in bytes (default 64 KiB). */
  readonly bodyLimitBytes?: number;
  /** CORS is off unless origins are given (exact origins, e.g. https://ops.example.com; never '*'). */
  readonly cors?: { readonly origins: readonly string[] };
  /** The clock, ms since the epoch (tests move it). */
  readonly nowMs?: () => number;
  /** How often the key store file is checked for changes (revocations by `bailiff keys revoke`), ms; default 1000. */
  readonly reloadKeysEveryMs?: number;
}

export const SECURITY_DEFAULTS = {
  windowMs: 30_000,
  replayCacheMax: 100_000,
  rateLimit: { perSecond: 20, burst: 40 },
  bodyLimitBytes: 64 * 1024,
  reloadKeysEveryMs: 1000,
} as const;

/** What onRequest established about a signed request, for the later hooks. */
interface Pending {
  readonly active: ActiveKey;
  readonly timestampMs: number;
  readonly timestampText: string;
  readonly signature: string;
}

function oneHeader(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return typeof v === 'string' ? v : undefined;
}

async function security(fastify: FastifyInstance, options: SecurityOptions): Promise<void> {
  const windowMs = options.windowMs ?? SECURITY_DEFAULTS.windowMs;
  const bodyLimitBytes = options.bodyLimitBytes ?? SECURITY_DEFAULTS.bodyLimitBytes;
  const defaultRate = options.rateLimit ?? SECURITY_DEFAULTS.rateLimit;
  const reloadEveryMs = options.reloadKeysEveryMs ?? SECURITY_DEFAULTS.reloadKeysEveryMs;
  const now = options.nowMs ?? Date.now;
  if (!(windowMs > 0) || !(bodyLimitBytes > 0)) throw new RangeError('security: windowMs and bodyLimitBytes must be positive');
  checkRateLimit(defaultRate);
  const replays = new ReplayCache(windowMs, options.replayCacheMax ?? SECURITY_DEFAULTS.replayCacheMax);
  const buckets = new TokenBuckets();
  const pending = new WeakMap<FastifyRequest, Pending>();
  const keys = options.keys;
  let keysCheckedMs = now();

  // CORS first, so that its onRequest hook answers preflights (which carry no key) before ours refuses them.
  const origins = options.cors?.origins ?? [];
  if (origins.length > 0) {
    if (origins.includes('*')) throw new RangeError("security: CORS origins must be explicit, not '*'");
    await fastify.register(cors, {
      origin: [...origins],
      methods: ['GET', 'POST'],
      allowedHeaders: ['content-type', HEADERS.key, HEADERS.timestamp, HEADERS.nonce, HEADERS.signature],
      exposedHeaders: ['retry-after'],
      maxAge: 600,
    });
  }

  fastify.decorateRequest('apiKey', null);
  // Routes registered after this plugin get the body limit too (fastify's own 413 for bodies sent without a length).
  fastify.addHook('onRoute', (route) => {
    route.bodyLimit ??= bodyLimitBytes;
  });

  fastify.addHook('onRequest', async (request, reply) => {
    if (request.is404) return undefined; // no such route: fastify's 404
    const role = request.routeOptions.config.role;
    if (!isRouteRole(role)) return refuse(reply, 'route_unprotected', `${request.method} ${request.routeOptions.url ?? request.url} declares no role: refused`);
    const length = Number(request.headers['content-length'] ?? 0);
    if (length > bodyLimitBytes) return refuse(reply, 'body_too_large', `the body is ${length} bytes; the limit is ${bodyLimitBytes}`);
    if (role === 'public') return undefined;

    const keyId = oneHeader(request, HEADERS.key);
    const timestampText = oneHeader(request, HEADERS.timestamp);
    const signature = oneHeader(request, HEADERS.signature);
    if (keyId === undefined || timestampText === undefined || signature === undefined) {
      return refuse(reply, 'key_missing', `a signed request carries the headers ${HEADERS.key}, ${HEADERS.timestamp} and ${HEADERS.signature}`);
    }
    const nowMs = now();
    if (nowMs - keysCheckedMs >= reloadEveryMs) {
      keysCheckedMs = nowMs;
      keys.reloadIfChanged();
    }
    const active = keys.lookup(keyId);
    if (active === 'unknown') return refuse(reply, 'key_unknown', 'no such key');
    if (active === 'revoked') return refuse(reply, 'key_revoked', 'the key was revoked');
    if (!/^\d{1,16}$/.test(timestampText)) return refuse(reply, 'timestamp_invalid', `${HEADERS.timestamp} must be milliseconds since the epoch (digits only)`);
    const timestampMs = Number(timestampText);
    if (Math.abs(nowMs - timestampMs) > windowMs) {
      return refuse(reply, 'timestamp_outside_window', `the timestamp is ${nowMs - timestampMs} ms from the server's clock; the window is ${windowMs} ms either way`);
    }
    pending.set(request, { active, timestampMs, timestampText, signature });
    return undefined;
  });

  fastify.addHook('preParsing', async (request, reply, payload) => {
    const p = pending.get(request);
    if (p === undefined) return payload; // public route (or refused already)
    const chunks: Buffer[] = [];
    let size = 0;
    // A request that announces no body (a GET, a WebSocket upgrade) is signed over zero bytes; its stream is not read.
    const announcesBody = request.headers['content-length'] !== undefined || request.headers['transfer-encoding'] !== undefined;
    if (announcesBody) {
      for await (const chunk of payload) {
        const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
        size += b.length;
        if (size > bodyLimitBytes) {
          refuse(reply, 'body_too_large', `the body is over the limit of ${bodyLimitBytes} bytes`);
          return payload;
        }
        chunks.push(b);
      }
    }
    const body = Buffer.concat(chunks);
    const nowMs = now();
    const parts = {
      keyId: p.active.key.id,
      timestampMs: p.timestampText,
      nonce: oneHeader(request, HEADERS.nonce) ?? '',
      method: request.method,
      pathWithQuery: request.raw.url ?? request.url,
      body,
    };
    if (!verify(p.active.secret, parts, p.signature)) return refusedStream(refuse(reply, 'signature_invalid', 'the signature does not match the request'));
    const seen = replays.check(p.signature, p.timestampMs, nowMs);
    if (seen === 'replayed') return refusedStream(refuse(reply, 'replayed', 'this signed request was already received'));
    if (seen === 'full') return refusedStream(refuse(reply, 'replay_cache_full', 'too many signed requests within the window', windowMs));
    const needed = request.routeOptions.config.role as Role;
    if (!roleAllows(p.active.key.role, needed)) return refusedStream(refuse(reply, 'role_insufficient', `the route needs the role ${needed}; the key's role is ${p.active.key.role}`));
    const taken = buckets.take(p.active.key.id, p.active.key.rateLimit ?? defaultRate, nowMs);
    if (!taken.ok) return refusedStream(refuse(reply, 'rate_limited', "the key's rate limit is reached", taken.retryAfterMs));
    request.apiKey = p.active.key;
    // The body goes on to the parser as received.
    return Readable.from(body.length === 0 ? [] : [body]);
  });

  fastify.addHook('preValidation', async (request, reply) => {
    const key = request.apiKey;
    if (key === null || key === undefined) return undefined;
    const config = request.routeOptions.config;
    if (config.commands === 'body' || (request.method === 'POST' && request.routeOptions.url === COMMAND_ROUTE)) {
      const refused = checkCommands(request, reply, key);
      if (refused !== undefined) return refused;
    }
    const where = config.account;
    if (where === undefined || key.accounts === '*') return undefined;
    const account = where === 'params.id' ? (request.params as Record<string, unknown> | undefined)?.['id'] : (request.body as Record<string, unknown> | undefined)?.['account'];
    if (typeof account !== 'string') return refuse(reply, 'account_required', 'this key is scoped to accounts; the request names none');
    if (!key.accounts.includes(account)) return refuse(reply, 'not_found', accountNotFoundMessage(account));
    return undefined;
  });
}

/** The contract's command route (common.md): any engine command, journaled before the reply. */
export const COMMAND_ROUTE = '/v1/commands';

/**
 * Each command of the body needs its own role; confirm_change / cancel_change carry the signing key's id as their
 * actor (filled in when absent; another actor is refused), so the journal records which key confirmed a change.
 */
function checkCommands(request: FastifyRequest, reply: FastifyReply, key: ApiKey): FastifyReply | undefined {
  const commands: unknown[] = Array.isArray(request.body) ? request.body : [request.body];
  for (const command of commands) {
    const needed = commandRole(command);
    if (needed === undefined) continue; // not a command of a known kind: the route refuses it
    const kind = (command as { kind: string }).kind;
    if (!roleAllows(key.role, needed)) return refuse(reply, 'command_role_insufficient', `${kind} needs the role ${needed}; the key's role is ${key.role}`);
    if (ACTOR_COMMANDS.has(kind)) {
      const c = command as { actor?: unknown };
      if (c.actor === undefined) c.actor = key.id;
      else if (c.actor !== key.id) return refuse(reply, 'actor_mismatch', `${kind} names the actor ${JSON.stringify(c.actor)}; it was signed by ${key.id}`);
    }
  }
  return undefined;
}

/** What preParsing returns after a refusal (fastify stops at a sent reply and never reads it). */
function refusedStream(_reply: FastifyReply): Readable {
  return Readable.from([]);
}

/** The security plugin: register it before the routes (`await app.register(securityPlugin, { keys })`). */
export const securityPlugin = fp(security, { fastify: '5.x', name: 'bailiff-security' });
