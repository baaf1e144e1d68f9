// The service's errors: a ServiceError carries a code of the table (service_error, core/codes.ts) and maps to one
// HTTP status through one table (STYLE.md "Edges": one table maps reasons to HTTP statuses). Every answer that is not
// a success has the same body: { error: { code, number, message } } (and `path` for a wire field).

import { codeNumber, type CodeName } from '../core/codes.js';
import { BailiffError } from '../errors.js';

export type ServiceCode = CodeName<'service_error'>;

export class ServiceError extends BailiffError {
  override readonly name = 'ServiceError';
  constructor(
    readonly code: ServiceCode,
    message: string,
  ) {
    super(message);
  }
}

/** The HTTP status of each service code. */
export const HTTP_STATUS: { readonly [C in ServiceCode]: number } = {
  invalid_request: 400,
  body_too_large: 413,
  not_found: 404,
  route_not_found: 404,
  unsupported_media_type: 415,
  queue_full: 503,
  unavailable: 503,
  resume_too_old: 410,
};

export interface ErrorBody {
  readonly error: { readonly code: string; readonly number: number; readonly message: string; readonly path?: string };
}

export function serviceErrorBody(code: ServiceCode, message: string): ErrorBody {
  return { error: { code, number: codeNumber('service_error', code), message } };
}
