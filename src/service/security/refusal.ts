// How the security plugin refuses a request: one table from code to HTTP status (STYLE.md: one table maps reasons
// to statuses), and one reply shape, fastify's own error shape ({statusCode, code, error, message}), so a client
// reads every refusal the same way. A refused request reaches no handler: nothing changes.

import { STATUS_CODES } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { CodeName } from '../../core/codes.js';

export type SecurityCode = CodeName<'security_error'>;

export const SECURITY_STATUS: Readonly<Record<SecurityCode, number>> = {
  route_unprotected: 403,
  key_missing: 401,
  key_unknown: 401,
  key_revoked: 401,
  timestamp_invalid: 401,
  timestamp_outside_window: 401,
  signature_invalid: 401,
  replayed: 401,
  role_insufficient: 403,
  not_found: 404,
  account_required: 403,
  rate_limited: 429,
  body_too_large: 413,
  replay_cache_full: 429,
};

export interface RefusalBody {
  readonly statusCode: number;
  readonly code: SecurityCode;
  readonly error: string;
  readonly message: string;
}

export function refusalBody(code: SecurityCode, message: string): RefusalBody {
  const statusCode = SECURITY_STATUS[code];
  return { statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

/**
 * The body of a 404 for an account outside the key's scope. A route that answers an account that does not exist
 * should answer with this same body, so that the two cannot be told apart.
 */
export function accountNotFoundBody(): RefusalBody {
  return refusalBody('not_found', 'not found');
}

/** Sends the refusal; `retryAfterMs` becomes a Retry-After header in whole seconds, rounded up (at least 1). */
export function refuse(reply: FastifyReply, code: SecurityCode, message: string, retryAfterMs?: number): FastifyReply {
  if (retryAfterMs !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
  const body = code === 'not_found' ? accountNotFoundBody() : refusalBody(code, message);
  return reply.code(body.statusCode).send(body);
}
