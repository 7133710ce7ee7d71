import type { Queryable } from '../../db/pool.js'
import { priorityName } from '../../queue/priority.js'
import { decodeCursor, encodeCursor } from '../../services/list-cursor.js'
import { filterOf } from './document-filter.js'
import type { AdminDocumentJsonType, DocumentList, DocumentListQueryType } from './documents-json.js'
import { filteredStatusCounts } from './filtered-status-counts.js'
import { listFilteredDocuments, type FilteredDocumentRow } from './list-filtered-documents.js'

function toAdminDocumentJson (row: FilteredDocumentRow): AdminDocumentJsonType {
  return {
    id: row.id,
    tenant: row.tenant,
    filename: row.filename,
    status: row.status,
    operation: row.operation,
    priority: priorityName(row.priority),
    errorKind: row.errorKind,
    errorCode: row.errorCode,
    errorMessage: row.errorMessage,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString()
  }
}

/**
 * A page of the documents list and the counts per status, for the tenants an account sees
 * (null = all). The page and its JSON twin both answer with this. A cursor this API did not
 * write is a 400 (DOCQ_REQUEST_INVALID).
 */
export async function loadDocumentList (db: Queryable, query: DocumentListQueryType, tenants: string[] | null): Promise<DocumentList> {
  const filter = filterOf(query)
  const after = query.after === undefined ? undefined : decodeCursor(query.after)
  // One row more than the page tells whether another page follows.
  const [rows, counts] = await Promise.all([
    listFilteredDocuments(db, filter, tenants, { after, limit: query.limit + 1 }),
    filteredStatusCounts(db, filter, tenants)
  ])
  const page = rows.slice(0, query.limit)
  const last = page.at(-1)
  return {
    documents: page.map(toAdminDocumentJson),
    nextCursor: rows.length > query.limit && last !== undefined ? encodeCursor(last.position) : null,
    counts
  }
}
