import type { Queryable } from '../../db/pool.js'
import { ITEM_STATUS } from '../../states.js'

/**
 * Deletes queue history: finished items that are no longer their document's current item (an
 * earlier processing, before a reprocess), of the tenants (null = all); their attempts go with
 * them by cascade. The conditions are checked again here, so an id that became current or
 * unfinished meanwhile (it cannot, today) is left alone. The documents are not touched, so
 * their counts do not move. Returns the ids deleted.
 */
export async function deleteFinishedItems (db: Queryable, itemIds: string[], tenants: string[] | null): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(`
    delete from queue_items q
     using documents d
     where q.id = any($1::uuid[]) and d.id = q.document_id and d.current_item_id <> q.id
       and q.status in ('${ITEM_STATUS.completed}', '${ITEM_STATUS.failed}')
       and ($2::text[] is null or d.tenant = any($2::text[]))
    returning q.id`,
  [itemIds, tenants])
  return rows.map((row) => row.id)
}
