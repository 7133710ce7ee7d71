import type { ChunkRow } from './chunks.js'
import type { Operation } from './documents.js'
import type { Queryable } from './pool.js'
import { toPostgresJson, toPostgresText } from './postgres-safe-text.js'
import { publicWorkerId } from './workers.js'

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
  /** Wake-ups sent after the first; names the current BullMQ job (see wakeUpJobId). */
  wakeups: number
}

const itemColumns = `
  q.id, q.document_id as "documentId", q.operation, q.priority, q.status, q.attempts,
  q.max_attempts as "maxAttempts", q.run_at as "runAt", q.locked_by as "lockedBy",
  q.locked_until as "lockedUntil", q.wakeups`

/** A claimed item with what processing needs from its document. */
export interface ClaimedItem extends QueueItem {
  filename: string
  declaredType: string | null
  bytes: Buffer
}

const leaseInterval = 'make_interval(secs => $3::float8 / 1000)'

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
 * Claims a pending, due item for `workerId`. The conditional update is the only gate to
 * processing: a concurrent claimer gets nothing. In the same statement the document flips to in
 * progress and the attempt is recorded. An item whose worker died is not claimed here: the
 * repair pass ({@link releaseAbandonedItems}) puts it back to pending first.
 */
export async function claimItem (db: Queryable, itemId: string, workerId: string, leaseMs: number): Promise<ClaimedItem | undefined> {
  const { rows } = await db.query<ClaimedItem>(`
    with q as (
      update queue_items q
         set status = 'in_progress', attempts = q.attempts + 1, locked_by = $2,
             locked_until = now() + ${leaseInterval}, started_at = now(), updated_at = now()
       where q.id = $1 and q.status = 'pending' and q.run_at <= now()
      returning q.*
    ), attempt as (
      insert into queue_item_attempts (item_id, attempt, worker) select q.id, q.attempts, $2 from q
    ), vouched as (
      update workers w set held_items = array_append(w.held_items, q.id) from q where w.id = $2
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
    update queue_items set locked_until = now() + ${leaseInterval}
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

// Every finishing statement below is fenced by the claim (status, worker, attempt): a worker
// whose lease was taken over changes nothing, and learns so from the row count.
const fence = "status = 'in_progress' and locked_by = $2 and attempts = $3"

/**
 * The statement every way of finishing an attempt shares: the fenced item update, the outcome
 * of its attempt in the history, and the document's mirrored status, all at once.
 */
function finishAttemptSql (options: {
  itemSet: string
  outcome: 'completed' | 'failed' | 'retrying' | 'released'
  attemptError: string
  /** Which attempt row: the item's count, unless the update itself changes it. */
  attemptNumber?: string
  documentSet: string
  returning: string
}): string {
  return `
    with q as (
      update queue_items
         set ${options.itemSet}, locked_by = null, locked_until = null, updated_at = now()
       where id = $1 and ${fence}
      returning id, document_id, attempts, wakeups
    ), attempt as (
      update queue_item_attempts a set outcome = '${options.outcome}', finished_at = now(), error = ${options.attemptError}
        from q where a.item_id = q.id and a.attempt = ${options.attemptNumber ?? 'q.attempts'} and a.outcome is null
    ), d as (
      update documents d set ${options.documentSet}, updated_at = now()
        from q where d.id = q.document_id and d.current_item_id = q.id
    )
    select ${options.returning} from q`
}

/**
 * Marks an item completed and writes its result on the document. Returns whether this call
 * wrote it. Strings are made storable first (see toPostgresText), whatever the extractor left
 * in them. The passages are written separately, in the same transaction.
 */
export async function completeItem (db: Queryable, item: QueueItem, workerId: string, result: Omit<ItemResult, 'chunks'>): Promise<boolean> {
  const { rowCount } = await db.query(finishAttemptSql({
    itemSet: "status = 'completed', last_error = null, error_kind = null, error_code = null, finished_at = now()",
    outcome: 'completed',
    attemptError: 'null',
    documentSet: "status = 'completed', media_type = $4, text = $5, metadata = $6, version = version + 1, processed_at = now()",
    returning: 'id'
  }), [item.id, workerId, item.attempts, toPostgresText(result.mediaType), toPostgresText(result.text), JSON.stringify(toPostgresJson(result.metadata))])
  return rowCount === 1
}

export interface FailureRecord {
  message: string
  /** permanent, timeout or exhausted: why no further attempt is made. */
  kind: string
  /** The processing error code, e.g. corrupt or internal. */
  code: string
}

/** Marks an item failed for good. */
export async function failItem (db: Queryable, item: QueueItem, workerId: string, failure: FailureRecord): Promise<boolean> {
  const { rowCount } = await db.query(finishAttemptSql({
    itemSet: "status = 'failed', last_error = $4, error_kind = $5, error_code = $6, finished_at = now()",
    outcome: 'failed',
    attemptError: '$4',
    documentSet: "status = 'failed'",
    returning: 'id'
  }), [item.id, workerId, item.attempts, failure.message, failure.kind, failure.code])
  return rowCount === 1
}

/**
 * Puts an item that failed transiently back to pending, due at `runAt`: Postgres holds the
 * retry schedule, so it survives Redis losing the delayed wake-up. Returns the new wake-up count
 * (naming the delayed job to send), or undefined when the claim was lost.
 */
export async function scheduleRetry (db: Queryable, item: QueueItem, workerId: string, failure: { message: string, code: string }, runAt: Date): Promise<number | undefined> {
  const { rows } = await db.query<{ wakeups: number }>(finishAttemptSql({
    itemSet: "status = 'pending', run_at = $6, wakeups = wakeups + 1, last_error = $4, error_kind = 'transient', error_code = $5",
    outcome: 'retrying',
    attemptError: '$4',
    documentSet: "status = 'pending'",
    returning: 'wakeups'
  }), [item.id, workerId, item.attempts, failure.message, failure.code, runAt])
  return rows[0]?.wakeups
}

/**
 * Gives a claimed item back without spending an attempt (a worker shutting down before it could
 * finish). Returns the new wake-up count, or undefined when the claim was already lost.
 */
export async function releaseItem (db: Queryable, item: QueueItem, workerId: string): Promise<number | undefined> {
  const { rows } = await db.query<{ wakeups: number }>(finishAttemptSql({
    itemSet: "status = 'pending', attempts = attempts - 1, run_at = now(), wakeups = wakeups + 1",
    outcome: 'released',
    attemptError: "'released at worker shutdown'",
    attemptNumber: '$3',
    documentSet: "status = 'pending'",
    returning: 'wakeups'
  }), [item.id, workerId, item.attempts])
  return rows[0]?.wakeups
}

// An in-progress item is abandoned when its worker went silent (heartbeat older than $1 ms), or
// when its lease ran out and no live worker vouches for it. Heartbeats decide death: a live
// worker lists the items it works on in its heartbeat row (its claim adds the item at once), so
// an item is never taken from a worker that is slow, or whose event loop was blocked for less
// than the death threshold, even if the lease lapsed meanwhile. The lease is the fallback where
// no live worker lists the item: a sweeper's in-process run (no heartbeat row), or a live worker
// that lost track of it (its finishing write failed), which waiting for its death would strand.
const abandoned = `
  q.status = 'in_progress'
  and (exists (select 1 from workers w where w.id = q.locked_by and w.last_seen_at < now() - make_interval(secs => $1::float8 / 1000))
    or (q.locked_until < now()
      and not exists (select 1 from workers w
                       where w.id = q.locked_by and w.last_seen_at >= now() - make_interval(secs => $1::float8 / 1000)
                         and q.id = any(w.held_items))))`

/**
 * The statement both ways of ending an abandoned item share: pick the items under their row
 * lock (skipping any a racing repair holds), change them, record their open attempt as crashed
 * with the reason, and mirror the document's status.
 */
function endAbandonedSql (options: { attemptsLeft: boolean, itemSet: string, documentStatus: 'pending' | 'failed' }): string {
  return `
    with gone as (
      select q.id, q.locked_until < now() as lease_expired from queue_items q
       where ${abandoned} and q.attempts ${options.attemptsLeft ? '<' : '>='} q.max_attempts
      for update of q skip locked
    ), ended as (
      update queue_items q
         set ${options.itemSet}, locked_by = null, locked_until = null, updated_at = now()
        from gone where q.id = gone.id
      returning q.id, q.document_id, q.attempts, gone.lease_expired
    ), attempt as (
      update queue_item_attempts a
         set outcome = 'crashed', finished_at = now(),
             error = case when ended.lease_expired then 'the worker stopped before finishing (lease expired)'
                          else 'the worker stopped before finishing (heartbeat lost)' end
        from ended where a.item_id = ended.id and a.attempt = ended.attempts and a.outcome is null
    ), d as (
      update documents d set status = '${options.documentStatus}', updated_at = now()
        from ended where d.id = ended.document_id and d.current_item_id = ended.id
    )
    select id from ended`
}

/**
 * Fails abandoned items on their last attempt as `crashed`: poison documents that kill their
 * worker every time. Returns how many were failed.
 */
export async function failExhaustedCrashes (db: Queryable, deadAfterMs: number): Promise<number> {
  const { rowCount } = await db.query(endAbandonedSql({
    attemptsLeft: false,
    itemSet: `status = 'failed', error_kind = 'crashed', error_code = 'crashed',
      last_error = 'the worker stopped before finishing on each of ' || q.attempts || ' attempts', finished_at = now()`,
    documentStatus: 'failed'
  }), [deadAfterMs])
  return rowCount ?? 0
}

/**
 * Puts abandoned items with attempts left back to pending, due at once (their run_at has
 * passed), whatever their lease says. The wake-up count moves on: the dead worker's BullMQ job
 * stays active until BullMQ's stall check, and must not pass for a live wake-up. Returns how
 * many were released.
 */
export async function releaseAbandonedItems (db: Queryable, deadAfterMs: number): Promise<number> {
  const { rowCount } = await db.query(endAbandonedSql({
    attemptsLeft: true,
    itemSet: "status = 'pending', wakeups = q.wakeups + 1",
    documentStatus: 'pending'
  }), [deadAfterMs])
  return rowCount ?? 0
}

/** How many items are in progress. */
export async function countInProgress (db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>("select count(*)::int as n from queue_items where status = 'in_progress'")
  return rows[0].n
}

// Pending with run_at passed, by $2 ms at least.
const duePending = "q.status = 'pending' and q.run_at <= now() - make_interval(secs => $2::float8 / 1000)"

/**
 * Pending items that are due, highest priority and longest waiting first. `settleMs` skips
 * items that only just became due, whose wake-up may still be on its way.
 */
export async function findDueItems (db: Queryable, limit: number, settleMs = 0): Promise<QueueItem[]> {
  const { rows } = await db.query<QueueItem>(`
    select ${itemColumns} from queue_items q where ${duePending} order by q.priority, q.run_at limit $1`,
  [limit, settleMs])
  return rows
}

/**
 * Counts a new wake-up for an item that is still due, if nobody else did since `wakeups` was
 * read. Returns the new count, or undefined when the item moved on meanwhile.
 */
export async function bumpWakeups (db: Queryable, itemId: string, wakeups: number): Promise<number | undefined> {
  const { rows } = await db.query<{ wakeups: number }>(`
    update queue_items q set wakeups = q.wakeups + 1
     where q.id = $1 and q.wakeups = $3 and ${duePending}
    returning q.wakeups`, [itemId, 0, wakeups])
  return rows[0]?.wakeups
}

export interface AttemptRow {
  operation: Operation
  attempt: number
  /** The full worker id (host and pid included), for operators. */
  worker: string
  /** The worker's random public id, the only one tenants see. */
  workerPublicId: string
  startedAt: Date
  finishedAt: Date | null
  outcome: string | null
  error: string | null
}

/** Every attempt at every item of a document, oldest first. */
export async function listAttempts (db: Queryable, documentId: string): Promise<AttemptRow[]> {
  const { rows } = await db.query<Omit<AttemptRow, 'workerPublicId'>>(`
    select q.operation, a.attempt, a.worker, a.started_at as "startedAt", a.finished_at as "finishedAt", a.outcome, a.error
      from queue_item_attempts a join queue_items q on q.id = a.item_id
     where q.document_id = $1
     order by a.id`, [documentId])
  return rows.map((row) => ({ ...row, workerPublicId: publicWorkerId(row.worker) }))
}
