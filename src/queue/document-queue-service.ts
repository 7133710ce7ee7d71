import { randomUUID } from 'node:crypto'
import { context, type Context } from '@opentelemetry/api'
import pg from 'pg'
import type { Logger } from 'pino'
import { isDataError } from '../db/data-error.js'
import { copyDocumentBlobs } from '../db/document-blobs.js'
import type { DocumentResult } from '../db/document-results.js'
import type { DocumentRecord } from '../db/documents.js'
import { withTransaction, type Client, type Pool, type Queryable } from '../db/pool.js'
import { toPostgresText } from '../db/postgres-safe-text.js'
import { pruneDeadWorkers } from '../db/workers.js'
import { TurnBatcher } from '../lib/turn-batcher.js'
import { ERROR_KIND, FAILURE_CODE, type FailureCode, OPERATION } from '../states.js'
import { inSpans, TRACE_ATTRIBUTE } from '../tracing/trace-context.js'
import { InvalidResultError } from './invalid-result-error.js'
import type { ClaimedItem, QueueItem } from './queue-item.js'
import { redisCall } from './redis-call.js'
import { backoffDelayMs, type RetryPolicies } from './retry-policy.js'
import { takeBackAbandonedItems } from './sql/abandoned-items.js'
import { listAttempts, type AttemptRow } from './sql/attempts.js'
import { cancelPendingItems } from './sql/cancel-pending.js'
import { claimItems } from './sql/claim-items.js'
import { completeItems, type Completion as ItemCompletion } from './sql/complete-items.js'
import { deleteDocuments, lockDocumentItems } from './sql/delete-document.js'
import { deleteFinishedItems } from './sql/delete-finished-items.js'
import { bumpWakeups, countInProgress, findDueItems } from './sql/due-items.js'
import { findDueItemsOfScope, type DuePosition } from './sql/due-items-of-scope.js'
import { insertDocumentsWithItems, insertDocumentsWithItemsAndBytes, type NewDocumentItem } from './sql/enqueue-documents.js'
import { insertItemsForDocuments } from './sql/enqueue-item.js'
import { failItem } from './sql/fail-item.js'
import { foldEndedSessionCounts } from './sql/fold-counts.js'
import { listPauses } from './sql/list-pauses.js'
import { pauseScope } from './sql/pause-scope.js'
import type { QueuePause } from './sql/pauses.js'
import { queueStatsForTenant, type QueueStats } from './sql/queue-stats.js'
import { releaseItem } from './sql/release-item.js'
import { renewLease } from './sql/renew-lease.js'
import { resumeScope } from './sql/resume-scope.js'
import { retryFailedItems } from './sql/retry-failed.js'
import { scheduleRetry } from './sql/schedule-retry.js'
import { WakeUpDispatcher } from './wake-up-dispatcher.js'
import { wakeUpJobId, type WakeUpChannel } from './wake-ups.js'

