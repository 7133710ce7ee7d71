import type { Queryable } from '../../db/pool.js'
import { ATTEMPT_OUTCOME, ITEM_STATUS } from '../../states.js'
import type { QueueItem } from '../queue-item.js'

/**
 * Marks items this worker holds completed: each item, its attempt and its document's status, in
 * one statement for all of them. Each item is fenced by its own claim (status, worker, attempt),
 * so an item whose claim was taken over changes nothing while the others complete. Returns the
 * ids of the items completed; the caller writes their results in the same transaction, and only
 * theirs.
 */
export async function completeItems (db: Queryable, items: Array<Pick<QueueItem, 'id' | 'attempts'>>, workerId: string): Promise<Set<string>> {
  const sorted = [...items].sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  const { rows } = await db.query<{ id: string }>(`
    with held as (
      select * from unnest($1::uuid[], $2::int[]) as h(id, attempts)
    ), q as (
      update queue_items q
         set status = '${ITEM_STATUS.completed}', last_error = null, error_kind = null, error_code = null, finished_at = now(),
             locked_by = null, locked_until = null, updated_at = now()
        from held
       where q.id = held.id and q.status = '${ITEM_STATUS.inProgress}' and q.locked_by = $3 and q.attempts = held.attempts
      returning q.id, q.document_id, q.attempts
    ), attempt as (
      update queue_item_attempts a set outcome = '${ATTEMPT_OUTCOME.completed}', finished_at = now()
        from q where a.item_id = q.id and a.attempt = q.attempts and a.outcome is null
    ), d as (
      update documents d
         set status = '${ITEM_STATUS.completed}', error_kind = null, error_code = null, last_error = null, error_group = null, updated_at = now()
        from q where d.id = q.document_id and d.current_item_id = q.id
    )
    select id from q`,
  [sorted.map((item) => item.id), sorted.map((item) => item.attempts), workerId])
  return new Set(rows.map((row) => row.id))
}
