import type { Queryable } from '../../db/pool.js'
import type { ErrorKind, FailureCode, ItemStatus, Operation } from '../../states.js'

/** One queue item of a document: its first processing, or a reprocess. */
export interface DocumentItemRow {
  id: string
  operation: Operation
  status: ItemStatus
  priority: number
  attempts: number
  maxAttempts: number
  runAt: Date
  createdAt: Date
  finishedAt: Date | null
  lastError: string | null
  errorKind: ErrorKind | null
  errorCode: FailureCode | null
}

/**
 * Every item of a document, oldest first. A document gains an item per reprocess only, so the
 * list stays short; the cap bounds a document reprocessed without end.
 */
export async function listDocumentItems (db: Queryable, documentId: string, limit: number): Promise<DocumentItemRow[]> {
  const { rows } = await db.query<DocumentItemRow>(`
    select id, operation, status, priority, attempts, max_attempts as "maxAttempts", run_at as "runAt", created_at as "createdAt",
           finished_at as "finishedAt", last_error as "lastError", error_kind as "errorKind", error_code as "errorCode"
      from queue_items where document_id = $1
     order by created_at desc, id desc
     limit $2`,
  [documentId, limit])
  return rows.reverse()
}
