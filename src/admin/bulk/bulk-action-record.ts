import { BULK_ACTION, type AdminAction, type BulkActionName, type BulkStatus } from '../../states.js'
import type { DocumentFilter } from '../documents/document-filter.js'
import { START_KEY, type BatchKey, type BulkTarget, type FinishedStatus } from './bulk-target.js'

/** A bulk action as stored in admin_bulk_actions. */
export interface BulkActionRecord {
  id: string
  action: BulkActionName
  target: BulkTarget
  accountId: string | null
  accountName: string
  /** The creator's tenant limit, copied at creation: the action touches only these tenants (null = all). */
  tenants: string[] | null
  reason: string | null
  status: BulkStatus
  /** The dry run's count when the action was created. */
  total: number
  /** Documents (or history items) looked at so far. */
  done: number
  /** Of those, the ones the action changed. */
  affected: number
  /** Where the next batch starts after. */
  position: BatchKey
  error: string | null
  /** The moment the target is taken at, as Postgres wrote it (microseconds included). */
  asOf: string
  createdAt: Date
  startedAt: Date | null
  finishedAt: Date | null
  updatedAt: Date
}

/** How a target is stored: a filter (or, for `clear`, what to clear) as JSON, or the selected ids. */
export function storedTarget (target: BulkTarget): { filter: Record<string, unknown> | null, documentIds: string[] | null } {
  switch (target.kind) {
    case 'filter': return { filter: { ...target.filter }, documentIds: null }
    case 'selected': return { filter: null, documentIds: target.documentIds }
    case 'old-documents': return { filter: { clear: 'documents', status: target.status, olderThanDays: target.olderThanDays }, documentIds: null }
    case 'history': return { filter: { clear: 'history', olderThanDays: target.olderThanDays }, documentIds: null }
  }
}

export interface BulkActionRow {
  id: string
  action: BulkActionName
  targetFilter: Record<string, unknown> | null
  targetDocumentIds: string[] | null
  accountId: string | null
  accountName: string
  tenants: string[] | null
  reason: string | null
  status: BulkStatus
  total: string
  done: string
  affected: string
  positionAt: string | null
  positionId: string | null
  error: string | null
  asOf: string
  createdAt: Date
  startedAt: Date | null
  finishedAt: Date | null
  updatedAt: Date
}

/** The columns {@link fromRow} reads, over `admin_bulk_actions b`; timestamps a keyset compares are read as text, to the microsecond. */
export const BULK_ACTION_COLUMNS = `b.id, b.action, b.target_filter as "targetFilter", b.target_document_ids as "targetDocumentIds",
  b.account_id::text as "accountId", b.account_name as "accountName", b.tenants, b.reason, b.status, b.total, b.done, b.affected,
  b.position_at::text as "positionAt", b.position_id as "positionId", b.error, b.created_at::text as "asOf",
  b.created_at as "createdAt", b.started_at as "startedAt", b.finished_at as "finishedAt", b.updated_at as "updatedAt"`

function targetOf (row: BulkActionRow): BulkTarget {
  if (row.action === BULK_ACTION.clear) {
    const clear = row.targetFilter as { clear: string, status?: FinishedStatus, olderThanDays: number }
    if (clear.clear === 'history') return { kind: 'history', olderThanDays: clear.olderThanDays }
    return { kind: 'old-documents', status: clear.status as FinishedStatus, olderThanDays: clear.olderThanDays }
  }
  const action = row.action as AdminAction
  if (row.targetDocumentIds !== null) return { kind: 'selected', action, documentIds: row.targetDocumentIds }
  return { kind: 'filter', action, filter: (row.targetFilter ?? {}) as DocumentFilter }
}

export function fromRow (row: BulkActionRow): BulkActionRecord {
  return {
    id: row.id,
    action: row.action,
    target: targetOf(row),
    accountId: row.accountId,
    accountName: row.accountName,
    tenants: row.tenants,
    reason: row.reason,
    status: row.status,
    total: Number(row.total),
    done: Number(row.done),
    affected: Number(row.affected),
    position: row.positionAt === null || row.positionId === null ? START_KEY : { at: row.positionAt, id: row.positionId },
    error: row.error,
    asOf: row.asOf,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    updatedAt: row.updatedAt
  }
}
