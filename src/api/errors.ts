/** The one mapper from error codes to HTTP, and the JSON error body of SPEC §6. */
import { IdxError, type ErrorCode } from '../domain/errors.ts';

export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = Object.freeze({
  VALIDATION_ERROR: 400,
  MALFORMED_JSON: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PAYLOAD_TOO_LARGE: 413,
  INVALID_AMOUNT: 400,
  INVALID_PAN: 400,
  INVALID_BANK: 400,
  INVALID_USER_IDX: 400,
  UNAUTHORIZED: 401,
  INVALID_CREDENTIALS: 401,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  NOT_FOUND: 404,
  RECEIVER_NOT_FOUND: 404,
  PAN_ALREADY_REGISTERED: 409,
  SELF_PAYMENT: 400,
  INSUFFICIENT_FUNDS: 422,
  IDEMPOTENCY_KEY_REUSED: 409,
  MINING_ALREADY_ACTIVE: 409,
  MINING_NOT_ACTIVE: 409,
  POOL_FULL: 503,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
});

export interface ErrorBody {
  success: false;
  error: string;
  code: ErrorCode;
}

export function errorBody(code: ErrorCode, error: string): ErrorBody {
  return { success: false, error, code };
}

const FASTIFY_CODES: Record<string, [ErrorCode, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json.'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['VALIDATION_ERROR', 'The Content-Length header does not match the body.'],
  FST_ERR_CTP_BODY_TOO_LARGE: ['PAYLOAD_TOO_LARGE', 'The request body is too large.'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['MALFORMED_JSON', 'The JSON body is empty.'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['MALFORMED_JSON', 'The body is not valid JSON.'],
  FST_ERR_CTP_EMPTY_TYPE: ['UNSUPPORTED_MEDIA_TYPE', 'The Content-Type header is empty.'],
  FST_ERR_CTP_INVALID_TYPE: ['UNSUPPORTED_MEDIA_TYPE', 'The Content-Type header is not valid.'],
  FST_ERR_BAD_URL: ['ROUTE_NOT_FOUND', 'The URL is not valid.'],
  FST_ERR_ASYNC_CONSTRAINT: ['ROUTE_NOT_FOUND', 'No such route.'],
};

const DB_DOWN = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006']);

/** Whether an error means the database is unreachable (refused, reset, timed out, shut down): a 503, not a 500. */
export function isDatabaseDown(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown };
  if (typeof err?.code === 'string' && DB_DOWN.has(err.code)) return true;
  const m = typeof err?.message === 'string' ? err.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|is not queryable|the embedded database is closed/i.test(m);
}

/** Maps anything thrown to a status and a safe body; 5xx never carry internal detail. */
export function toHttpError(e: unknown): { status: number; body: ErrorBody; internal: boolean } {
  if (e instanceof IdxError) return { status: HTTP_STATUS[e.code], body: errorBody(e.code, e.message), internal: false };
  const err = e as { code?: unknown; validation?: unknown; statusCode?: unknown; message?: unknown };
  if (err && Array.isArray(err.validation)) {
    const msg = typeof err.message === 'string' ? err.message : 'The request is not valid.';
    return { status: 400, body: errorBody('VALIDATION_ERROR', `Invalid request: ${msg}.`), internal: false };
  }
  if (err && typeof err.code === 'string' && FASTIFY_CODES[err.code]) {
    const [code, msg] = FASTIFY_CODES[err.code]!;
    return { status: HTTP_STATUS[code], body: errorBody(code, msg), internal: false };
  }
  if (err && err.statusCode === 429) {
    return { status: 429, body: errorBody('RATE_LIMITED', typeof err.message === 'string' ? err.message : 'Too many requests.'), internal: false };
  }
  if (isDatabaseDown(e)) {
    return { status: 503, body: errorBody('SERVICE_UNAVAILABLE', 'The database is unavailable; try again shortly.'), internal: true };
  }
  if (err && typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return { status: err.statusCode, body: errorBody('VALIDATION_ERROR', 'The request is not valid.'), internal: false };
  }
  return { status: 500, body: errorBody('INTERNAL_ERROR', 'Something went wrong on our side.'), internal: true };
}
