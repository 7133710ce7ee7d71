import type { Queryable } from '../../db/pool.js'
import { ERROR_KIND, FAILURE_CODE, ITEM_STATUS } from '../../states.js'
import type { QueueItem } from '../queue-item.js'

/**
 * Ends the pending current items of these documents of `tenants` (null: any tenant) failed, kind
 * and code `cancelled`, with `message` as their error; the documents follow in the same
 * statement. Only pending items: one a worker holds is left to finish. Items are locked in id
 * order before their documents, and a claim racing for one of them either wins (the item is in
 * progress, not cancelled) or finds it failed. Returns the items, to remove their wake-ups.
 */
export async function cancelPendingItems (db: Queryable, documentIds: string[], tenants: string[] | null, message: string): Promise<Array<Pick<QueueItem, 'id' | 'documentId' | 'wakeups'>>> {
  const { rows } = await db.query<Pick<QueueItem, 'id' | 'documentId' | 'wakeups'>>(`
    with target as (
      select q.id
        from documents d join queue_items q on q.id = d.current_item_id
       where d.id = any($1::uuid[]) and ($2::text[] is null or d.tenant = any($2::text[])) and q.status = '${ITEM_STATUS.pending}'
       order by q.id
         for update of q
    ), q as (
      update queue_items q
         set status = '${ITEM_STATUS.failed}', error_kind = '${ERROR_KIND.cancelled}', error_code = '${FAILURE_CODE.cancelled}',
             last_error = $3, finished_at = now(), updated_at = now()
        from target where q.id = target.id and q.status = '${ITEM_STATUS.pending}'
      returning q.id, q.document_id, q.wakeups, q.error_group
    ), d as (
      update documents d
         set status = '${ITEM_STATUS.failed}', error_kind = '${ERROR_KIND.cancelled}', error_code = '${FAILURE_CODE.cancelled}',
             last_error = $3, error_group = q.error_group, updated_at = now()
        from q where d.id = q.document_id and d.current_item_id = q.id
    )
    select q.id, q.document_id as "documentId", q.wakeups from q`,
  [documentIds, tenants, message])
  return rows
}
