import type { Queryable } from '../../db/pool.js'
import { notPaused } from '../../queue/sql/not-paused.js'
import type { QueueItem } from '../../queue/queue-item.js'
import { ITEM_STATUS } from '../../states.js'

/**
 * How many due items of `tenants` (null: every tenant) a worker would claim before `item`: higher
 * priority, or the same and waiting longer. Counted up to `cap` + 1 only, along the due index,
 * so a deep queue costs no more than a short one; a result over `cap` means "more than cap".
 */
export async function countDueAhead (db: Queryable, item: Pick<QueueItem, 'id' | 'priority' | 'runAt'>, tenants: string[] | null, cap: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`
    select count(*)::int as n from (
      select 1 from queue_items q
       where q.status = '${ITEM_STATUS.pending}' and q.run_at <= now()
         and (q.priority, q.run_at) <= ($1, $2) and (q.priority, q.run_at, q.id) < ($1, $2, $3::uuid)
         and ($4::text[] is null or exists (select 1 from documents d where d.id = q.document_id and d.tenant = any($4::text[])))
         and ${notPaused('q.document_id')}
       limit $5
    ) ahead`,
  [item.priority, item.runAt, item.id, tenants, cap + 1])
  return rows[0].n
}
