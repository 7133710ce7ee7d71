import type { Queryable } from '../../db/pool.js'
import { ERROR_KIND, ITEM_STATUS, type ErrorKind, type ItemStatus } from '../../states.js'

export interface QueueStats {
  pending: number
  inProgress: number
  completed: number
  failed: number
  /** Pending after a failed or crashed attempt, waiting for their retry. */
  retrying: number
  /** Failed documents by why: permanent, exhausted, timeout, crashed. */
  failedByKind: Partial<Record<ErrorKind, number>>
  oldestPendingAgeSeconds: number | null
  oldestInProgressAgeSeconds: number | null
}

/**
 * A tenant's documents by status (their current item's), retries, failures by kind, and the
 * oldest waits. None of it grows with the number of documents: the counts are the sums of the
 * tenant's few rows of `document_counts` (kept by triggers, see migration 005), the oldest
 * pending wait is the first entry of a partial index, and the oldest running item is among the
 * in-progress ones, which the workers' concurrency bounds.
 */
export async function queueStatsForTenant (db: Queryable, tenant: string): Promise<QueueStats> {
  // Prepared once per connection (named): planning would cost more than running it.
  const { rows } = await db.query<{ counts: Array<{ status: ItemStatus, errorKind: ErrorKind | '', n: number }>, oldestPending: number | null, oldestInProgress: number | null }>({
    name: 'queue-stats',
    text: `
    select
      coalesce((select json_agg(c) from (
        select status, error_kind as "errorKind", sum(n)::int as n from document_counts where tenant = $1 group by 1, 2
      ) c), '[]') as counts,
      (select extract(epoch from now() - min(queued_at))::float8 from documents
        where tenant = $1 and status = '${ITEM_STATUS.pending}') as "oldestPending",
      (select extract(epoch from now() - min(q.started_at))::float8
         from documents d join queue_items q on q.id = d.current_item_id
        where d.tenant = $1 and d.status = '${ITEM_STATUS.inProgress}') as "oldestInProgress"`,
    values: [tenant]
  })
  const stats: QueueStats = {
    pending: 0,
    inProgress: 0,
    completed: 0,
    failed: 0,
    retrying: 0,
    failedByKind: {},
    oldestPendingAgeSeconds: rows[0].oldestPending,
    oldestInProgressAgeSeconds: rows[0].oldestInProgress
  }
  for (const { status, errorKind, n } of rows[0].counts) {
    if (status === ITEM_STATUS.pending) {
      stats.pending += n
      if (errorKind === ERROR_KIND.transient) stats.retrying += n
    } else if (status === ITEM_STATUS.inProgress) {
      stats.inProgress += n
    } else if (status === ITEM_STATUS.completed) {
      stats.completed += n
    } else {
      stats.failed += n
      if (errorKind !== '' && n !== 0) stats.failedByKind[errorKind] = (stats.failedByKind[errorKind] ?? 0) + n
    }
  }
  return stats
}
