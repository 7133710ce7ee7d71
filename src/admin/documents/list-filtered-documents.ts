import type { ListPosition } from '../../db/documents.js'
import type { Queryable } from '../../db/pool.js'
import type { ErrorKind, FailureCode, ItemStatus, Operation } from '../../states.js'
import { filterBranches, type DocumentFilter } from './document-filter.js'

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
 * per tenant, 009 across tenants and by status), so a deep page costs what the first one does,
 * and rows inserted while an operator pages are never shown twice or shift others off a page.
 * A search runs as two branches (see filterBranches), each bounded by the page size.
 */
export async function listFilteredDocuments (db: Queryable, filter: DocumentFilter, tenants: string[] | null, page: {
  after?: ListPosition
  limit: number
}): Promise<FilteredDocumentRow[]> {
  const where = filterBranches(filter, tenants, 2)
  const params: unknown[] = [page.limit, ...where.params]
  let after = ''
  if (page.after !== undefined) {
    params.push(page.after.createdAt, page.after.id)
    after = `and (d.created_at, d.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`
  }
  const branches = where.branches.map((branch) => `(
      select d.id, d.created_at from documents d join queue_items q on q.id = d.current_item_id
       where ${branch} ${after}
       order by d.created_at desc, d.id desc
       limit $1)`)
  const { rows } = await db.query<FilteredDocumentRow>(`
    with page as (
      select id, created_at from (${branches.join(' union ')}) found
       order by created_at desc, id desc
       limit $1
    )
    select d.id, d.tenant, d.filename, d.status, q.operation, q.priority, q.error_kind as "errorKind", q.error_code as "errorCode",
           left(q.last_error, ${ERROR_PREVIEW_LENGTH}) as "errorMessage", d.created_at as "createdAt", d.updated_at as "updatedAt",
           json_build_object('createdAt', d.created_at::text, 'id', d.id) as position
      from page join documents d on d.id = page.id join queue_items q on q.id = d.current_item_id
     order by d.created_at desc, d.id desc`, params)
  return rows
}
