import type { ListPosition } from '../../db/documents.js'
import type { Queryable } from '../../db/pool.js'
import type { ErrorKind, FailureCode, ItemStatus, Operation } from '../../states.js'
import { filterConditions, type DocumentFilter } from './document-filter.js'

/** A row of the admin documents list: the document and what its current item says. */
export interface FilteredDocumentRow {
  id: string
  tenant: string
  filename: string
  status: ItemStatus
  operation: Operation
  priority: number
  errorKind: ErrorKind | null
  errorCode: FailureCode | null
  /** The start of the last error: a list shows a line of it, the detail page the rest. */
  errorMessage: string | null
  createdAt: Date
  updatedAt: Date
  position: ListPosition
}

/** How much of an error message a row carries. */
const ERROR_PREVIEW_LENGTH = 300

/**
 * One page of the documents a filter selects within `tenants` (null = all), newest first,
 * starting after `after`. Keyset order (created_at desc, id desc) walks an index (migration 001
 * per tenant, 009 across tenants and by status, 016 by each of the current item's fields), so a
 * deep page costs what the first one does, and rows inserted while an operator pages are never
 * shown twice or shift others off a page. The document carries what the row shows of its current
 * item, so the page reads one table.
 */
export async function listFilteredDocuments (db: Queryable, filter: DocumentFilter, tenants: string[] | null, page: {
  after?: ListPosition
  limit: number
}): Promise<FilteredDocumentRow[]> {
  const where = filterConditions(filter, tenants, 2)
  const params: unknown[] = [page.limit, ...where.params]
  let after = ''
  if (page.after !== undefined) {
    params.push(page.after.createdAt, page.after.id)
    after = `and (d.created_at, d.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`
  }
  const { rows } = await db.query<FilteredDocumentRow>(`
    select d.id, d.tenant, d.filename, d.status, d.operation, d.priority, d.error_kind as "errorKind", d.error_code as "errorCode",
           left(d.last_error, ${ERROR_PREVIEW_LENGTH}) as "errorMessage", d.created_at as "createdAt", d.updated_at as "updatedAt",
           json_build_object('createdAt', d.created_at::text, 'id', d.id) as position
      from documents d
     where ${where.sql} ${after}
     order by d.created_at desc, d.id desc
     limit $1`, params)
  return rows
}
