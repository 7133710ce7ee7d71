import type { Queryable } from '../db/pool.js'
import { foldCounts, type CountRow, type StatusCounts } from '../queue/sql/queue-stats.js'
import { ITEM_STATUS } from '../states.js'

/** The queue of every tenant at one moment, as the API's /metrics exports it. */
export interface QueueSnapshot {
  tenants: Array<{ tenant: string, counts: StatusCounts, oldestPendingAgeSeconds: number | null }>
}

/**
 * Documents by tenant and status, and each tenant's oldest pending wait, in one round trip that
 * never reads the documents table at large: the counts are the sums of `document_counts` (kept
 * exact by triggers, migration 005), and each tenant with pending documents costs one look at
 * the first entry of the partial index on (tenant, queued_at). A scrape costs the same with a
 * thousand documents or a million.
 */
export async function loadQueueSnapshot (db: Queryable): Promise<QueueSnapshot> {
  const { rows } = await db.query<{ counts: Array<CountRow & { tenant: string }>, waits: Array<{ tenant: string, age: number }> }>({
    name: 'metrics-queue-snapshot',
    text: `
    with c as (
      select tenant, status, error_kind as "errorKind", sum(n)::int as n from document_counts group by 1, 2, 3
    )
    select
      coalesce((select json_agg(c) from c), '[]') as counts,
      coalesce((select json_agg(json_build_object('tenant', t.tenant, 'age', extract(epoch from now() - p.queued_at)::float8))
         from (select tenant from c where status = '${ITEM_STATUS.pending}' group by tenant having sum(n) > 0) t
         cross join lateral (select min(queued_at) as queued_at from documents d
                              where d.tenant = t.tenant and d.status = '${ITEM_STATUS.pending}') p
        where p.queued_at is not null), '[]') as waits`
  })
  const byTenant = new Map<string, CountRow[]>()
  for (const row of rows[0].counts) byTenant.set(row.tenant, [...(byTenant.get(row.tenant) ?? []), row])
  const waits = new Map(rows[0].waits.map(({ tenant, age }) => [tenant, age]))
  return {
    tenants: [...byTenant].map(([tenant, counts]) => ({ tenant, counts: foldCounts(counts), oldestPendingAgeSeconds: waits.get(tenant) ?? null }))
  }
}
