import type { Queryable } from '../../db/pool.js'
import { ITEM_STATUS } from '../../states.js'
import type { OverviewScope } from './overview-scope.js'

export interface OldestWaits {
  oldestPendingAgeSeconds: number | null
  oldestInProgressAgeSeconds: number | null
}

/**
 * The longest wait of a pending document and the longest run of an in-progress one in the scope,
 * in seconds; null when there is none. As in the tenant's `/queue/stats`, neither reads the
 * documents table at large: the oldest pending document of each tenant that `document_counts`
 * says has any is the first entry of the partial index on (tenant, queued_at), and the items in
 * progress are few (the workers' concurrency bounds them) and found through their own partial index.
 */
export async function loadOldestWaits (db: Queryable, scope: OverviewScope): Promise<OldestWaits> {
  const { rows } = await db.query<OldestWaits>({
    name: 'admin-overview-oldest-waits',
    text: `
    select
      (select extract(epoch from now() - min(p.queued_at))::float8
         from (select tenant from document_counts
                where status = '${ITEM_STATUS.pending}' and ($1::text[] is null or tenant = any($1::text[]))
                group by tenant having sum(n) > 0) t
         cross join lateral (select min(queued_at) as queued_at from documents d
                              where d.tenant = t.tenant and d.status = '${ITEM_STATUS.pending}') p) as "oldestPendingAgeSeconds",
      (select extract(epoch from now() - min(q.started_at))::float8
         from queue_items q join documents d on d.id = q.document_id
        where q.status = '${ITEM_STATUS.inProgress}' and ($1::text[] is null or d.tenant = any($1::text[]))) as "oldestInProgressAgeSeconds"`,
    values: [scope.tenants]
  })
  return rows[0]
}
