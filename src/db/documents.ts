import type { DocumentStatus, ErrorKind, FailureCode, Operation } from '../states.js'
import type { Queryable } from './pool.js'

/** A document as the API shows it: its row joined with its current queue item. */
export interface DocumentRecord {
  id: string
  /** The current queue item. */
  itemId: string
  filename: string
  declaredType: string | null
  mediaType: string
  size: number
  sha256: string
  status: DocumentStatus
  priority: number
  operation: Operation
  attempts: number
  maxAttempts: number
  lastError: string | null
  errorKind: ErrorKind | null
  errorCode: FailureCode | null
  runAt: Date
  wakeups: number
  version: number
  createdAt: Date
  updatedAt: Date
  processedAt: Date | null
  metadata: Record<string, unknown>
}

/** The columns of a {@link DocumentRecord}, read from `documents d` joined with its current item `queue_items q`. */
export const DOCUMENT_COLUMNS = `
  d.id, q.id as "itemId", d.filename, d.declared_type as "declaredType", d.media_type as "mediaType", d.size, d.sha256,
  d.status, q.priority, q.operation, q.attempts, q.max_attempts as "maxAttempts", q.last_error as "lastError",
  q.error_kind as "errorKind", q.error_code as "errorCode", q.run_at as "runAt", q.wakeups, d.version, d.created_at as "createdAt",
  d.updated_at as "updatedAt", d.processed_at as "processedAt", d.metadata`

/** The document a tenant created with an idempotency key, with its checksum. */
export async function findDocumentByIdempotencyKey (db: Queryable, tenant: string, key: string): Promise<DocumentRecord | undefined> {
  const { rows } = await db.query<DocumentRecord>(`
    select ${DOCUMENT_COLUMNS}
    from documents d join queue_items q on q.id = d.current_item_id
    where d.tenant = $1 and d.idempotency_key = $2`, [tenant, key])
  return rows[0]
}

/** One document of a tenant, or undefined. */
export async function findDocument (db: Queryable, tenant: string, id: string): Promise<DocumentRecord | undefined> {
  const { rows } = await db.query<DocumentRecord>(`
    select ${DOCUMENT_COLUMNS}
    from documents d join queue_items q on q.id = d.current_item_id
    where d.id = $1 and d.tenant = $2`, [id, tenant])
  return rows[0]
}

/** Where a listing stopped: creation time at full (microsecond) precision, and id. */
export interface ListPosition { createdAt: string, id: string }

/** A page of a tenant's documents, newest first, starting after `after`. */
export async function listDocuments (db: Queryable, tenant: string, options: {
  status?: DocumentStatus
  after?: ListPosition
  limit: number
}): Promise<Array<DocumentRecord & { position: ListPosition }>> {
  const { rows } = await db.query<DocumentRecord & { position: ListPosition }>(`
    select ${DOCUMENT_COLUMNS}, json_build_object('createdAt', d.created_at::text, 'id', d.id) as position
    from documents d join queue_items q on q.id = d.current_item_id
    where d.tenant = $1
      and ($2::text is null or d.status = $2)
      and ($3::timestamptz is null or (d.created_at, d.id) < ($3, $4::uuid))
    order by d.created_at desc, d.id desc
    limit $5`,
  [tenant, options.status ?? null, options.after?.createdAt ?? null, options.after?.id ?? null, options.limit])
  return rows
}

/**
 * The last result written for a document: its text (null before the first), the version it
 * belongs to (0 before the first) and the document's current status. A reprocess leaves both
 * in place until its own result replaces them.
 */
export interface DocumentText {
  status: DocumentStatus
  version: number
  text: string | null
}

/** A tenant's document's last extracted text with its version, or undefined. */
export async function findDocumentText (db: Queryable, tenant: string, id: string): Promise<DocumentText | undefined> {
  const { rows } = await db.query<DocumentText>(
    'select status, version, text from documents where id = $1 and tenant = $2', [id, tenant])
  return rows[0]
}

/** A tenant's document's original bytes with its display name and detected type. */
export async function findDocumentContent (db: Queryable, tenant: string, id: string): Promise<{ filename: string, mediaType: string, bytes: Buffer } | undefined> {
  const { rows } = await db.query<{ filename: string, mediaType: string, bytes: Buffer }>(`
    select d.filename, d.media_type as "mediaType", b.bytes
      from documents d join document_blobs b on b.document_id = d.id
     where d.id = $1 and d.tenant = $2`, [id, tenant])
  return rows[0]
}
