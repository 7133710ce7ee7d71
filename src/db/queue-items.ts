import type { ChunkRow } from './chunks.js'
import type { Operation } from './documents.js'
import type { Queryable } from './pool.js'

export type ItemStatus = 'pending' | 'in_progress' | 'completed' | 'failed'

export interface QueueItem {
  id: string
  documentId: string
  operation: Operation
  priority: number
  status: ItemStatus
  attempts: number
  maxAttempts: number
  runAt: Date
  lockedBy: string | null
  lockedUntil: Date | null
  dispatchedAt: Date | null
}

const itemColumns = `
  q.id, q.document_id as "documentId", q.operation, q.priority, q.status, q.attempts,
  q.max_attempts as "maxAttempts", q.run_at as "runAt", q.locked_by as "lockedBy",
  q.locked_until as "lockedUntil", q.dispatched_at as "dispatchedAt"`

/** A claimed item with what processing needs from its document. */
export interface ClaimedItem extends QueueItem {
  filename: string
  declaredType: string | null
  bytes: Buffer
}

/**
 * Adds a queue item for an existing document and makes it the document's current item, unless
 * the document is already pending or in progress. Returns undefined when it is missing or busy.
 */
export async function insertItemForDocument (db: Queryable, item: {
  id: string
  documentId: string
  operation: Operation
  priority: number
  maxAttempts: number
}): Promise<QueueItem | undefined> {
  const { rows } = await db.query<QueueItem>(`
    with d as (
      select id from documents where id = $2 and status in ('completed', 'failed') for update
    ), q as (
      insert into queue_items (id, document_id, operation, priority, status, max_attempts)
      select $1, d.id, $3, $4, 'pending', $5 from d
      returning *
    ), flipped as (
      update documents set status = 'pending', current_item_id = q.id, updated_at = now()
      from q where documents.id = q.document_id
    )
    select ${itemColumns} from q`,
  [item.id, item.documentId, item.operation, item.priority, item.maxAttempts])
  return rows[0]
}

/**
 * Claims an item for `workerId`: pending and due, or in progress with an expired lease (its
 * worker died). The conditional update is the only gate to processing: a concurrent claimer
 * re-evaluates the condition on the updated row and gets nothing. The document's status flips
 * in the same statement.
 */
export async function claimItem (db: Queryable, itemId: string, workerId: string, leaseMs: number): Promise<ClaimedItem | undefined> {
  const { rows } = await db.query<ClaimedItem>(`
    with q as (
      update queue_items q
         set status = 'in_progress', attempts = attempts + 1, locked_by = $2,
             locked_until = now() + make_interval(secs => $3::float8 / 1000),
             started_at = now(), updated_at = now()
       where q.id = $1
         and ((q.status = 'pending' and q.run_at <= now())
           or (q.status = 'in_progress' and q.locked_until < now()))
      returning q.*
    ), flipped as (
      update documents d set status = 'in_progress', updated_at = now()
      from q where d.id = q.document_id and d.current_item_id = q.id
    )
    select ${itemColumns}, d.filename, d.declared_type as "declaredType", b.bytes
    from q
    join documents d on d.id = q.document_id
    join document_blobs b on b.document_id = q.document_id`,
  [itemId, workerId, leaseMs])
  return rows[0]
}

/** Extends the lease of an item this worker holds; false when the claim was lost. */
export async function renewLease (db: Queryable, item: QueueItem, workerId: string, leaseMs: number): Promise<boolean> {
  const { rowCount } = await db.query(`
    update queue_items
       set locked_until = now() + make_interval(secs => $3::float8 / 1000)
     where id = $1 and status = 'in_progress' and locked_by = $2 and attempts = $4`,
  [item.id, workerId, leaseMs, item.attempts])
  return rowCount === 1
}

export interface ItemResult {
  mediaType: string
  text: string
  metadata: Record<string, unknown>
  chunks: ChunkRow[]
}

/**
 * Marks an item completed and writes its result on the document, fenced by the claim
 * (worker and attempt): a worker whose lease was taken over changes nothing. Returns whether
 * this call wrote the result. The passages are written separately, in the same transaction.
 */
export async function completeItem (db: Queryable, item: QueueItem, workerId: string, result: ItemResult): Promise<boolean> {
  const { rowCount } = await db.query(`
    with q as (
      update queue_items
         set status = 'completed', locked_by = null, locked_until = null, last_error = null,
             error_kind = null, error_code = null, finished_at = now(), updated_at = now()
       where id = $1 and status = 'in_progress' and locked_by = $2 and attempts = $3
      returning id, document_id
    ), d as (
      update documents d
         set status = 'completed', media_type = $4, text = $5, metadata = $6, version = version + 1,
             processed_at = now(), updated_at = now()
        from q where d.id = q.document_id and d.current_item_id = q.id
    )
    select id from q`,
  [item.id, workerId, item.attempts, result.mediaType, result.text, JSON.stringify(result.metadata)])
  return rowCount === 1
}

/** Marks an item failed for good, fenced by the claim like {@link completeItem}. */
export async function failItem (db: Queryable, item: QueueItem, workerId: string, error: { message: string, kind: string, code: string }): Promise<boolean> {
  const { rowCount } = await db.query(`
    with q as (
      update queue_items
         set status = 'failed', locked_by = null, locked_until = null, last_error = $4,
             error_kind = $5, error_code = $6, finished_at = now(), updated_at = now()
       where id = $1 and status = 'in_progress' and locked_by = $2 and attempts = $3
      returning id, document_id
    ), d as (
      update documents d set status = 'failed', updated_at = now()
        from q where d.id = q.document_id and d.current_item_id = q.id
    )
    select id from q`,
  [item.id, workerId, item.attempts, error.message, error.kind, error.code])
  return rowCount === 1
}

/**
 * Items that are due and not held by a live worker: pending with `run_at` passed, or in progress
 * with an expired lease. Highest priority and longest waiting first.
 */
export async function findDueItems (db: Queryable, limit: number): Promise<QueueItem[]> {
  const { rows } = await db.query<QueueItem>(`
    (select ${itemColumns} from queue_items q
      where q.status = 'pending' and q.run_at <= now()
      order by q.priority, q.run_at limit $1)
    union all
    (select ${itemColumns} from queue_items q
      where q.status = 'in_progress' and q.locked_until < now()
      order by q.locked_until limit $1)`,
  [limit])
  return rows
}

/** Records that wake-ups for these items reached Redis. */
export async function markDispatched (db: Queryable, itemIds: string[]): Promise<void> {
  await db.query('update queue_items set dispatched_at = now() where id = any($1::uuid[])', [itemIds])
}