// BullMQ states in which a wake-up will still reach a worker by itself (`active` only while a
// worker holds it: see ABANDONED_WAKE_UP_MS).
const LIVE_JOB_STATES = new Set(['waiting', 'prioritized', 'delayed', 'active', 'waiting-children'])
// A due item still pending in Postgres whose wake-up is active was taken by a worker that has not
// claimed it yet: for milliseconds normally, between BullMQ's fetch and the claim. A worker that
// died in between leaves the job active until BullMQ's lock lapses and its stall check runs (up to
// twice the lease, a minute by default); past this long the reconciler sends a new wake-up
// instead. A worker that was only slow claims the item with either wake-up, once.
const ABANDONED_WAKE_UP_MS = 10_000
// The reconciler leaves items that became due this recently to the wake-up still on its way
// (an upload between commit and add, a delayed retry about to fire).
const RECONCILE_SETTLE_MS = 1_000
// The reconciler asks Redis about the due items in pages of this many, from the head of the
// queue (highest priority, longest waiting), and stops after a page whose items all have a live
// wake-up. In a backlog every due item has one, and asking about all of them (hundreds of Redis
// scripts every tick) cost a draining worker more than its other Redis traffic. An orphan further
// back is found once the items ahead of it are taken, as they will be: it reaches the head page.
const RECONCILE_PAGE_SIZE = 50
// A delayed wake-up fires a little after the item's run_at, never before it is claimable.
const RETRY_WAKE_MARGIN_MS = 25
// How long a dead worker's row stays for operators to see before the repair pass deletes it.
const DEAD_WORKER_RETENTION_MS = 60 * 60_000
// A batch of uploads this small goes as one statement with its bytes as parameters: the
// driver's copy of them is a bounded overhead, and a transaction with a COPY costs small
// uploads more CPU (three more round trips, more socket writes) than that copy. Larger batches
// go as one transaction: a statement for the rows, a binary COPY for the bytes, so an upload
// is never copied whole on its way to Postgres.
const INLINE_MAX_BYTES = 1024 * 1024
// Resuming a scope wakes its due items in pages of this many (one BullMQ state lookup each).
const RESUME_PAGE_SIZE = 500
// The error a cancelled item records; the audit log says who cancelled it and why.
const CANCELLED_MESSAGE = 'cancelled by an operator while pending'

/**
 * A completion waiting for its batch: the item as claimed, the result to write, and the trace
 * context of its run (the batch's transaction runs in whichever run started it).
 */
interface Completion extends ItemCompletion { item: QueueItem, trace: Context }

/** A new document to store and queue: what the upload path knows of it, and its bytes. */
export type NewUpload = Omit<NewDocumentItem, 'id' | 'itemId' | 'maxAttempts'> & { bytes: Buffer }

export interface FailureInfo {
  message: string
  /** Whether running the same bytes again cannot succeed (a bad file, a limit). */
  permanent: boolean
  code: FailureCode
}

/** How a failed attempt was recorded: failed for good, scheduled again, or not at all (claim lost). */
export type FailureOutcome = 'failed' | 'retrying' | 'lost'

/**
 * Work to do in the transaction of an operator's action, after the change and before the
 * commit, with the ids of the documents it changed: the audit entry, so that the change and
 * its record commit together.
 */
export type BeforeCommit = (tx: Client, changedIds: string[]) => Promise<void>

/** What one repair pass changed and found. */
export interface QueueRepair {
  /** Abandoned on their last attempt and failed as `crashed` (poison documents). */
  crashed: number
  /** Abandoned by a dead worker (or a lapsed lease) and put back to pending, the attempt recorded as crashed. */
  takenOver: number
  /** Due pending items that no live wake-up will deliver: the caller's to send or to run. */
  orphaned: QueueItem[]
  /** Due pending items (of the `limit` looked at) left to the wake-up that Redis still holds for them. */
  waitingOnWakeups: number
  /** Items in progress under a live worker or an unexpired lease, left alone. */
  heldByLiveWorkers: number
}

/**
 * The queue: the one owner of queue items and of every change of their state. Postgres
 * `queue_items` holds each item's state, retry schedule and attempts, and a document's status
 * mirrors its current item's, written in the same statement; BullMQ only carries wake-ups
 * named after the item. Every change after the claim is a conditional update fenced by the
 * claimer's identity, so duplicate deliveries and late finishers are no-ops. Each statement is
 * one file in `sql/`.
 */
export class DocumentQueueService {
  /** The worker id this process claims items as (`host:pid:publicId`). */
  readonly workerId: string
  readonly #pool: Pool
  readonly #wakeUps: WakeUpChannel
  readonly #isConnected: () => boolean
  readonly #log: Logger
  readonly #leaseMs: number
  readonly #deadAfterMs: number
  readonly #retry: RetryPolicies
  readonly #dispatcher: WakeUpDispatcher
  readonly #copyUploads: boolean
  #undeliveredWakeUps = 0
  // Claims and completions that arrive while one of theirs is in flight gather into the next
  // statement or transaction: under load a worker pays one round trip and one commit for
  // several items instead of one each; alone, an item waits only for the current turn.
  readonly #claims = new TurnBatcher<string, ClaimedItem | undefined>({ run: async (ids) => await this.#claimBatch(ids), maxInFlight: 1 })
  readonly #completions = new TurnBatcher<Completion, boolean | Error>({ run: async (batch) => await this.#completeBatch(batch), maxInFlight: 1 })

