import type { Queryable } from '../../db/pool.js'
import { ITEM_STATUS } from '../../states.js'
import { ITEM_COLUMNS, type QueueItem } from '../queue-item.js'
import { notPaused } from './not-paused.js'

/**
 * Pending items that have been due for `settleMs` at least, highest priority and longest
 * waiting first. The settle time skips items that only just became due, whose wake-up may
 * still be on its way. Items of a paused scope are left out: no worker may claim them, so a
 * wake-up sent for one would be consumed for nothing, again and again; resuming the scope
 * wakes them.
 */
export async function findDueItems (db: Queryable, limit: number, settleMs: number): Promise<QueueItem[]> {
  const { rows } = await db.query<QueueItem>(`
    select ${ITEM_COLUMNS} from queue_items q
     where q.status = '${ITEM_STATUS.pending}' and q.run_at <= now() - make_interval(secs => $2::float8 / 1000)
       and ${notPaused('q.document_id')}
     order by q.priority, q.run_at
     limit $1`,
  [limit, settleMs])
  return rows
}

/**
 * Counts a new wake-up for an item that is still pending and due, if nobody else did since
 * `wakeups` was read. Returns the new count, or undefined when the item moved on meanwhile.
 */
export async function bumpWakeups (db: Queryable, itemId: string, wakeups: number): Promise<number | undefined> {
  const { rows } = await db.query<{ wakeups: number }>(`
    update queue_items q set wakeups = q.wakeups + 1
     where q.id = $1 and q.wakeups = $2 and q.status = '${ITEM_STATUS.pending}' and q.run_at <= now()
    returning q.wakeups`,
  [itemId, wakeups])
  return rows[0]?.wakeups
}

/** How many items are in progress, whoever holds them. */
export async function countInProgress (db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from queue_items where status = '${ITEM_STATUS.inProgress}'`)
  return rows[0].n
}
