/**
 * Every error a client can see, with its stable code and HTTP status, in one catalogue.
 * Services throw these; the HTTP layer turns them into `{ statusCode, code, error, message }`.
 */
export const errorCatalogue = {
  DOCQ_AUTH_MISSING: 401,
  DOCQ_AUTH_INVALID: 401,
  DOCQ_CRON_FORBIDDEN: 403,
  DOCQ_CRON_DISABLED: 403,
  DOCQ_VALIDATION: 400,
  DOCQ_BAD_REQUEST: 400,
  DOCQ_UNSUPPORTED_CONTENT_TYPE: 415,
  DOCQ_UPLOAD_NO_FILE: 400,
  DOCQ_UPLOAD_EMPTY: 400,
  DOCQ_UPLOAD_TOO_MANY_FILES: 400,
  DOCQ_UPLOAD_MALFORMED: 400,
  DOCQ_UPLOAD_NOT_MULTIPART: 415,
  DOCQ_UPLOAD_TOO_LARGE: 413,
  DOCQ_UPLOAD_TOO_SLOW: 408,
  DOCQ_DOCUMENT_NOT_FOUND: 404,
  DOCQ_DOCUMENT_BUSY: 409,
  DOCQ_DOCUMENT_NOT_READY: 409,
  DOCQ_IDEMPOTENCY_MISMATCH: 422,
  DOCQ_ROUTE_NOT_FOUND: 404,
  DOCQ_BODY_TOO_LARGE: 413,
  DOCQ_RATE_LIMITED: 429,
  DOCQ_UPLOADS_SATURATED: 503,
  DOCQ_DATABASE_UNAVAILABLE: 503,
  DOCQ_INTERNAL: 500
} as const

export type ErrorCode = keyof typeof errorCatalogue

/** A failure the client caused or must know about; its message is safe to show. */
export class AppError extends Error {
  override name = 'AppError'
  readonly statusCode: number

  /** `retryAfterSeconds` becomes a `Retry-After` header: when a refused client may try again. */
  constructor (readonly code: ErrorCode, message: string, readonly retryAfterSeconds?: number) {
    super(message)
    this.statusCode = errorCatalogue[code]
  }
}
