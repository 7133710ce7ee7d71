import type { Queryable } from '../../db/pool.js'
import { ITEM_STATUS } from '../../states.js'

export interface QueueStats {
  pending: number
  inProgress: number
  completed: number
  failed: number
  /** Pending after at least one failed attempt, waiting for their retry. */
  retrying: number
  /** Failed documents by why: permanent, exhausted, timeout, crashed. */
  failedByKind: Record<string, number>
  oldestPendingAgeSeconds: number | null
  oldestInProgressAgeSeconds: number | null
}

/**
 * A tenant's documents by the status of their current item (which their own status mirrors),
 * with retries, failure kinds and the oldest waits. Served by the (tenant, status, ...) index.
 */
export async function queueStatsForTenant (db: Queryable, tenant: string): Promise<QueueStats> {
  const { rows } = await db.query<QueueStats>(`
    with current as (
      select d.status, q.attempts, q.error_kind, q.created_at, q.started_at
        from documents d join queue_items q on q.id = d.current_item_id
       where d.tenant = $1
    )
    select
      count(*) filter (where status = '${ITEM_STATUS.pending}')::int as pending,
      count(*) filter (where status = '${ITEM_STATUS.inProgress}')::int as "inProgress",
      count(*) filter (where status = '${ITEM_STATUS.completed}')::int as completed,
      count(*) filter (where status = '${ITEM_STATUS.failed}')::int as failed,
      count(*) filter (where status = '${ITEM_STATUS.pending}' and attempts > 0)::int as retrying,
      coalesce((select json_object_agg(kind, n) from (
        select coalesce(error_kind, 'unknown') as kind, count(*)::int as n from current where status = '${ITEM_STATUS.failed}' group by 1
      ) k), '{}') as "failedByKind",
      extract(epoch from now() - min(created_at) filter (where status = '${ITEM_STATUS.pending}'))::float8 as "oldestPendingAgeSeconds",
      extract(epoch from now() - min(started_at) filter (where status = '${ITEM_STATUS.inProgress}'))::float8 as "oldestInProgressAgeSeconds"
    from current`, [tenant])
  return rows[0]
}
