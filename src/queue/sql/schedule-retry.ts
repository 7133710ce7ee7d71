import type { Queryable } from '../../db/pool.js'
import { ATTEMPT_OUTCOME, ERROR_KIND, ITEM_STATUS, type FailureCode } from '../../states.js'
import type { QueueItem } from '../queue-item.js'

/**
 * Puts an item that failed transiently back to pending, due at `runAt`, fenced by the claim:
 * Postgres holds the retry schedule, so it survives Redis losing the delayed wake-up. Returns
 * the new wake-up count (naming the delayed job to send), or undefined when the claim was lost.
 */
export async function scheduleRetry (db: Queryable, item: QueueItem, workerId: string, failure: { message: string, code: FailureCode }, runAt: Date): Promise<number | undefined> {
  const { rows } = await db.query<{ wakeups: number }>(`
    with q as (
      update queue_items
         set status = '${ITEM_STATUS.pending}', run_at = $6, wakeups = wakeups + 1,
             last_error = $4, error_kind = '${ERROR_KIND.transient}', error_code = $5,
             locked_by = null, locked_until = null, updated_at = now()
       where id = $1 and status = '${ITEM_STATUS.inProgress}' and locked_by = $2 and attempts = $3
      returning id, document_id, attempts, wakeups, error_group
    ), attempt as (
      update queue_item_attempts a set outcome = '${ATTEMPT_OUTCOME.retrying}', finished_at = now(), error = $4
        from q where a.item_id = q.id and a.attempt = q.attempts and a.outcome is null
    ), d as (
      update documents d
         set status = '${ITEM_STATUS.pending}', error_kind = '${ERROR_KIND.transient}', error_code = $5, last_error = $4,
             error_group = q.error_group, updated_at = now()
        from q where d.id = q.document_id and d.current_item_id = q.id
    )
    select wakeups from q`,
  [item.id, workerId, item.attempts, failure.message, failure.code, runAt])
  return rows[0]?.wakeups
}
