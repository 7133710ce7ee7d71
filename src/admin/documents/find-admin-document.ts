import { DOCUMENT_COLUMNS, type DocumentRecord } from '../../db/documents.js'
import type { Queryable } from '../../db/pool.js'

/** A document as an admin sees it: the tenant API's record, with its tenant. */
export interface AdminDocumentRecord extends DocumentRecord {
  tenant: string
}

/** One document of `tenants` (null: any tenant) with its current item, or undefined. */
export async function findAdminDocument (db: Queryable, id: string, tenants: string[] | null): Promise<AdminDocumentRecord | undefined> {
  const { rows } = await db.query<AdminDocumentRecord>(`
    select ${DOCUMENT_COLUMNS}, d.tenant
      from documents d join queue_items q on q.id = d.current_item_id
     where d.id = $1 and ($2::text[] is null or d.tenant = any($2::text[]))`,
  [id, tenants])
  return rows[0]
}
