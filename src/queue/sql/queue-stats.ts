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
  const { rows } = await db.query<{ counts: CountRow[], oldestPending: number | null, oldestInProgress: number | null }>({
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
  return {
    ...foldCounts(rows[0].counts),
    oldestPendingAgeSeconds: rows[0].oldestPending,
    oldestInProgressAgeSeconds: rows[0].oldestInProgress
  }
}

/** One row of `document_counts` summed over its slots. */
export interface CountRow { status: ItemStatus, errorKind: ErrorKind | '', n: number }

export type StatusCounts = Omit<QueueStats, 'oldestPendingAgeSeconds' | 'oldestInProgressAgeSeconds'>

/** Documents by status, retries and failures by kind, from count rows. */
export function foldCounts (rows: CountRow[]): StatusCounts {
  const counts: StatusCounts = { pending: 0, inProgress: 0, completed: 0, failed: 0, retrying: 0, failedByKind: {} }
  for (const { status, errorKind, n } of rows) {
    if (status === ITEM_STATUS.pending) {
      counts.pending += n
      if (errorKind === ERROR_KIND.transient) counts.retrying += n
    } else if (status === ITEM_STATUS.inProgress) {
      counts.inProgress += n
    } else if (status === ITEM_STATUS.completed) {
      counts.completed += n
    } else {
      counts.failed += n
      if (errorKind !== '' && n !== 0) counts.failedByKind[errorKind] = (counts.failedByKind[errorKind] ?? 0) + n
    }
  }
  return counts
}
