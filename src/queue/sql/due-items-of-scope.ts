import type { Queryable } from '../../db/pool.js'
import { ITEM_STATUS } from '../../states.js'
import { ITEM_COLUMNS, type QueueItem } from '../queue-item.js'
import { notPaused } from './not-paused.js'

/** Where a walk over the due items stopped, in claim order. */
export interface DuePosition { priority: number, runAt: Date, id: string }

/**
 * A page of the due pending items of `tenant` (null: every tenant) that no pause holds back, in
 * claim order (priority, then longest waiting), after `after`: resuming a scope walks them all
 * to wake them again.
 */
export async function findDueItemsOfScope (db: Queryable, tenant: string | null, after: DuePosition | null, limit: number): Promise<QueueItem[]> {
  const { rows } = await db.query<QueueItem>(`
    select ${ITEM_COLUMNS} from queue_items q
     where q.status = '${ITEM_STATUS.pending}' and q.run_at <= now()
       and ($1::text is null or exists (select 1 from documents d where d.id = q.document_id and d.tenant = $1))
       and ($2::smallint is null or (q.priority, q.run_at, q.id) > ($2, $3::timestamptz, $4::uuid))
       and ${notPaused('q.document_id')}
     order by q.priority, q.run_at, q.id
     limit $5`,
  [tenant, after?.priority ?? null, after?.runAt ?? null, after?.id ?? null, limit])
  return rows
}
