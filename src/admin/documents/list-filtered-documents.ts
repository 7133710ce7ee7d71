import type { ListPosition } from '../../db/documents.js'
import type { Queryable } from '../../db/pool.js'
import { itemStatuses, type ErrorKind, type FailureCode, type ItemStatus, type Operation } from '../../states.js'
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
 * The statuses a page is merged from, one branch each (undefined: one branch for every status):
 * the filter's status, or each of them, so that a branch reads an index that starts with a field
 * of the current item and the status. A search is one branch across statuses: its trigram
 * indexes know no status, and a branch per status would read each match once per status.
 */
function branchStatuses (filter: DocumentFilter): Array<ItemStatus | undefined> {
  if (filter.status !== undefined) return [filter.status]
  return filter.q === undefined ? [...itemStatuses] : [undefined]
}

/**
 * One page of the documents a filter selects within `tenants` (null = all), newest first,
 * starting after `after`. The page is merged from branches by status (see branchStatuses), each
 * in keyset order (created_at desc, id desc) along an index that starts with the status, or with
 * a field of the current item and the status (migrations 001, 009 and 016), and each limited to
 * the page: a page reads a bounded range of each index, a deep page costs what the first one
 * does, and rows inserted while an operator pages are never shown twice or shift others off a
 * page. The statuses are written out (they come from our own list, never from input), so that the
 * planner picks each branch's index.
 */
export async function listFilteredDocuments (db: Queryable, filter: DocumentFilter, tenants: string[] | null, page: {
  after?: ListPosition
  limit: number
}): Promise<FilteredDocumentRow[]> {
  const where = filterConditions({ ...filter, status: undefined }, tenants, 2)
  const params: unknown[] = [page.limit, ...where.params]
  let after = ''
  if (page.after !== undefined) {
    params.push(page.after.createdAt, page.after.id)
    after = `and (d.created_at, d.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`
  }
  const branches = branchStatuses(filter).map((status) => `(
      select d.id, d.created_at from documents d
       where ${status === undefined ? '' : `d.status = '${status}' and`} ${where.sql} ${after}
       order by d.created_at desc, d.id desc
       limit $1)`)
  const { rows } = await db.query<FilteredDocumentRow>(`
    with page as (
      select id, created_at from (${branches.join(' union all ')}) found
       order by created_at desc, id desc
       limit $1
    )
    select d.id, d.tenant, d.filename, d.status, d.operation, d.priority, d.error_kind as "errorKind", d.error_code as "errorCode",
           left(d.last_error, ${ERROR_PREVIEW_LENGTH}) as "errorMessage", d.created_at as "createdAt", d.updated_at as "updatedAt",
           json_build_object('createdAt', d.created_at::text, 'id', d.id) as position
      from page join documents d on d.id = page.id
     order by d.created_at desc, d.id desc`, params)
  return rows
}
