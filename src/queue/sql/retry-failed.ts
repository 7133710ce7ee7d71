import type { Queryable } from '../../db/pool.js'
import { ITEM_STATUS, OPERATION } from '../../states.js'
import type { QueueItem } from '../queue-item.js'

/**
 * Puts the failed current items of these documents of `tenants` (null: any tenant) back to
 * pending, due at once, with a fresh budget of attempts (`budget` of the item's operation on top
 * of those spent, so the attempt history keeps counting) and the error cleared; the documents
 * follow in the same statement. Items are locked in id order before their documents, as every
 * statement that moves items does. The wake-up count moves on: the last wake-up may still sit
 * in BullMQ's failed set under the old id. Returns the items to wake.
 */
export async function retryFailedItems (db: Queryable, documentIds: string[], tenants: string[] | null, budget: { process: number, reprocess: number }): Promise<Array<Pick<QueueItem, 'id' | 'documentId' | 'priority' | 'wakeups'>>> {
  const { rows } = await db.query<Pick<QueueItem, 'id' | 'documentId' | 'priority' | 'wakeups'>>(`
    with target as (
      select q.id
        from documents d join queue_items q on q.id = d.current_item_id
       where d.id = any($1::uuid[]) and ($2::text[] is null or d.tenant = any($2::text[])) and q.status = '${ITEM_STATUS.failed}'
       order by q.id
         for update of q
    ), q as (
      update queue_items q
         set status = '${ITEM_STATUS.pending}', run_at = now(), wakeups = q.wakeups + 1,
             max_attempts = q.attempts + case when q.operation = '${OPERATION.process}' then $3::int else $4::int end,
             last_error = null, error_kind = null, error_code = null, finished_at = null,
             locked_by = null, locked_until = null, updated_at = now()
        from target where q.id = target.id and q.status = '${ITEM_STATUS.failed}'
      returning q.id, q.document_id, q.priority, q.wakeups
    ), d as (
      update documents d
         set status = '${ITEM_STATUS.pending}', error_kind = null, error_code = null, last_error = null, error_group = null, updated_at = now()
        from q where d.id = q.document_id and d.current_item_id = q.id
    )
    select q.id, q.document_id as "documentId", q.priority, q.wakeups from q`,
  [documentIds, tenants, budget.process, budget.reprocess])
  return rows
}
