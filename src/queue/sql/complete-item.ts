import type { Queryable } from '../../db/pool.js'
import { ATTEMPT_OUTCOME, ITEM_STATUS } from '../../states.js'
import type { QueueItem } from '../queue-item.js'

/**
 * Marks an item this worker holds completed: the item, its attempt and its document's status in
 * one statement, fenced by the claim (status, worker, attempt), so a worker whose claim was
 * taken over changes nothing. Returns whether it did; the caller writes the result in the same
 * transaction only then.
 */
export async function completeItem (db: Queryable, item: QueueItem, workerId: string): Promise<boolean> {
  const { rowCount } = await db.query(`
    with q as (
      update queue_items
         set status = '${ITEM_STATUS.completed}', last_error = null, error_kind = null, error_code = null, finished_at = now(),
             locked_by = null, locked_until = null, updated_at = now()
       where id = $1 and status = '${ITEM_STATUS.inProgress}' and locked_by = $2 and attempts = $3
      returning id, document_id, attempts
    ), attempt as (
      update queue_item_attempts a set outcome = '${ATTEMPT_OUTCOME.completed}', finished_at = now()
        from q where a.item_id = q.id and a.attempt = q.attempts and a.outcome is null
    ), d as (
      update documents d set status = '${ITEM_STATUS.completed}', error_kind = null, updated_at = now()
        from q where d.id = q.document_id and d.current_item_id = q.id
    )
    select id from q`,
  [item.id, workerId, item.attempts])
  return rowCount === 1
}
