/**
 * The one error class of the project. Every refusal carries a machine code;
 * src/api/errors.ts maps codes to HTTP statuses. The domain never knows HTTP.
 */
export const ERROR_CODES = [
  // input
  'VALIDATION_ERROR',
  'MALFORMED_JSON',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
  'INVALID_AMOUNT',
  'INVALID_PAN',
  'INVALID_BANK',
  'INVALID_USER_IDX',
  // auth
  'UNAUTHORIZED',
  'INVALID_CREDENTIALS',
  // resources
  'ROUTE_NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'NOT_FOUND',
  'RECEIVER_NOT_FOUND',
  // business rules
  'PAN_ALREADY_REGISTERED',
  'SELF_PAYMENT',
  'INSUFFICIENT_FUNDS',
  'IDEMPOTENCY_KEY_REUSED',
  'MINING_ALREADY_ACTIVE',
  'MINING_NOT_ACTIVE',
  'POOL_FULL',
  'RATE_LIMITED',
  // server
  'SERVICE_UNAVAILABLE',
  'INTERNAL_ERROR',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class IdxError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'IdxError';
    this.code = code;
    this.details = details === undefined ? undefined : Object.freeze({ ...details });
  }
}

export function isIdxError(e: unknown): e is IdxError {
  return e instanceof IdxError;
}
