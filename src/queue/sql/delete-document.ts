import type { Queryable } from '../../db/pool.js'

/**
 * Deletes a tenant's document; its bytes, passages, queue items and attempts go with it by
 * cascade. Returns the items it had (to cancel their wake-ups), or undefined when the tenant has
 * no such document.
 */
export async function deleteDocument (db: Queryable, tenant: string, id: string): Promise<Array<{ id: string, wakeups: number }> | undefined> {
  const { rows } = await db.query<{ items: Array<{ id: string, wakeups: number }> }>(`
    with d as (delete from documents where id = $1 and tenant = $2 returning id)
    select coalesce((select json_agg(json_build_object('id', q.id, 'wakeups', q.wakeups))
                       from queue_items q where q.document_id = d.id), '[]') as items
      from d`,
  [id, tenant])
  return rows[0]?.items
}
