import { DOCUMENT_COLUMNS, type DocumentRecord } from '../../db/documents.js'
import type { Queryable } from '../../db/pool.js'
import { ITEM_STATUS, OPERATION } from '../../states.js'

/** A new document and its first queue item, as the upload path stores them. */
export interface NewDocumentItem {
  id: string
  itemId: string
  tenant: string
  filename: string
  declaredType: string | null
  mediaType: string
  size: number
  sha256: string
  priority: number
  maxAttempts: number
  idempotencyKey: string | null
  /** The trace the upload belongs to (W3C `traceparent`), continued by the worker that runs the item; none when not traced. */
  traceparent?: string | null
}

function columnArrays (docs: NewDocumentItem[]): unknown[] {
  return [
    docs.map((doc) => doc.id), docs.map((doc) => doc.tenant), docs.map((doc) => doc.filename),
    docs.map((doc) => doc.declaredType), docs.map((doc) => doc.mediaType), docs.map((doc) => doc.size),
    docs.map((doc) => doc.sha256), docs.map((doc) => doc.itemId), docs.map((doc) => doc.priority),
    docs.map((doc) => doc.maxAttempts), docs.map((doc) => doc.idempotencyKey), docs.map((doc) => doc.traceparent ?? null)
  ]
}

/**
 * Inserts documents, pending, with their first queue items in one statement: atomic without an
 * explicit transaction (the two tables reference each other, and foreign keys are checked at
 * the statement's end). Scalars travel as arrays. The bytes are not written here: the caller
 * copies them in the same transaction. A document whose idempotency key its tenant already
 * used is not inserted, and is missing from the result.
 */
export async function insertDocumentsWithItems (db: Queryable, docs: NewDocumentItem[]): Promise<DocumentRecord[]> {
  // Prepared once per connection (named): parsing and planning these CTEs cost Postgres more
  // than running them for a small batch.
  const { rows } = await db.query<DocumentRecord>({
    name: 'enqueue-documents',
    text: `
    with input as (
      select i.id, i.tenant, i.filename, i.declared_type, i.media_type, i.size, i.sha256, i.item_id, i.priority, i.max_attempts, i.idempotency_key, i.traceparent
        from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[],
                    $8::uuid[], $9::smallint[], $10::int[], $11::text[], $12::text[])
          as i(id, tenant, filename, declared_type, media_type, size, sha256, item_id, priority, max_attempts, idempotency_key, traceparent)
    ), d as (
      insert into documents (id, tenant, filename, declared_type, media_type, size, sha256, status, operation, priority, current_item_id, idempotency_key)
      select id, tenant, filename, declared_type, media_type, size, sha256, '${ITEM_STATUS.pending}', '${OPERATION.process}', priority, item_id, idempotency_key
        from input
      on conflict (tenant, idempotency_key) where idempotency_key is not null do nothing
      returning id, filename, declared_type, media_type, size, sha256, status, version, created_at, updated_at, processed_at, metadata
    ), q as (
      insert into queue_items (id, document_id, operation, priority, status, max_attempts, traceparent)
      select i.item_id, d.id, '${OPERATION.process}', i.priority, '${ITEM_STATUS.pending}', i.max_attempts, i.traceparent from d join input i on i.id = d.id
      returning id, document_id, operation, priority, attempts, max_attempts, last_error, error_kind, error_code, run_at, wakeups
    )
    select ${DOCUMENT_COLUMNS} from d join q on q.document_id = d.id`,
    values: columnArrays(docs)
  })
  return rows
}

/**
 * {@link insertDocumentsWithItems} with the bytes in the same statement, one binary parameter
 * per document (a bytea array would travel hex-encoded). The driver copies each into its
 * message: fine for a few small uploads, where one statement beats a transaction with a COPY.
 * Prepared once per connection and batch size, as its text depends on the number of documents.
 */
export async function insertDocumentsWithItemsAndBytes (db: Queryable, docs: NewDocumentItem[], bytes: Buffer[]): Promise<DocumentRecord[]> {
  const firstBytes = 13
  const bytesRows = bytes.map((_bytes, i) => `(${i + 1}, $${firstBytes + i}::bytea)`).join(', ')
  const { rows } = await db.query<DocumentRecord>({
    name: `enqueue-documents-with-bytes-${bytes.length}`,
    text: `
    with input as (
      select i.id, i.tenant, i.filename, i.declared_type, i.media_type, i.size, i.sha256, i.item_id, i.priority, i.max_attempts, i.idempotency_key, i.traceparent, i.n
        from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[],
                    $8::uuid[], $9::smallint[], $10::int[], $11::text[], $12::text[]) with ordinality
          as i(id, tenant, filename, declared_type, media_type, size, sha256, item_id, priority, max_attempts, idempotency_key, traceparent, n)
    ), d as (
      insert into documents (id, tenant, filename, declared_type, media_type, size, sha256, status, operation, priority, current_item_id, idempotency_key)
      select id, tenant, filename, declared_type, media_type, size, sha256, '${ITEM_STATUS.pending}', '${OPERATION.process}', priority, item_id, idempotency_key
        from input
      on conflict (tenant, idempotency_key) where idempotency_key is not null do nothing
      returning id, filename, declared_type, media_type, size, sha256, status, version, created_at, updated_at, processed_at, metadata
    ), blob as (
      insert into document_blobs (document_id, bytes)
      select d.id, b.bytes from d join input i on i.id = d.id join (values ${bytesRows}) as b(n, bytes) on b.n = i.n
    ), q as (
      insert into queue_items (id, document_id, operation, priority, status, max_attempts, traceparent)
      select i.item_id, d.id, '${OPERATION.process}', i.priority, '${ITEM_STATUS.pending}', i.max_attempts, i.traceparent from d join input i on i.id = d.id
      returning id, document_id, operation, priority, attempts, max_attempts, last_error, error_kind, error_code, run_at, wakeups
    )
    select ${DOCUMENT_COLUMNS} from d join q on q.document_id = d.id`,
    values: [...columnArrays(docs), ...bytes]
  })
  return rows
}
