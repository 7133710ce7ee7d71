import { DOCUMENT_COLUMNS, type DocumentRecord } from '../../db/documents.js'
import type { Queryable } from '../../db/pool.js'
import { ITEM_STATUS } from '../../states.js'
import type { Operation } from '../../states.js'

/**
 * Adds a queue item for each of these existing documents of `tenants` (null: any tenant) and
 * makes it the document's current item, pending, unless the document is pending or in progress
 * already. The priority defaults to the previous item's. Returns the documents as queued; a
 * document missing, of another tenant, or busy is not among them.
 */
export async function insertItemsForDocuments (db: Queryable, request: {
  documentIds: string[]
  tenants: string[] | null
  operation: Operation
  priority: number | null
  maxAttempts: number
  /** The trace of the request that queued them (W3C `traceparent`), or null. */
  traceparent: string | null
}): Promise<DocumentRecord[]> {
  const { rows } = await db.query<DocumentRecord>(`
    with previous as (
      select doc.id, old.priority
        from documents doc join queue_items old on old.id = doc.current_item_id
       where doc.id = any($1::uuid[]) and ($2::text[] is null or doc.tenant = any($2::text[]))
         and doc.status in ('${ITEM_STATUS.completed}', '${ITEM_STATUS.failed}')
       order by doc.id
      for update of doc
    ), q as (
      insert into queue_items (id, document_id, operation, priority, status, max_attempts, traceparent)
      select gen_random_uuid(), previous.id, $3, coalesce($4, previous.priority), '${ITEM_STATUS.pending}', $5, $6 from previous
      returning id, document_id, operation, priority, attempts, max_attempts, last_error, error_kind, error_code, run_at, wakeups
    ), d as (
      update documents
         set status = '${ITEM_STATUS.pending}', operation = q.operation, priority = q.priority, error_kind = null, error_code = null,
             last_error = null, error_group = null, current_item_id = q.id, queued_at = now(), updated_at = now()
        from q where documents.id = q.document_id
      returning documents.id, documents.filename, documents.declared_type, documents.media_type, documents.size, documents.sha256,
                documents.status, documents.version, documents.created_at, documents.updated_at, documents.processed_at, documents.metadata
    )
    select ${DOCUMENT_COLUMNS} from d join q on q.document_id = d.id`,
  [request.documentIds, request.tenants, request.operation, request.priority, request.maxAttempts, request.traceparent])
  return rows
}
