import type { Queryable } from '../../db/pool.js'
import { ATTEMPT_OUTCOME, ITEM_STATUS } from '../../states.js'
import type { QueueItem } from '../queue-item.js'

/**
 * Gives an item this worker holds back to pending, due at once, without spending an attempt (a
 * worker shutting down before it could finish), fenced by the claim. Returns the new wake-up
 * count, or undefined when the claim was already lost.
 */
export async function releaseItem (db: Queryable, item: QueueItem, workerId: string): Promise<number | undefined> {
  const { rows } = await db.query<{ wakeups: number }>(`
    with q as (
      update queue_items
         set status = '${ITEM_STATUS.pending}', attempts = attempts - 1, run_at = now(), wakeups = wakeups + 1,
             locked_by = null, locked_until = null, updated_at = now()
       where id = $1 and status = '${ITEM_STATUS.inProgress}' and locked_by = $2 and attempts = $3
      returning id, document_id, wakeups
    ), attempt as (
      update queue_item_attempts a set outcome = '${ATTEMPT_OUTCOME.released}', finished_at = now(), error = 'released at worker shutdown'
        from q where a.item_id = q.id and a.attempt = $3 and a.outcome is null
    ), d as (
      update documents d set status = '${ITEM_STATUS.pending}', updated_at = now()
        from q where d.id = q.document_id and d.current_item_id = q.id
    )
    select wakeups from q`,
  [item.id, workerId, item.attempts])
  return rows[0]?.wakeups
}
