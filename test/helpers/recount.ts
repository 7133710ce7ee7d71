import type { Queryable } from '../../src/db/pool.js'
import { foldCounts, type CountRow, type StatusCounts } from '../../src/queue/sql/queue-stats.js'

/** A tenant's counts recomputed from scratch from every document's current item, to compare with `document_counts`. */
export async function recount (db: Queryable, tenant: string): Promise<StatusCounts> {
  const { rows } = await db.query<CountRow>(`
    select q.status, coalesce(q.error_kind, '') as "errorKind", count(*)::int as n
      from documents d join queue_items q on q.id = d.current_item_id
     where d.tenant = $1 group by 1, 2`, [tenant])
  return foldCounts(rows)
}
