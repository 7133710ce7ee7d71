import type { Queryable } from '../../db/pool.js'

/**
 * Locks the queue items of these documents of `tenants` (null: any tenant), before the
 * documents themselves: every statement that moves an item locks the item first and its
 * document second, and a deletion taking the document first (its cascade reaching the items
 * after) could deadlock with a finishing worker. Items are locked in id order, so that two
 * deletions cannot deadlock either. Returns the items (to cancel their wake-ups).
 */
export async function lockDocumentItems (db: Queryable, documentIds: string[], tenants: string[] | null): Promise<Array<{ id: string, wakeups: number }>> {
  const { rows } = await db.query<{ id: string, wakeups: number }>(`
    select q.id, q.wakeups
      from queue_items q join documents d on d.id = q.document_id
     where d.id = any($1::uuid[]) and ($2::text[] is null or d.tenant = any($2::text[]))
     order by q.id
       for update of q`,
  [documentIds, tenants])
  return rows
}

/**
 * Deletes these documents of `tenants` (null: any tenant); their bytes, passages, queue items
 * and attempts go with them by cascade. Run it after {@link lockDocumentItems}, in the same
 * transaction. Returns the ids of the documents it deleted.
 */
export async function deleteDocuments (db: Queryable, documentIds: string[], tenants: string[] | null): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    'delete from documents where id = any($1::uuid[]) and ($2::text[] is null or tenant = any($2::text[])) returning id',
    [documentIds, tenants])
  return rows.map((row) => row.id)
}
