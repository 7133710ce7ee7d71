import { createHash, randomUUID } from 'node:crypto'
import type { DocumentResult } from '../../src/db/document-results.js'
import type { DocumentRecord } from '../../src/db/documents.js'
import type { Queryable } from '../../src/db/pool.js'
import type { FailureInfo, NewUpload } from '../../src/queue/document-queue-service.js'
import { priorityRanks } from '../../src/queue/priority.js'
import type { ClaimedItem } from '../../src/queue/queue-item.js'
import { wakeUpJobId } from '../../src/queue/wake-ups.js'
import { waitFor, type TestStack } from './context.js'

// Drives the queue through its facade and reads Postgres back to check what each statement
// wrote. Every upload gets a tenant of its own unless the test names one, so that tests sharing
// a database never see each other's documents.

/**
 * Retry settings whose backoff is so long (a jitter between 0 and 30 days) that a retried item is
 * never due again while a test runs, without writing its run_at by hand.
 */
export const DISTANT_RETRIES = { RETRY_BASE_MS: 30 * 24 * 3_600_000, RETRY_MAX_MS: 30 * 24 * 3_600_000 }

export function newTenant (): string {
  return `tenant-${randomUUID()}`
}

/** An upload as the upload path hands it to the queue: a small text file unless overridden. */
export function newUpload (overrides: Partial<NewUpload> = {}): NewUpload {
  const bytes = overrides.bytes ?? Buffer.from(`a short document ${randomUUID()}`)
  return {
    tenant: newTenant(),
    filename: 'note.txt',
    declaredType: 'text/plain',
    mediaType: 'text/plain',
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    priority: priorityRanks.normal,
    idempotencyKey: null,
    ...overrides,
    bytes
  }
}

/** Stores one upload through the queue; throws when nothing was stored. */
export async function enqueueOne (stack: TestStack, overrides: Partial<NewUpload> = {}): Promise<DocumentRecord> {
  const [document] = await stack.queue.enqueueMany([newUpload(overrides)])
  if (document === undefined) throw new Error('the upload was not stored')
  return document
}

/** Claims an item for `stack`'s worker; throws when the claim is refused. */
export async function claim (stack: TestStack, itemId: string): Promise<ClaimedItem> {
  const claimed = await stack.queue.markInProgress({ id: itemId })
  if (claimed === undefined) throw new Error(`item ${itemId} could not be claimed`)
  return claimed
}

/** A result with one passage holding the whole text. */
export function resultOf (text: string): DocumentResult {
  return { mediaType: 'text/plain', text, metadata: { words: text.split(/\s+/).length }, chunks: [{ ordinal: 0, page: null, text }] }
}

/** A document that `stack` claimed and completed with `result`. */
export async function completedDocument (stack: TestStack, overrides: Partial<NewUpload> = {}, result = resultOf('the first result')): Promise<DocumentRecord> {
  const document = await enqueueOne(stack, overrides)
  if (!await stack.queue.markCompleted(await claim(stack, document.itemId), result)) throw new Error('the completion was refused')
  return document
}

/** A document that `stack` claimed and failed for good with `failure` (permanent unless it says otherwise). */
export async function failedDocument (stack: TestStack, overrides: Partial<NewUpload>, failure: Omit<FailureInfo, 'permanent'> & { permanent?: boolean }): Promise<DocumentRecord> {
  const document = await enqueueOne(stack, overrides)
  if (await stack.queue.markFailed(await claim(stack, document.itemId), { permanent: true, ...failure }) !== 'failed') throw new Error('the failure was not recorded')
  return document
}

export interface ItemRow {
  documentId: string
  operation: string
  priority: number
  status: string
  attempts: number
  maxAttempts: number
  runAt: Date
  /** Whether run_at has passed, by Postgres's clock. */
  due: boolean
  lockedBy: string | null
  lockedUntil: Date | null
  wakeups: number
  lastError: string | null
  errorKind: string | null
  errorCode: string | null
  createdAt: Date
  finished: boolean
}

export async function readItem (db: Queryable, itemId: string): Promise<ItemRow> {
  const { rows } = await db.query<ItemRow>(`
    select document_id as "documentId", operation, priority, status, attempts, max_attempts as "maxAttempts",
           run_at as "runAt", run_at <= now() as due, locked_by as "lockedBy", locked_until as "lockedUntil", wakeups,
           last_error as "lastError", error_kind as "errorKind", error_code as "errorCode", created_at as "createdAt",
           finished_at is not null as finished
      from queue_items where id = $1`, [itemId])
  if (rows.length === 0) throw new Error(`no item ${itemId}`)
  return rows[0]
}

export interface DocumentRow {
  tenant: string
  status: string
  errorKind: string | null
  currentItemId: string
  mediaType: string
  text: string | null
  metadata: Record<string, unknown>
  version: number
  processed: boolean
  queuedAt: Date
}

export async function readDocument (db: Queryable, documentId: string): Promise<DocumentRow> {
  const { rows } = await db.query<DocumentRow>(`
    select tenant, status, error_kind as "errorKind", current_item_id as "currentItemId", media_type as "mediaType",
           text, metadata, version, processed_at is not null as processed, queued_at as "queuedAt"
      from documents where id = $1`, [documentId])
  if (rows.length === 0) throw new Error(`no document ${documentId}`)
  return rows[0]
}

export interface AttemptRow {
  attempt: number
  worker: string
  outcome: string | null
  error: string | null
  finished: boolean
}

/** The attempts at an item, oldest first. */
export async function readAttempts (db: Queryable, itemId: string): Promise<AttemptRow[]> {
  const { rows } = await db.query<AttemptRow>(`
    select attempt, worker, outcome, error, finished_at is not null as finished
      from queue_item_attempts where item_id = $1 order by id`, [itemId])
  return rows
}

/** A document's passages in order. */
export async function readChunks (db: Queryable, documentId: string): Promise<Array<{ ordinal: number, page: number | null, text: string }>> {
  const { rows } = await db.query('select ordinal, page, text from document_chunks where document_id = $1 order by ordinal', [documentId])
  return rows
}

/** The ids of a document's items, oldest first. */
export async function readItemIds (db: Queryable, documentId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>('select id from queue_items where document_id = $1 order by created_at', [documentId])
  return rows.map((row) => row.id)
}

/** Waits until the leases on these items have run out, by Postgres's clock. */
export async function leasesLapsed (db: Queryable, itemIds: string[]): Promise<void> {
  await waitFor(async () => {
    const { rows } = await db.query<{ n: number }>('select count(*)::int as n from queue_items where id = any($1::uuid[]) and locked_until >= now()', [itemIds])
    return rows[0].n === 0 ? true : undefined
  }, 'the leases to lapse')
}

/** The BullMQ state of an item's wake-up number `wakeups`, 'unknown' when Redis holds none. */
export async function wakeUpState (stack: TestStack, itemId: string, wakeups: number): Promise<string> {
  return await stack.wakeUps.getJobState(wakeUpJobId(itemId, wakeups))
}

/** States in which a wake-up is delivered as soon as a worker asks, without a delay. */
export const DELIVERABLE = ['waiting', 'prioritized']
