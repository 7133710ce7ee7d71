import { Value } from 'typebox/value'
import { AppError } from '../../errors.js'
import { ADMIN_ACTION, ADMIN_ROLE, BULK_ACTION, bulkActions, ITEM_STATUS, RETENTION_TARGET, type AdminRole, type BulkActionName } from '../../states.js'
import { DocumentFilterQuery, type DocumentFilter } from '../documents/document-filter.js'
import type { BulkTarget, FinishedStatus } from './bulk-target.js'

/** The role each bulk action needs: a document action's own, and admin to clear. */
export function bulkActionRole (action: BulkActionName): AdminRole {
  return action === BULK_ACTION.clear ? ADMIN_ROLE.admin : ADMIN_ACTION[action].role
}

/** At most this many selected documents in one bulk action; more are a filter's job. */
export const MAX_SELECTED = 1000
export const MAX_OLDER_THAN_DAYS = 36_500
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** What to clear, as the retention page's forms and the JSON API name it. */
export interface ClearRequest {
  what: 'documents' | 'history'
  status?: string
  olderThanDays: number
}

/** A bulk action as asked for, before it is checked. */
export interface BulkRequest {
  action: BulkActionName
  filter?: object
  documentIds?: string[]
  clear?: ClearRequest
}

const FILTER_FIELDS = Object.keys((DocumentFilterQuery as unknown as { properties: Record<string, unknown> }).properties)

/** The filter fields of a flat query or form (the documents list's query parameters), non-empty ones only. */
export function filterFields (fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(FILTER_FIELDS.flatMap((name) => fields[name] === undefined || fields[name] === '' ? [] : [[name, fields[name]]]))
}

function invalid (message: string): AppError {
  return new AppError('DOCQ_BULK_TARGET_INVALID', message)
}

function clearTarget (clear: ClearRequest | undefined): BulkTarget {
  if (clear === undefined) throw invalid('clear needs what to clear: documents (with a status) or history, and olderThanDays')
  if (!Number.isInteger(clear.olderThanDays) || clear.olderThanDays < 1 || clear.olderThanDays > MAX_OLDER_THAN_DAYS) {
    throw invalid(`olderThanDays must be a whole number of days from 1 to ${MAX_OLDER_THAN_DAYS}`)
  }
  if (clear.what === 'history') return { kind: 'history', olderThanDays: clear.olderThanDays }
  if (clear.status !== RETENTION_TARGET.completed && clear.status !== RETENTION_TARGET.failed) {
    throw invalid(`documents can be cleared by status ${ITEM_STATUS.completed} or ${ITEM_STATUS.failed}; pending and in-progress work is deleted with the delete action`)
  }
  return { kind: 'old-documents', status: clear.status as FinishedStatus, olderThanDays: clear.olderThanDays }
}

/**
 * The target of a bulk action: `clear` takes what to clear; the other actions take either a
 * filter (the documents list's parameters) or selected document ids, not both. Throws
 * DOCQ_BULK_TARGET_INVALID with what to fix.
 */
export function bulkTargetOf (request: BulkRequest): BulkTarget {
  if (request.action === BULK_ACTION.clear) {
    if (request.filter !== undefined || request.documentIds !== undefined) throw invalid('clear takes no filter or document ids')
    return clearTarget(request.clear)
  }
  if (request.clear !== undefined) throw invalid(`${request.action} takes a filter or document ids, not what to clear`)
  if (request.documentIds !== undefined) {
    if (request.filter !== undefined && Object.keys(request.filter).length > 0) throw invalid('give a filter or document ids, not both')
    if (request.documentIds.length === 0) throw invalid('select at least one document')
    if (request.documentIds.length > MAX_SELECTED) throw invalid(`select at most ${MAX_SELECTED} documents, or use a filter`)
    const bad = request.documentIds.find((id) => !UUID.test(id))
    if (bad !== undefined) throw invalid(`${JSON.stringify(bad.slice(0, 40))} is not a document id`)
    return { kind: 'selected', action: request.action, documentIds: [...new Set(request.documentIds)] }
  }
  const filter = request.filter ?? {}
  if (!Value.Check(DocumentFilterQuery, filter)) throw invalid('the filter has a value the documents list does not take')
  return { kind: 'filter', action: request.action, filter: filter as DocumentFilter }
}

/**
 * A bulk action as a page's query or form has it: `action`, then the documents list's filter
 * parameters, or `id` once per selected document (the selection form adds `target=selected`), or for `clear` `what` (documents|history),
 * `status` and `days`.
 */
export function bulkRequestOfFields (fields: Record<string, unknown>): BulkRequest {
  const action = fields.action
  if (typeof action !== 'string' || !(bulkActions as readonly string[]).includes(action)) {
    throw invalid(`action must be one of ${bulkActions.join(', ')}`)
  }
  const name = action as BulkActionName
  if (name === BULK_ACTION.clear) {
    const what = fields.what === 'history' ? 'history' : 'documents'
    const days = typeof fields.days === 'string' && /^\d{1,6}$/.test(fields.days) ? Number(fields.days) : Number.NaN
    return { action: name, clear: { what, status: typeof fields.status === 'string' ? fields.status : undefined, olderThanDays: days } }
  }
  const ids = fields.id
  if (ids !== undefined) return { action: name, documentIds: (Array.isArray(ids) ? ids : [ids]).map(String) }
  // The list's selection form says it is one: with no row ticked it must not read as "everything".
  if (fields.target === 'selected') throw invalid('no document was selected: tick some rows, or use the action on everything matching the filter')
  return { action: name, filter: filterFields(fields) }
}
