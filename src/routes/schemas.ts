import { Type, type Static } from 'typebox'
import type { DocumentRecord } from '../db/documents.js'
import type { AttemptRow } from '../db/queue-items.js'
import { priorityName, priorityRanks } from '../queue/priority.js'

export const Priority = Type.Enum(Object.keys(priorityRanks) as Array<keyof typeof priorityRanks>, {
  description: 'Scheduling priority; high runs before normal before low.'
})

/** How the multipart upload body looks, for the OpenAPI docs only. */
export const UploadBodyDoc = Type.Object({
  file: Type.String({ format: 'binary', description: 'The document; its type is detected from the bytes' }),
  priority: Type.Optional(Priority)
})

export const DocumentStatus = Type.Enum(['pending', 'in_progress', 'completed', 'failed'])

export const DocumentParams = Type.Object({ id: Type.String({ format: 'uuid', description: 'Document id' }) })

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
  operation: Type.Enum(['process', 'reprocess']),
  attempts: Type.Integer(),
  maxAttempts: Type.Integer(),
  lastError: Nullable(Type.String()),
  errorKind: Nullable(Type.String({ description: 'transient while retrying; permanent, exhausted, timeout or crashed once failed' })),
  errorCode: Nullable(Type.String({ description: 'unsupported_type, corrupt, encrypted, limit_exceeded, timeout, invalid_result, internal or crashed' })),
  nextRetryAt: Nullable(Type.String({ format: 'date-time', description: 'When the next attempt is due, while a retry is scheduled' })),
  version: Type.Integer({ description: 'Number of results written; bumped by every completed (re)processing' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  processedAt: Nullable(Type.String({ format: 'date-time' })),
  metadata: Type.Object({
    words: Type.Optional(Type.Integer())
  }, { additionalProperties: true, description: 'Extraction results: words, characters, pages, title, language, ...' }),
  history: Type.Optional(Type.Array(Type.Object({
    operation: Type.Enum(['process', 'reprocess']),
    attempt: Type.Integer(),
    worker: Type.String({ description: 'Opaque id of the worker process that ran the attempt' }),
    startedAt: Type.String({ format: 'date-time' }),
    finishedAt: Nullable(Type.String({ format: 'date-time' })),
    outcome: Nullable(Type.Enum(['completed', 'failed', 'retrying', 'crashed', 'released'], { description: 'null while running' })),
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
    nextRetryAt: record.status === 'pending' && record.attempts > 0 ? record.runAt.toISOString() : null,
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
      outcome: entry.outcome as 'completed' | 'failed' | 'retrying' | 'crashed' | 'released' | null,
      error: entry.error
    }))
  }
}

/** Responses every authenticated route can give besides its own. */
export const authErrors = { 401: ErrorJson }
