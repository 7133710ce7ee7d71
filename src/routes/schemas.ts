import { Type, type Static, type TSchema } from 'typebox'
import type { DocumentRecord } from '../db/documents.js'
import { priorityName, priorityRanks } from '../queue/priority.js'
import type { AttemptRow } from '../queue/sql/attempts.js'
import { attemptOutcomes, errorKinds, failureCodes, ITEM_STATUS, itemStatuses, operations } from '../states.js'

export const Priority = Type.Enum(Object.keys(priorityRanks) as Array<keyof typeof priorityRanks>, {
  description: 'Scheduling priority; high runs before normal before low.'
})

/** How the multipart upload body looks, for the OpenAPI docs only. */
export const UploadBodyDoc = Type.Object({
  file: Type.String({ format: 'binary', minLength: 1, description: 'The document, not empty; its type is detected from the bytes' }),
  priority: Type.Optional(Priority),
  callbackUrl: Type.Optional(Type.String({ format: 'uri', description: 'Where this document\'s events are POSTed (http or https), signed with the tenant\'s callback secret' }))
})

export const DocumentStatus = Type.Enum(itemStatuses)
const Operation = Type.Enum(operations)

// Stricter than the `uuid` format, which also takes `urn:uuid:…`: Postgres takes only this form.
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'

export const DocumentParams = Type.Object({ id: Type.String({ format: 'uuid', pattern: UUID_PATTERN, description: 'Document id' }) })

/** The query of a route that takes no parameters: an unknown one is refused, not ignored. */
export const NoQuery = Type.Object({}, { additionalProperties: false })

/** The largest value a Postgres `integer` holds; a larger one in SQL is a data exception. */
export const INT32_MAX = 2_147_483_647

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])

export const DocumentJson = Type.Object({
  id: Type.String({ format: 'uuid' }),
  filename: Type.String(),
  mediaType: Type.String({ description: 'Type detected from the bytes' }),
  declaredType: Nullable(Type.String({ description: 'Type the client declared; a hint only' })),
  size: Type.Integer(),
  sha256: Type.String(),
  status: DocumentStatus,
  priority: Priority,
  operation: Operation,
  attempts: Type.Integer(),
  maxAttempts: Type.Integer(),
  lastError: Nullable(Type.String()),
  errorKind: Nullable(Type.Enum(errorKinds, { description: 'transient while retrying; permanent, exhausted, timeout, crashed or cancelled once failed' })),
  errorCode: Nullable(Type.Enum(failureCodes, { description: 'What went wrong, for machines' })),
  nextRetryAt: Nullable(Type.String({ format: 'date-time', description: 'When the next attempt is due, while a retry is scheduled' })),
  version: Type.Integer({ description: 'Number of results written; bumped by every completed (re)processing' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  processedAt: Nullable(Type.String({ format: 'date-time' })),
  metadata: Type.Object({
    words: Type.Optional(Type.Integer())
  }, { additionalProperties: true, description: 'Extraction results: words, characters, pages, title, language, ...' }),
  history: Type.Optional(Type.Array(Type.Object({
    operation: Operation,
    attempt: Type.Integer(),
    worker: Type.String({ description: 'Opaque id of the worker process that ran the attempt' }),
    startedAt: Type.String({ format: 'date-time' }),
    finishedAt: Nullable(Type.String({ format: 'date-time' })),
    outcome: Nullable(Type.Enum(attemptOutcomes, { description: 'null while running' })),
    error: Nullable(Type.String())
  }), { description: 'Every attempt, oldest first (single-document reads only)' }))
})

export type DocumentJsonType = Static<typeof DocumentJson>

export const ErrorJson = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String({ description: 'Stable machine-readable code, DOCQ_<AREA>_<WHAT>' }),
  error: Type.String(),
  message: Type.String()
})

/** The client's view of a document record. */
export function toDocumentJson (record: DocumentRecord): DocumentJsonType {
  return {
    id: record.id,
    filename: record.filename,
    mediaType: record.mediaType,
    declaredType: record.declaredType,
    size: record.size,
    sha256: record.sha256,
    status: record.status,
    priority: priorityName(record.priority),
    operation: record.operation,
    attempts: record.attempts,
    maxAttempts: record.maxAttempts,
    lastError: record.lastError,
    errorKind: record.errorKind,
    errorCode: record.errorCode,
    nextRetryAt: record.status === ITEM_STATUS.pending && record.attempts > 0 ? record.runAt.toISOString() : null,
    version: record.version,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
    processedAt: record.processedAt?.toISOString() ?? null,
    metadata: record.metadata
  }
}

/** A document with the history of its attempts. */
export function toDocumentDetailsJson (record: DocumentRecord & { history: AttemptRow[] }): DocumentJsonType {
  return {
    ...toDocumentJson(record),
    history: record.history.map((entry) => ({
      operation: entry.operation,
      attempt: entry.attempt,
      worker: entry.workerPublicId,
      startedAt: entry.startedAt.toISOString(),
      finishedAt: entry.finishedAt?.toISOString() ?? null,
      outcome: entry.outcome,
      error: entry.error
    }))
  }
}

/** An error answer, documented with when it happens. */
export function errorResponse (description: string): typeof ErrorJson & { description: string } {
  return { ...ErrorJson, description }
}

/**
 * A documented response header. `required` says the header comes with every answer of that
 * status; the OpenAPI transform turns the marker into the header object's `required`.
 */
export function responseHeader<T extends TSchema> (schema: T, required: boolean): T & { 'x-required'?: true } {
  return required ? { ...schema, 'x-required': true } : schema
}

/** Errors any route can give: a malformed request, one too slow or with too much header, and our own fault. */
export const commonErrors = {
  400: errorResponse('The request is malformed (DOCQ_REQUEST_INVALID, DOCQ_REQUEST_MALFORMED and the codes of the route)'),
  408: errorResponse('The request did not arrive within the server\'s deadline (DOCQ_REQUEST_TIMEOUT); the connection is closed'),
  431: errorResponse('The request line and headers are over the size limit (DOCQ_REQUEST_HEADERS_TOO_LARGE); the connection is closed'),
  500: errorResponse('Our fault (DOCQ_SERVER_INTERNAL); the details are logged, never shown')
}

/** Errors of a route with a path parameter: the router refuses one over its length limit. */
export const pathParamErrors = {
  414: errorResponse('A path parameter is over the length limit (DOCQ_REQUEST_URL_TOO_LONG)')
}

/** Responses every authenticated route can give besides its own. */
export const authErrors = {
  ...commonErrors,
  401: errorResponse('No API key, or one that is not valid (DOCQ_AUTH_MISSING, DOCQ_AUTH_INVALID)'),
  429: {
    ...errorResponse('Over the tenant\'s rate limit (DOCQ_REQUEST_RATE_LIMITED)'),
    headers: { 'retry-after': responseHeader(Type.Integer({ description: 'Seconds until a retry may succeed' }), true) }
  },
  503: errorResponse('The database is unavailable (DOCQ_DATABASE_UNAVAILABLE); retry shortly')
}

/** Errors of a route that reads a request body. */
export const bodyErrors = {
  413: errorResponse('The body is over the size limit (DOCQ_REQUEST_TOO_LARGE)'),
  415: errorResponse('The body\'s Content-Type is not accepted (DOCQ_REQUEST_UNSUPPORTED_TYPE)')
}
