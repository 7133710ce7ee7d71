import type { Queryable } from '../db/pool.js'
import { ERROR_KIND, ITEM_STATUS, type ErrorKind, type ItemStatus } from '../states.js'

export interface ScopeCounts {
  pending: number
  /** Of the pending: waiting for a retry after a failed attempt. */
  retrying: number
  inProgress: number
  completed: number
  failed: number
}

/**
 * Documents by status over some tenants (null: all of them), summed from `document_counts`
 * (migration 005), whose few rows per tenant are all it reads. This is the overview page's
 * stand-in until the full overview model (src/admin/overview/) is wired in.
 */
export async function countsForScope (db: Queryable, tenants: string[] | null): Promise<ScopeCounts> {
  const { rows } = await db.query<{ status: ItemStatus, errorKind: ErrorKind | '', n: number }>(`
    select status, error_kind as "errorKind", sum(n)::int as n from document_counts
     where $1::text[] is null or tenant = any($1::text[]) group by 1, 2`, [tenants])
  const counts: ScopeCounts = { pending: 0, retrying: 0, inProgress: 0, completed: 0, failed: 0 }
  for (const { status, errorKind, n } of rows) {
    if (status === ITEM_STATUS.pending) counts.pending += n
    else if (status === ITEM_STATUS.inProgress) counts.inProgress += n
    else if (status === ITEM_STATUS.completed) counts.completed += n
    else counts.failed += n
    if (status === ITEM_STATUS.pending && errorKind === ERROR_KIND.transient) counts.retrying += n
  }
  return counts
}
