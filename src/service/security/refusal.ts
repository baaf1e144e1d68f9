// How the security plugin refuses a request: one table from code to HTTP status (STYLE.md: one table maps reasons
// to statuses), and the service's one error body, { error: { code, number, message } }, so a client reads every
// refusal the same way. A refused request reaches no handler: nothing changes.
//
// Two refusals use the server's own codes (service_error) rather than ours: an account outside the key's scope is
// `not_found`, byte for byte the answer for an account that does not exist (so a key cannot probe which accounts
// exist), and a body over the limit is `body_too_large`, the same answer whichever layer counted the bytes.

import type { FastifyReply } from 'fastify';
import { codeNumber, type CodeName } from '../../core/codes.js';

export type SecurityCode = CodeName<'security_error'>;
/** service_error codes the plugin answers with (src/service/errors.ts). */
type SharedCode = 'not_found' | 'body_too_large';
export type RefusalCode = SecurityCode | SharedCode;

export const REFUSAL_STATUS: Readonly<Record<RefusalCode, number>> = {
  route_unprotected: 403,
  key_missing: 401,
  key_unknown: 401,
  key_revoked: 401,
  timestamp_invalid: 401,
  timestamp_outside_window: 401,
  signature_invalid: 401,
  replayed: 401,
  role_insufficient: 403,
  account_required: 403,
  rate_limited: 429,
  replay_cache_full: 429,
  command_role_insufficient: 403,
  actor_mismatch: 403,
  not_found: 404,
  body_too_large: 413,
};


export interface RefusalBody {
  readonly error: { readonly code: RefusalCode; readonly number: number; readonly message: string };
}

export function refusalBody(code: RefusalCode, message: string): RefusalBody {
  const number = code === 'not_found' || code === 'body_too_large' ? codeNumber('service_error', code) : codeNumber('security_error', code);
  return { error: { code, number, message } };
}

/** Sends the refusal; `retryAfterMs` becomes a Retry-After header in whole seconds, rounded up (at least 1). */
export function refuse(reply: FastifyReply, code: RefusalCode, message: string, retryAfterMs?: number): FastifyReply {
  if (retryAfterMs !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
  return reply.code(REFUSAL_STATUS[code]).send(refusalBody(code, message));
}

/** The message of the 404 for an account the key may not see: the server's message for an unknown account. */
export function accountNotFoundMessage(account: string): string {
  return `no account ${account}`;
}
