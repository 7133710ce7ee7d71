import type { Queryable } from '../../db/pool.js'
import { ATTEMPT_OUTCOME, ITEM_STATUS, type ErrorKind, type FailureCode } from '../../states.js'
import type { QueueItem } from '../queue-item.js'

/** Why an item failed for good, as recorded. */
export interface FailureRecord {
  message: string
  kind: ErrorKind
  code: FailureCode
}

/**
 * Marks an item this worker holds failed for good: the item, its attempt and its document's
 * status in one statement, fenced by the claim. Returns whether it did.
 */
export async function failItem (db: Queryable, item: QueueItem, workerId: string, failure: FailureRecord): Promise<boolean> {
  const { rowCount } = await db.query(`
    with q as (
      update queue_items
         set status = '${ITEM_STATUS.failed}', last_error = $4, error_kind = $5, error_code = $6, finished_at = now(),
             locked_by = null, locked_until = null, updated_at = now()
       where id = $1 and status = '${ITEM_STATUS.inProgress}' and locked_by = $2 and attempts = $3
      returning id, document_id, attempts, error_group
    ), attempt as (
      update queue_item_attempts a set outcome = '${ATTEMPT_OUTCOME.failed}', finished_at = now(), error = $4
        from q where a.item_id = q.id and a.attempt = q.attempts and a.outcome is null
    ), d as (
      update documents d
         set status = '${ITEM_STATUS.failed}', error_kind = $5, error_code = $6, last_error = $4, error_group = q.error_group, updated_at = now()
        from q where d.id = q.document_id and d.current_item_id = q.id
    )
    select id from q`,
  [item.id, workerId, item.attempts, failure.message, failure.kind, failure.code])
  return rowCount === 1
}
