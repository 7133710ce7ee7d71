import type { Queryable } from '../../db/pool.js'

/**
 * Locks the queue items of a tenant's document, before the document itself: every statement
 * that moves an item locks the item first and its document second, and a deletion taking the
 * document first (its cascade reaching the items after) could deadlock with a finishing worker.
 * Returns the items (to cancel their wake-ups); empty when the tenant has no such document.
 */
export async function lockDocumentItems (db: Queryable, tenant: string, id: string): Promise<Array<{ id: string, wakeups: number }>> {
  const { rows } = await db.query<{ id: string, wakeups: number }>(`
    select q.id, q.wakeups
      from queue_items q join documents d on d.id = q.document_id
     where d.id = $1 and d.tenant = $2
     order by q.id
       for update of q`,
  [id, tenant])
  return rows
}

/**
 * Deletes a tenant's document; its bytes, passages, queue items and attempts go with it by
 * cascade. Run it after {@link lockDocumentItems}, in the same transaction. Returns whether it did.
 */
export async function deleteDocument (db: Queryable, tenant: string, id: string): Promise<boolean> {
  const { rowCount } = await db.query('delete from documents where id = $1 and tenant = $2', [id, tenant])
  return rowCount === 1
}
