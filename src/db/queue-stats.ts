import type { Queryable } from './pool.js'

export interface QueueStats {
  pending: number
  inProgress: number
  completed: number
  failed: number
  oldestPendingAgeSeconds: number | null
}

/**
 * A tenant's documents by status (a document's status is its current item's) and how long the
 * oldest pending one has waited. Served by the (tenant, status, ...) index.
 */
export async function queueStatsForTenant (db: Queryable, tenant: string): Promise<QueueStats> {
  const { rows } = await db.query<QueueStats>(`
    select
      count(*) filter (where d.status = 'pending')::int as pending,
      count(*) filter (where d.status = 'in_progress')::int as "inProgress",
      count(*) filter (where d.status = 'completed')::int as completed,
      count(*) filter (where d.status = 'failed')::int as failed,
      (select extract(epoch from now() - min(q.created_at))::float8
         from documents p join queue_items q on q.id = p.current_item_id
        where p.tenant = $1 and p.status = 'pending') as "oldestPendingAgeSeconds"
    from documents d
    where d.tenant = $1`, [tenant])
  return rows[0]
}
