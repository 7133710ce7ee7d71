import { Type, type Static } from 'typebox'
import { Priority } from '../../routes/schemas.js'
import { adminActions, attemptOutcomes, errorKinds, failureCodes, itemStatuses, operations } from '../../states.js'
import { pendingReasonCodes } from './why-pending.js'

// A document as the admin detail page shows it and `GET /admin/api/documents/:id` answers it:
// one shape for both. Times are ISO strings.

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])
const Timestamp = Type.String({ format: 'date-time' })
const ErrorKind = Nullable(Type.Enum(errorKinds))
const ErrorCode = Nullable(Type.Enum(failureCodes))
const Status = Type.Enum(itemStatuses)
const Operation = Type.Enum(operations)
export const AdminActionName = Type.Enum(adminActions, { description: 'retry (failed), reprocess (completed or failed), cancel (pending): operator; delete: admin' })

const AttemptJson = Type.Object({
  attempt: Type.Integer({ description: 'Its number among the item\'s attempts' }),
  worker: Type.String({ description: 'The worker process: host:pid:publicId' }),
  startedAt: Timestamp,
  finishedAt: Nullable(Timestamp),
  durationMs: Nullable(Type.Integer({ minimum: 0, description: 'null while it runs' })),
  outcome: Nullable(Type.Enum(attemptOutcomes, { description: 'null while it runs' })),
  error: Nullable(Type.String())
})

const ItemJson = Type.Object({
  id: Type.String({ format: 'uuid' }),
  current: Type.Boolean({ description: 'Whether it is the document\'s current item, whose state the document shows' }),
  operation: Operation,
  status: Status,
  priority: Priority,
  attempts: Type.Integer(),
  maxAttempts: Type.Integer(),
  runAt: Timestamp,
  createdAt: Timestamp,
  finishedAt: Nullable(Timestamp),
  lastError: Nullable(Type.String()),
  errorKind: ErrorKind,
  errorCode: ErrorCode,
  attemptList: Type.Array(AttemptJson, { description: 'Oldest first' })
})

export const DocumentDetailJson = Type.Object({
  document: Type.Object({
    id: Type.String({ format: 'uuid' }),
    tenant: Type.String(),
    filename: Type.String(),
    mediaType: Type.String({ description: 'Type detected from the bytes' }),
    declaredType: Nullable(Type.String()),
    size: Type.Integer(),
    sha256: Type.String(),
    status: Status,
    priority: Priority,
    operation: Operation,
    attempts: Type.Integer(),
    maxAttempts: Type.Integer(),
    lastError: Nullable(Type.String()),
    errorKind: ErrorKind,
    errorCode: ErrorCode,
    runAt: Timestamp,
    version: Type.Integer({ description: 'Number of results written' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    processedAt: Nullable(Timestamp),
    metadata: Type.Record(Type.String(), Type.Unknown())
  }),
  items: Type.Array(ItemJson, { description: 'Its queue items, oldest first: the first processing, then each reprocess (the latest 50)' }),
  audit: Type.Array(Type.Object({
    id: Type.String(),
    at: Timestamp,
    accountName: Type.String(),
    action: Type.String(),
    affected: Nullable(Type.Integer()),
    reason: Nullable(Type.String())
  }), { description: 'The latest audit entries that named this document, newest first (up to 50)' }),
  preview: Type.Object({
    text: Nullable(Type.String({ description: 'The start of the extracted text; null before the first result' })),
    truncated: Type.Boolean(),
    passages: Type.Array(Type.Object({ ordinal: Type.Integer(), page: Nullable(Type.Integer()), text: Type.String() })),
    morePassages: Type.Boolean()
  }),
  whyPending: Nullable(Type.Array(Type.Object({
    code: Type.Enum(pendingReasonCodes),
    message: Type.String()
  }), { description: 'Every reason it is still pending; null unless it is pending' })),
  actions: Type.Array(AdminActionName, { description: 'The actions this account may take on the document in its present state' })
})
export type DocumentDetail = Static<typeof DocumentDetailJson>
