import { Type, type Static } from 'typebox'
import { UUID_PATTERN } from '../../routes/schemas.js'
import { bulkActions, bulkStatuses, ITEM_STATUS } from '../../states.js'
import { DocumentFilterQuery } from '../documents/document-filter.js'
import type { BulkActionRecord } from './bulk-action-record.js'
import { MAX_OLDER_THAN_DAYS, MAX_SELECTED } from './bulk-request.js'

// Bulk actions as the JSON API takes and answers them.

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])
const Timestamp = Type.String({ format: 'date-time' })
const DocumentId = Type.String({ format: 'uuid' })
const OlderThanDays = Type.Integer({ minimum: 1, maximum: MAX_OLDER_THAN_DAYS, description: 'Finished more than this many days ago' })
const FinishedStatus = Type.Enum([ITEM_STATUS.completed, ITEM_STATUS.failed])

export const ClearJson = Type.Object({
  what: Type.Enum(['documents', 'history'], { description: 'documents of a finished status, or queue history (finished items no longer current, with their attempts)' }),
  status: Type.Optional(FinishedStatus),
  olderThanDays: OlderThanDays
}, { additionalProperties: false })

export const BulkActionBody = Type.Object({
  action: Type.Enum(bulkActions, { description: 'retry, reprocess, cancel (operator); delete, clear (admin)' }),
  filter: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'The documents list\'s filter (status, operation, tenant, priority, kind, code, from, to, q, group)' })),
  documentIds: Type.Optional(Type.Array(DocumentId, { minItems: 1, maxItems: MAX_SELECTED, description: 'Selected documents, instead of a filter' })),
  clear: Type.Optional(ClearJson),
  reason: Type.Optional(Type.String({ maxLength: 1000 })),
  dryRun: Type.Optional(Type.Boolean({ description: 'Only count what the action would touch; store nothing' }))
}, { additionalProperties: false })

const TargetJson = Type.Union([
  Type.Object({ kind: Type.Literal('filter'), filter: DocumentFilterQuery }),
  Type.Object({ kind: Type.Literal('selected'), documentIds: Type.Array(DocumentId) }),
  Type.Object({ kind: Type.Literal('old-documents'), status: FinishedStatus, olderThanDays: OlderThanDays }),
  Type.Object({ kind: Type.Literal('history'), olderThanDays: OlderThanDays })
], { description: 'What the action covers: a filter, selected documents, finished documents older than some days, or queue history' })

export const BulkActionJson = Type.Object({
  id: Type.String({ format: 'uuid' }),
  action: Type.Enum(bulkActions),
  status: Type.Enum(bulkStatuses, { description: 'queued until a runner takes it; running in batches; then completed, failed or cancelled' }),
  target: TargetJson,
  tenants: Nullable(Type.Array(Type.String(), { description: 'The creator\'s tenant limit, which the action keeps to; null for every tenant' })),
  account: Type.String({ description: 'The account that created it' }),
  reason: Nullable(Type.String()),
  total: Type.Integer({ minimum: 0, description: 'The dry run\'s count at creation' }),
  done: Type.Integer({ minimum: 0, description: 'Documents (queue items for history) looked at so far' }),
  affected: Type.Integer({ minimum: 0, description: 'Of those, the ones the action changed' }),
  error: Nullable(Type.String({ description: 'Why it failed' })),
  createdAt: Timestamp,
  startedAt: Nullable(Timestamp),
  finishedAt: Nullable(Timestamp),
  updatedAt: Timestamp
})
export type BulkActionJsonType = Static<typeof BulkActionJson>

export const BulkDryRunJson = Type.Object({
  dryRun: Type.Literal(true),
  action: Type.Enum(bulkActions),
  total: Type.Integer({ minimum: 0, description: 'How many documents (queue items for history) the action would touch now' })
})

export const BulkActionListJson = Type.Object({
  bulkActions: Type.Array(BulkActionJson, { description: 'The 50 most recent, newest first' })
})

export const BulkActionParams = Type.Object({ id: Type.String({ format: 'uuid', pattern: UUID_PATTERN, description: 'Bulk action id' }) })

export function toBulkActionJson (record: BulkActionRecord): BulkActionJsonType {
  const { target } = record
  return {
    id: record.id,
    action: record.action,
    status: record.status,
    target: target.kind === 'filter'
      ? { kind: 'filter', filter: target.filter }
      : target.kind === 'selected' ? { kind: 'selected', documentIds: target.documentIds } : target,
    tenants: record.tenants,
    account: record.accountName,
    reason: record.reason,
    total: record.total,
    done: record.done,
    affected: record.affected,
    error: record.error,
    createdAt: record.createdAt.toISOString(),
    startedAt: record.startedAt?.toISOString() ?? null,
    finishedAt: record.finishedAt?.toISOString() ?? null,
    updatedAt: record.updatedAt.toISOString()
  }
}