  constructor (options: {
    pool: Pool
    wakeUps: WakeUpChannel
    /** Whether the producer's Redis connection is up (always, for the in-process channel). */
    isConnected: () => boolean
    logger: Logger
    workerId: string
    leaseMs: number
    /** How long a worker's heartbeat may be silent before its items are taken back. */
    deadAfterMs: number
    retry: RetryPolicies
    /**
     * Whether large batches of uploads may send their bytes by binary COPY (the default). PGlite
     * behind its socket does not speak COPY (the session is lost), so the embedded mode sends
     * every upload's bytes as statement parameters.
     */
    copyUploads?: boolean
  }) {
    this.#pool = options.pool
    this.#wakeUps = options.wakeUps
    this.#isConnected = options.isConnected
    this.#log = options.logger
    this.workerId = options.workerId
    this.#leaseMs = options.leaseMs
    this.#deadAfterMs = options.deadAfterMs
    this.#retry = options.retry
    this.#copyUploads = options.copyUploads ?? true
    this.#dispatcher = new WakeUpDispatcher({
      wakeUps: options.wakeUps,
      isConnected: options.isConnected,
      onError: (error, count) => {
        this.#undeliveredWakeUps += count
        this.#log.warn({ err: error.message, count }, 'wake-up not dispatched; the reconciler will pick the items up')
      }
    })
  }

  /**
   * Wake-ups this process could not hand to Redis since it started. Their items wait in Postgres
   * until the reconciler or a sweep dispatches them, which is slower: a count that keeps rising
   * while Redis is up means wake-ups are failing for another reason (see the log's warnings).
   */
  get undeliveredWakeUps (): number {
    return this.#undeliveredWakeUps
  }

  /**
   * Stores new documents with their bytes and their first items, pending, in one statement or
   * transaction, then sends their wake-ups. A Redis outage does not fail them: the items wait in
   * Postgres for the reconciler. Returns each upload's document, in order; undefined where the
   * tenant already used the idempotency key (nothing of that upload was stored).
   */
  async enqueueMany (uploads: NewUpload[]): Promise<Array<DocumentRecord | undefined>> {
    if (uploads.length === 0) return []
    const docs = uploads.map(({ bytes: _bytes, ...upload }) => ({
      ...upload, id: randomUUID(), itemId: randomUUID(), maxAttempts: this.#retry.process.maxAttempts
    }))
    const size = uploads.reduce((sum, upload) => sum + upload.bytes.length, 0)
    const stored = size <= INLINE_MAX_BYTES || !this.#copyUploads
      ? await insertDocumentsWithItemsAndBytes(this.#pool, docs, uploads.map((upload) => upload.bytes))
      : await withTransaction(this.#pool, async (tx) => {
        const rows = await insertDocumentsWithItems(tx, docs)
        const inserted = new Set(rows.map((row) => row.id))
        await copyDocumentBlobs(tx, docs.flatMap((doc, i) => inserted.has(doc.id) ? [{ documentId: doc.id, bytes: uploads[i].bytes }] : []))
        return rows
      })
    await Promise.all(stored.map(async (document) => await this.#dispatch({ id: document.itemId, documentId: document.id, priority: document.priority, wakeups: 0 })))
    const byId = new Map(stored.map((row) => [row.id, row]))
    return docs.map((doc) => byId.get(doc.id))
  }

  /**
   * Queues a tenant's document again (a reprocess), at `priority` or its last item's, then sends
   * the wake-up. Returns the document as queued (read before the wake-up goes out, so a fast
   * worker cannot race the caller's reply), or undefined when the tenant has no such document or
   * it is pending or in progress already. The new item's run continues the trace `traceparent`.
   */
  async enqueue (tenant: string, documentId: string, options: { priority?: number, traceparent?: string | null } = {}): Promise<DocumentRecord | undefined> {
    const [queued] = await insertItemsForDocuments(this.#pool, {
      documentIds: [documentId],
      tenants: [tenant],
      operation: OPERATION.reprocess,
      priority: options.priority ?? null,
      maxAttempts: this.#retry.reprocess.maxAttempts,
      traceparent: options.traceparent ?? null
    })
    await this.#wakeQueued(queued === undefined ? [] : [queued])
    return queued
  }

  /**
   * Queues these documents of `tenants` (null: any tenant) again as reprocess items, each at its
   * last item's priority, and sends their wake-ups; `beforeCommit` runs in the same transaction.
   * Returns the ids of the documents queued: those completed or failed (others are left alone).
   */
  async reprocessMany (documentIds: string[], tenants: string[] | null, beforeCommit?: BeforeCommit): Promise<string[]> {
    const queued = await this.#inTransaction(beforeCommit, async (db) => {
      const documents = await insertItemsForDocuments(db, {
        documentIds, tenants, operation: OPERATION.reprocess, priority: null, maxAttempts: this.#retry.reprocess.maxAttempts, traceparent: null
      })
      return { result: documents, changedIds: documents.map((document) => document.id) }
    })
    await this.#wakeQueued(queued)
    return queued.map((document) => document.id)
  }

  async #wakeQueued (documents: DocumentRecord[]): Promise<void> {
    await Promise.all(documents.map(async (document) => await this.#dispatch({ id: document.itemId, documentId: document.id, priority: document.priority, wakeups: 0 })))
  }

  /**
   * Puts the failed documents among these of `tenants` (null: any tenant) back to pending with a
   * fresh budget of attempts and their error cleared (the attempts so far stay in the history),
   * and sends their wake-ups; `beforeCommit` runs in the same transaction. Returns the ids of
   * the documents retried.
   */
  async retryFailed (documentIds: string[], tenants: string[] | null, beforeCommit?: BeforeCommit): Promise<string[]> {
    const budget = { process: this.#retry.process.maxAttempts, reprocess: this.#retry.reprocess.maxAttempts }
    const items = await this.#inTransaction(beforeCommit, async (db) => {
      const retried = await retryFailedItems(db, documentIds, tenants, budget)
      return { result: retried, changedIds: retried.map((item) => item.documentId) }
    })
    await Promise.all(items.map(async (item) => await this.#dispatch(item)))
    return items.map((item) => item.documentId)
  }

  /**
   * Ends the pending documents among these of `tenants` (null: any tenant) failed, kind and code
   * `cancelled`, and removes their wake-ups; one a worker holds is left to finish. `beforeCommit`
   * runs in the same transaction. Returns the ids of the documents cancelled.
   */
  async cancelPending (documentIds: string[], tenants: string[] | null, beforeCommit?: BeforeCommit): Promise<string[]> {
    const items = await this.#inTransaction(beforeCommit, async (db) => {
      const cancelled = await cancelPendingItems(db, documentIds, tenants, CANCELLED_MESSAGE)
      return { result: cancelled, changedIds: cancelled.map((item) => item.documentId) }
    })
    await this.#cancel(items)
    return items.map((item) => item.documentId)
  }

  /**
   * Runs one action's statements, then `beforeCommit` with the ids they changed, in one
   * transaction; without `beforeCommit`, on the pool as a single statement.
   */
  async #inTransaction<T> (beforeCommit: BeforeCommit | undefined, change: (db: Queryable) => Promise<{ result: T, changedIds: string[] }>): Promise<T> {
    if (beforeCommit === undefined) return (await change(this.#pool)).result
    return await withTransaction(this.#pool, async (tx) => {
      const { result, changedIds } = await change(tx)
      await beforeCommit(tx, changedIds)
      return result
    })
  }

  async #dispatch (item: Pick<QueueItem, 'id' | 'documentId' | 'priority' | 'wakeups'>, delayMs = 0): Promise<boolean> {
    return await this.#dispatcher.dispatch({ itemId: item.id, documentId: item.documentId, priority: item.priority, wakeups: item.wakeups, delayMs })
  }

  /**
   * Pending items that are due and whose wake-up is not (or no longer) in Redis, so that nothing
   * else will deliver them. When Redis cannot be asked, every due item counts: claiming is safe
   * against racing workers.
   */
  async getPendingItems (limit: number, settleMs = 0): Promise<QueueItem[]> {
    return (await this.#findOrphans(limit, settleMs)).orphaned
  }

  /**
   * The due items among the first `limit` whose wake-up is not live, asked of Redis `pageSize` at
   * a time; after a page without an orphan the rest is not looked at (see RECONCILE_PAGE_SIZE).
   */
  async #findOrphans (limit: number, settleMs: number, pageSize = limit): Promise<{ orphaned: QueueItem[], waiting: number }> {
    const due = await findDueItems(this.#pool, limit, settleMs)
    const orphaned: QueueItem[] = []
    let waiting = 0
    for (let start = 0; start < due.length; start += Math.max(1, pageSize)) {
      const page = due.slice(start, start + pageSize)
      const alive = await this.#liveWakeUps(page)
      // Where Redis cannot answer, every due item counts, without asking again page by page.
      if (alive === undefined) return { orphaned: [...orphaned, ...due.slice(start)], waiting }
      orphaned.push(...page.filter((item) => !alive.has(item.id)))
      waiting += alive.size
      if (alive.size === page.length) break
    }
    return { orphaned, waiting }
  }

  async #withLiveWakeUp (items: Array<Pick<QueueItem, 'id' | 'wakeups'>>): Promise<Set<string>> {
    return await this.#liveWakeUps(items) ?? new Set()
  }

  /** The ids of these items whose wake-up is live; undefined (logged) when Redis cannot be asked. */
  async #liveWakeUps (items: Array<Pick<QueueItem, 'id' | 'wakeups'>>): Promise<Set<string> | undefined> {
    if (items.length === 0) return new Set()
    try {
      const live = await redisCall(this.#isConnected, async () =>
        await Promise.all(items.map(async (item) => [item.id, await this.#isLive(wakeUpJobId(item.id, item.wakeups))] as const)))
      return new Set(live.filter(([, isLive]) => isLive).map(([id]) => id))
    } catch (error) {
      this.#log.warn({ err: (error as Error).message }, 'redis unavailable; treating every due item as orphaned')
      return undefined
    }
  }

  /** Whether this wake-up will still reach a worker by itself (see ABANDONED_WAKE_UP_MS). */
  async #isLive (jobId: string): Promise<boolean> {
    const state = await this.#wakeUps.getJobState(jobId)
    if (state !== 'active') return LIVE_JOB_STATES.has(state)
    const takenAt = (await this.#wakeUps.getJob(jobId))?.processedOn
    return takenAt === undefined || Date.now() - takenAt < ABANDONED_WAKE_UP_MS
  }

  /**
   * Claims an item for this worker with a lease; undefined when someone else has it, it is not
   * due, or it is done. Claims made together go in one statement (see {@link claimItems}).
   */
  async markInProgress (item: Pick<QueueItem, 'id'>): Promise<ClaimedItem | undefined> {
    return await this.#claims.add(item.id)
  }

  /** One claim statement for a batch; an id asked twice in it is given to its first caller only. */
  async #claimBatch (ids: string[]): Promise<Array<ClaimedItem | undefined>> {
    const claimed = new Map((await claimItems(this.#pool, ids, this.workerId, this.#leaseMs)).map((item) => [item.id, item]))
    return ids.map((id) => {
      const item = claimed.get(id)
      claimed.delete(id)
      return item
    })
  }

  /** Extends this worker's lease on a claimed item; false when the claim was lost. */
  async renewLease (item: QueueItem): Promise<boolean> {
    return await renewLease(this.#pool, item, this.workerId, this.#leaseMs)
  }

  /**
   * Completes the item and writes the document's result in one transaction, so a reprocessed
   * document shows either its old result or its new one, never a mix. False when this worker no
   * longer held the item (nothing was written). Throws {@link InvalidResultError} when Postgres
   * refuses the result's values (nothing was written, and the item is still held); any other
   * error, such as a lost connection, is thrown as it is. Completions made together share one
   * transaction and one commit, each still fenced by its own claim.
   */
  async markCompleted (item: QueueItem, result: DocumentResult): Promise<boolean> {
    const outcome = await this.#completions.add({ item, result, trace: context.active() })
    if (outcome instanceof Error) throw outcome
    return outcome
  }

  /**
   * One statement for a batch of completions: items, results and passages (completeItems). A
   * statement Postgres refuses (a result it cannot store) writes nothing; then each completion
   * runs alone, so that only the refused one fails and the others commit. A lost connection fails
   * them all alike.
   */
  async #completeBatch (batch: Completion[]): Promise<Array<boolean | Error>> {
    try {
      return await this.#writeCompletions(batch)
    } catch (error) {
      if (batch.length === 1) return [completionError(error)]
      if (!(error instanceof pg.DatabaseError)) throw error
    }
    return await Promise.all(batch.map(async (completion) => {
      try {
        return (await this.#writeCompletions([completion]))[0]
      } catch (error) {
        return completionError(error)
      }
    }))
  }

  async #writeCompletions (batch: Completion[]): Promise<boolean[]> {
    // An item completed twice in one batch is completed once: by its first caller.
    const firsts = new Map(batch.map((completion) => [completion.item.id, completion] as const).reverse())
    // Text, metadata, passages and their search vectors: each document's index entry, written
    // for the batch at once, so each document's trace shows the shared statement.
    const completed = await inSpans('docqueue.index', [...firsts.values()].map(({ trace, result }) => ({ parent: trace, attributes: { [TRACE_ATTRIBUTE.passages]: result.chunks.length } })), async () => {
      return await completeItems(this.#pool, [...firsts.values()], this.workerId)
    })
    return batch.map((completion) => firsts.get(completion.item.id) === completion && completed.has(completion.item.id))
  }

  /**
   * Records a failed attempt. Permanent failures fail the item at once; transient ones schedule
   * the next attempt with backoff (in Postgres, then as a delayed wake-up) until the attempts
   * run out, and then fail it as `exhausted`.
   */
  async markFailed (item: QueueItem, failure: FailureInfo): Promise<FailureOutcome> {
    // A message may quote the document (a parser's complaint about its bytes), NULs included.
    const cause = toPostgresText(failure.message)
    if (!failure.permanent && item.attempts < item.maxAttempts) {
      const delayMs = backoffDelayMs(this.#retry[item.operation], item.attempts)
      const runAt = new Date(Date.now() + delayMs)
      const wakeups = await scheduleRetry(this.#pool, item, this.workerId, { message: cause, code: failure.code }, runAt)
      if (wakeups === undefined) return 'lost'
      await this.#dispatch({ ...item, wakeups }, delayMs + RETRY_WAKE_MARGIN_MS)
      return 'retrying'
    }
    const kind = failure.permanent ? (failure.code === FAILURE_CODE.timeout ? ERROR_KIND.timeout : ERROR_KIND.permanent) : ERROR_KIND.exhausted
    const message = kind === ERROR_KIND.exhausted ? `${cause} (gave up after ${item.attempts} attempts)` : cause
    return await failItem(this.#pool, item, this.workerId, { message, kind, code: failure.code }) ? 'failed' : 'lost'
  }

  /** Gives a claimed item back without spending an attempt, and wakes a worker for it. */
  async release (item: QueueItem): Promise<boolean> {
    const wakeups = await releaseItem(this.#pool, item, this.workerId)
    if (wakeups === undefined) return false
    await this.#dispatch({ ...item, wakeups })
    return true
  }

  /**
   * The one repair pass, run by the reconciler and by every sweep alike: fails poison items
   * (their worker died on every attempt) as `crashed`, puts the items of dead workers back to
   * pending at once whatever their lease says, prunes long-dead worker rows, folds the count
   * slots of ended database sessions, then finds the due items that no live wake-up will
   * deliver. Safe to run concurrently: each item is changed by one pass only.
   */
  async repair (limit: number, settleMs = 0, orphanPageSize = limit): Promise<QueueRepair> {
    const { crashed, takenOver } = await takeBackAbandonedItems(this.#pool, this.#deadAfterMs)
    await pruneDeadWorkers(this.#pool, DEAD_WORKER_RETENTION_MS)
    await foldEndedSessionCounts(this.#pool)
    const heldByLiveWorkers = await countInProgress(this.#pool)
    const { orphaned, waiting } = await this.#findOrphans(limit, settleMs, orphanPageSize)
    return { crashed, takenOver, orphaned, waitingOnWakeups: waiting, heldByLiveWorkers }
  }

  /**
   * One reconciliation pass: {@link repair}, then a fresh wake-up for each due item that no live
   * wake-up will deliver (taken over from a dead worker, or lost with Redis data: a flush, a
   * restart without persistence, a job that failed in BullMQ). Run by one leader at a time.
   */
  async reconcile (limit: number): Promise<{ redispatched: number, crashed: number, takenOver: number }> {
    // Without Redis no wake-up can be sent: repair only, and look for no orphans this time.
    const { crashed, takenOver, orphaned } = await this.repair(this.#isConnected() ? limit : 0, RECONCILE_SETTLE_MS, RECONCILE_PAGE_SIZE)
    return { redispatched: await this.#redispatch(orphaned), crashed, takenOver }
  }

  /** Sends a fresh wake-up for each of these due items that nobody woke meanwhile; returns how many reached Redis. */
  async #redispatch (items: QueueItem[]): Promise<number> {
    let redispatched = 0
    for (const item of items) {
      const wakeups = await bumpWakeups(this.#pool, item.id, item.wakeups)
      if (wakeups === undefined) continue
      if (await this.#dispatch({ ...item, wakeups })) redispatched += 1
    }
    return redispatched
  }

  /** A tenant's documents by status, retries, failures by kind, and the oldest waits. */
  async getQueueStats (tenant: string): Promise<QueueStats> {
    return await queueStatsForTenant(this.#pool, tenant)
  }

  /** Every attempt at every item of a document, oldest first. */
  async getAttempts (documentId: string): Promise<AttemptRow[]> {
    return await listAttempts(this.#pool, documentId)
  }

  /**
   * Deletes a tenant's document with its items, whatever their state, and cancels their
   * wake-ups. A worker running one of them finds its claim gone when it finishes, and writes
   * nothing. False when the tenant has no such document.
   */
  async remove (tenant: string, documentId: string): Promise<boolean> {
    return (await this.removeMany([documentId], [tenant])).length === 1
  }

  /**
   * Deletes these documents of `tenants` (null: any tenant) as {@link remove} does, in one
   * transaction with `beforeCommit`, and cancels their items' wake-ups. Returns the ids deleted.
   */
  async removeMany (documentIds: string[], tenants: string[] | null, beforeCommit?: BeforeCommit): Promise<string[]> {
    const { items, deleted } = await withTransaction(this.#pool, async (tx) => {
      const locked = await lockDocumentItems(tx, documentIds, tenants)
      const deletedIds = await deleteDocuments(tx, documentIds, tenants)
      await beforeCommit?.(tx, deletedIds)
      return { items: locked, deleted: deletedIds }
    })
    await this.#cancel(items)
    return deleted
  }

  /**
   * Pauses `tenant` (every tenant when null): workers claim no new item of it, items running
   * finish. Already paused, the first pause stands. Returns the pause in force and whether this
   * call made it; `beforeCommit` runs in the same transaction (with no ids).
   */
  async pause (tenant: string | null, pausedBy: string, reason: string | null, beforeCommit?: BeforeCommit): Promise<{ pause: QueuePause, created: boolean }> {
    return await this.#inTransaction(beforeCommit, async (db) => ({ result: await pauseScope(db, tenant, pausedBy, reason), changedIds: [] }))
  }

  /**
   * Resumes `tenant` (every tenant when null), then wakes each of its due items that no live
   * wake-up will deliver, as the reconciler would: their wake-ups were consumed, for nothing,
   * while the scope was paused. Items still held by another pause stay asleep. Returns the
   * pause lifted (undefined when the scope was not paused) and how many items were woken.
   */
  async resume (tenant: string | null, beforeCommit?: BeforeCommit): Promise<{ pause: QueuePause | undefined, woken: number }> {
    const pause = await this.#inTransaction(beforeCommit, async (db) => ({ result: await resumeScope(db, tenant), changedIds: [] }))
    let woken = 0
    let after: DuePosition | null = null
    for (;;) {
      const due = await findDueItemsOfScope(this.#pool, tenant, after, RESUME_PAGE_SIZE)
      const alive = await this.#withLiveWakeUp(due)
      woken += await this.#redispatch(due.filter((item) => !alive.has(item.id)))
      if (due.length < RESUME_PAGE_SIZE) return { pause, woken }
      const last = due[due.length - 1]
      after = { priority: last.priority, runAt: last.runAt, id: last.id }
    }
  }

  /** The paused scopes that apply to `tenants` (null: every tenant), the global pause first. */
  async getPauses (tenants: string[] | null): Promise<QueuePause[]> {
    return await listPauses(this.#pool, tenants)
  }

  /** Whether Redis holds a wake-up for the item that will still reach a worker by itself. */
  async hasLiveWakeUp (item: Pick<QueueItem, 'id' | 'wakeups'>): Promise<boolean> {
    return (await this.#withLiveWakeUp([item])).size === 1
  }

  /**
   * Deletes queue history: the given items where they are finished and no longer their
   * document's current item, of `tenants` (null: any tenant); `beforeCommit` runs in the same
   * transaction. Finished items have no wake-up left to cancel. Returns the ids deleted.
   */
  async removeFinishedItems (itemIds: string[], tenants: string[] | null, beforeCommit?: BeforeCommit): Promise<string[]> {
    return await this.#inTransaction(beforeCommit, async (db) => {
      const deleted = await deleteFinishedItems(db, itemIds, tenants)
      return { result: deleted, changedIds: deleted }
    })
  }

  /**
   * Removes the wake-ups of items that no longer exist; a job a worker holds right now stays.
   * Best effort: a wake-up left behind finds no item and does nothing.
   */
  async #cancel (items: Array<{ id: string, wakeups: number }>): Promise<void> {
    await Promise.all(items.map(async (item) => {
      const jobId = wakeUpJobId(item.id, item.wakeups)
      await redisCall(this.#isConnected, async () => await this.#wakeUps.remove(jobId)).catch((error: Error) => {
        this.#log.debug({ itemId: item.id, err: error.message }, 'wake-up not removed')
      })
    }))
  }
}

/** What a completion that failed throws: an {@link InvalidResultError} when Postgres refused the result's values. */
function completionError (error: unknown): Error {
  if (!isDataError(error)) return error instanceof Error ? error : new Error(String(error))
  return new InvalidResultError(`the database refused the extracted result (${error.code}): ${error.message}`, { cause: error })
}
