/**
 * Every error a client can see, with its stable code and HTTP status, in one catalogue.
 * Services throw these; the HTTP layer turns them into `{ statusCode, code, error, message }`.
 * Codes read `DOCQ_<AREA>_<WHAT>`; clients match on them, so a code is never reused or renamed lightly.
 */
export const errorCatalogue = {
  DOCQ_AUTH_MISSING: 401,
  DOCQ_AUTH_INVALID: 401,
  DOCQ_CRON_FORBIDDEN: 403,
  DOCQ_CRON_DISABLED: 403,
  DOCQ_METRICS_FORBIDDEN: 403,
  DOCQ_METRICS_DISABLED: 403,
  DOCQ_REQUEST_INVALID: 400,
  DOCQ_REQUEST_MALFORMED: 400,
  DOCQ_REQUEST_FORBIDDEN: 403,
  DOCQ_REQUEST_TIMEOUT: 408,
  DOCQ_REQUEST_PRECONDITION_FAILED: 412,
  DOCQ_REQUEST_TOO_LARGE: 413,
  DOCQ_REQUEST_URL_TOO_LONG: 414,
  DOCQ_REQUEST_UNSUPPORTED_TYPE: 415,
  DOCQ_REQUEST_RANGE_NOT_SATISFIABLE: 416,
  DOCQ_REQUEST_RATE_LIMITED: 429,
  DOCQ_REQUEST_HEADERS_TOO_LARGE: 431,
  // A client error that no code here names, answered with the 4xx status it was raised with.
  // The HTTP layer maps every status it knows it can meet, so this code marks a gap to close.
  DOCQ_REQUEST_UNCLASSIFIED: '4xx',
  DOCQ_UPLOAD_NO_FILE: 400,
  DOCQ_UPLOAD_EMPTY: 400,
  DOCQ_UPLOAD_TOO_MANY_FILES: 400,
  DOCQ_UPLOAD_TOO_MANY_PARTS: 400,
  DOCQ_UPLOAD_MALFORMED: 400,
  DOCQ_UPLOAD_NOT_MULTIPART: 415,
  DOCQ_UPLOAD_TOO_LARGE: 413,
  DOCQ_UPLOAD_TOO_SLOW: 408,
  DOCQ_UPLOAD_SATURATED: 503,
  DOCQ_DOCUMENT_NOT_FOUND: 404,
  DOCQ_DOCUMENT_BUSY: 409,
  DOCQ_DOCUMENT_NOT_READY: 409,
  DOCQ_IDEMPOTENCY_MISMATCH: 422,
  DOCQ_EVENTS_TOO_MANY_STREAMS: 429,
  DOCQ_WEBHOOK_NOT_FOUND: 404,
  DOCQ_WEBHOOK_LIMIT_REACHED: 409,
  DOCQ_ROUTE_NOT_FOUND: 404,
  DOCQ_ADMIN_AUTH_REQUIRED: 401,
  DOCQ_ADMIN_FORBIDDEN: 403,
  DOCQ_ADMIN_CSRF_INVALID: 403,
  DOCQ_ADMIN_LOGIN_THROTTLED: 429,
  DOCQ_ADMIN_ACTION_NOT_APPLICABLE: 409,
  DOCQ_BULK_TARGET_INVALID: 400,
  DOCQ_BULK_NOT_FOUND: 404,
  DOCQ_BULK_ENDED: 409,
  DOCQ_DATABASE_UNAVAILABLE: 503,
  DOCQ_SERVER_INTERNAL: 500
} as const

export type ErrorCode = keyof typeof errorCatalogue

/** A code that always answers with the same status: every code but the unclassified fallback. */
export type FixedErrorCode = { [C in ErrorCode]: typeof errorCatalogue[C] extends number ? C : never }[ErrorCode]

/** A failure the client caused or must know about; its message is safe to show. */
export class AppError extends Error {
  override name = 'AppError'
  readonly statusCode: number

  /** `retryAfterSeconds` becomes a `Retry-After` header: when a refused client may try again. */
  constructor (readonly code: FixedErrorCode, message: string, readonly retryAfterSeconds?: number) {
    super(message)
    this.statusCode = errorCatalogue[code]
  }
}
