import { DOCUMENT_COLUMNS, type DocumentRecord } from '../../db/documents.js'
import type { Queryable } from '../../db/pool.js'
import { ITEM_STATUS } from '../../states.js'
import type { Operation } from '../../states.js'

/**
 * Adds a queue item for a tenant's existing document and makes it the document's current
 * item, pending, unless the document is pending or in progress already. The priority defaults
 * to the previous item's. Returns the document as queued, or undefined when it is missing or busy.
 */
export async function insertItemForDocument (db: Queryable, item: {
  id: string
  tenant: string
  documentId: string
  operation: Operation
  priority: number | null
  maxAttempts: number
}): Promise<DocumentRecord | undefined> {
  const { rows } = await db.query<DocumentRecord>(`
    with previous as (
      select doc.id, old.priority
        from documents doc join queue_items old on old.id = doc.current_item_id
       where doc.id = $2 and doc.tenant = $3 and doc.status in ('${ITEM_STATUS.completed}', '${ITEM_STATUS.failed}')
      for update of doc
    ), q as (
      insert into queue_items (id, document_id, operation, priority, status, max_attempts)
      select $1, previous.id, $4, coalesce($5, previous.priority), '${ITEM_STATUS.pending}', $6 from previous
      returning id, document_id, operation, priority, attempts, max_attempts, last_error, error_kind, error_code, run_at, wakeups
    ), d as (
      update documents set status = '${ITEM_STATUS.pending}', error_kind = null, current_item_id = q.id, queued_at = now(), updated_at = now()
        from q where documents.id = q.document_id
      returning documents.id, documents.filename, documents.declared_type, documents.media_type, documents.size, documents.sha256,
                documents.status, documents.version, documents.created_at, documents.updated_at, documents.processed_at, documents.metadata
    )
    select ${DOCUMENT_COLUMNS} from d join q on q.document_id = d.id`,
  [item.id, item.documentId, item.tenant, item.operation, item.priority, item.maxAttempts])
  return rows[0]
}
