import type { Logger } from 'pino'
import { randomUUID } from 'node:crypto'
import { replaceChunks } from '../db/chunks.js'
import { isDataError } from '../db/data-error.js'
import type { Operation } from '../db/documents.js'
import { withTransaction, type Pool } from '../db/pool.js'
import { toPostgresText } from '../db/postgres-safe-text.js'
import {
  bumpWakeups, claimItem, completeItem, countInProgress, failExhaustedCrashes, failItem, findDueItems, insertItemForDocument,
  releaseAbandonedItems, releaseItem, renewLease, scheduleRetry,
  type ClaimedItem, type ItemResult, type QueueItem
} from '../db/queue-items.js'
import { queueStatsForTenant, type QueueStats } from '../db/queue-stats.js'
import { pruneDeadWorkers } from '../db/workers.js'
import { wakeUpJobId, type DocumentQueue } from './document-jobs.js'
import { InvalidResultError } from './invalid-result-error.js'
import { JobDispatcher } from './job-dispatcher.js'
import { redisCall } from './redis-call.js'
import { backoffDelayMs, type RetryPolicies } from './retry-policy.js'

// BullMQ states in which a wake-up will still reach a worker by itself.
const LIVE_JOB_STATES = new Set(['waiting', 'prioritized', 'delayed', 'active', 'waiting-children'])
// The reconciler leaves items that became due this recently to the wake-up still on its way
// (an upload between commit and add, a delayed retry about to fire).
const RECONCILE_SETTLE_MS = 1_000
// A delayed wake-up fires a little after the item's run_at, never before it is claimable.
const RETRY_WAKE_MARGIN_MS = 25
// How long a dead worker's row stays for operators to see before the repair pass deletes it.
const DEAD_WORKER_RETENTION_MS = 60 * 60_000

export interface FailureInfo {
  message: string
  /** Whether running the same bytes again cannot succeed (a bad file, a limit). */
  permanent: boolean
  /** Machine-readable cause: `unsupported_type`, `corrupt`, `encrypted`, `limit_exceeded`, `timeout`, `invalid_result`, `internal`. */
  code: string
}

/** How a failed attempt was recorded: failed for good, scheduled again, or not at all (claim lost). */
export type FailureOutcome = 'failed' | 'retrying' | 'lost'

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
 * The queue as the rest of docqueue sees it. Postgres `queue_items` holds the state of every
 * item, its retry schedule and its attempts; BullMQ only carries wake-ups named after the item.
 * Every state change is a conditional update fenced by the claimer's identity, so duplicate
 * deliveries and late finishers are no-ops.
 */
export class DocumentQueueService {
  readonly workerId: string
  readonly #pool: Pool
  readonly #queue: DocumentQueue
  readonly #isConnected: () => boolean
  readonly #log: Logger
  readonly #leaseMs: number
  readonly #deadAfterMs: number
  readonly #retry: RetryPolicies
  readonly #dispatcher: JobDispatcher

  constructor (options: {
    pool: Pool
    queue: DocumentQueue
    /** Whether the producer's Redis connection is up. */
    isConnected: () => boolean
    logger: Logger
    workerId: string
    leaseMs: number
    /** How long a worker's heartbeat may be silent before its items are taken back. */
    deadAfterMs: number
    retry: RetryPolicies
  }) {
    this.#pool = options.pool
    this.#queue = options.queue
    this.#isConnected = options.isConnected
    this.#log = options.logger
    this.workerId = options.workerId
    this.#leaseMs = options.leaseMs
    this.#deadAfterMs = options.deadAfterMs
    this.#retry = options.retry
    this.#dispatcher = new JobDispatcher({
      queue: options.queue,
      isConnected: options.isConnected,
      onError: (error, count) => this.#log.warn({ err: error.message, count }, 'wake-up not dispatched; the reconciler or sweeper will pick the items up')
    })
  }

  /** The attempt budget of new items of an operation. */
  maxAttemptsFor (operation: Operation): number {
    return this.#retry[operation].maxAttempts
  }

  /**
   * Adds a queue item for an existing document (committed first), then its wake-up.
   * Returns undefined when the document does not exist or is already pending or in progress.
   */
  async enqueue (documentId: string, operation: Operation, priority: number): Promise<QueueItem | undefined> {
    const item = await this.addItem(documentId, operation, priority)
    if (item !== undefined) await this.dispatch(item)
    return item
  }

  /** The first half of {@link enqueue}: the item in Postgres, not yet dispatched. */
  async addItem (documentId: string, operation: Operation, priority: number): Promise<QueueItem | undefined> {
    return await insertItemForDocument(this.#pool, {
      id: randomUUID(), documentId, operation, priority, maxAttempts: this.maxAttemptsFor(operation)
    })
  }

  /** Sends the current wake-up of an item already committed to Postgres; false if Redis did not take it. */
  async dispatch (item: Pick<QueueItem, 'id' | 'documentId' | 'priority' | 'wakeups'>, delayMs = 0): Promise<boolean> {
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

  async #findOrphans (limit: number, settleMs: number): Promise<{ orphaned: QueueItem[], waiting: number }> {
    const due = await findDueItems(this.#pool, limit, settleMs)
    const alive = await this.#withLiveWakeUp(due)
    return { orphaned: due.filter((item) => !alive.has(item.id)), waiting: alive.size }
  }

  /**
   * The one repair pass, run by the leading worker's reconciler and by the sweeper alike: fails
   * poison items (their worker died on every attempt) as `crashed`, puts the items of dead
   * workers back to pending at once whatever their lease says, then finds the due items that no
   * live wake-up will deliver. Safe to run concurrently: each item is changed by one pass only.
   */
  async repair (limit: number, settleMs = 0): Promise<QueueRepair> {
    const crashed = await failExhaustedCrashes(this.#pool, this.#deadAfterMs)
    const takenOver = await releaseAbandonedItems(this.#pool, this.#deadAfterMs)
    await pruneDeadWorkers(this.#pool, DEAD_WORKER_RETENTION_MS)
    const heldByLiveWorkers = await countInProgress(this.#pool)
    const { orphaned, waiting } = await this.#findOrphans(limit, settleMs)
    return { crashed, takenOver, orphaned, waitingOnWakeups: waiting, heldByLiveWorkers }
  }

  async #withLiveWakeUp (items: QueueItem[]): Promise<Set<string>> {
    if (items.length === 0) return new Set()
    try {
      const states = await redisCall(this.#isConnected, async () =>
        await Promise.all(items.map(async (item) => [item.id, await this.#queue.getJobState(wakeUpJobId(item.id, item.wakeups))] as const)))
      return new Set(states.filter(([, state]) => LIVE_JOB_STATES.has(state)).map(([id]) => id))
    } catch (error) {
      this.#log.warn({ err: (error as Error).message }, 'redis unavailable; treating every due item as orphaned')
      return new Set()
    }
  }

  /** Claims an item for this worker with a lease; undefined when someone else has it or it is done. */
  async markInProgress (item: Pick<QueueItem, 'id'>): Promise<ClaimedItem | undefined> {
    return await claimItem(this.#pool, item.id, this.workerId, this.#leaseMs)
  }

  /** Extends this worker's lease on a claimed item; false when the claim was lost. */
  async renewLease (item: QueueItem): Promise<boolean> {
    return await renewLease(this.#pool, item, this.workerId, this.#leaseMs)
  }

  /**
   * Records the result, text, metadata and passages in one transaction, so a reprocessed
   * document shows either its old result or its new one, never a mix. False when this worker no
   * longer held the item (nothing was written). Throws {@link InvalidResultError} when Postgres
   * refuses the result's values (nothing was written, and the item is still held); any other
   * error, such as a lost connection, is thrown as it is.
   */
  async markCompleted (item: QueueItem, result: ItemResult): Promise<boolean> {
    try {
      return await withTransaction(this.#pool, async (tx) => {
        if (!await completeItem(tx, item, this.workerId, result)) return false
        const title = typeof result.metadata.title === 'string' ? result.metadata.title : null
        await replaceChunks(tx, item.documentId, title, result.chunks)
        return true
      })
    } catch (error) {
      if (!isDataError(error)) throw error
      throw new InvalidResultError(`the database refused the extracted result (${error.code}): ${error.message}`, { cause: error })
    }
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
      await this.dispatch({ ...item, wakeups }, delayMs + RETRY_WAKE_MARGIN_MS)
      return 'retrying'
    }
    const kind = failure.permanent ? (failure.code === 'timeout' ? 'timeout' : 'permanent') : 'exhausted'
    const message = kind === 'exhausted' ? `${cause} (gave up after ${item.attempts} attempts)` : cause
    return await failItem(this.#pool, item, this.workerId, { message, kind, code: failure.code }) ? 'failed' : 'lost'
  }

  /** Gives a claimed item back without spending an attempt, and wakes a worker for it. */
  async release (item: QueueItem): Promise<boolean> {
    const wakeups = await releaseItem(this.#pool, item, this.workerId)
    if (wakeups === undefined) return false
    await this.dispatch({ ...item, wakeups })
    return true
  }

  /**
   * One reconciliation pass: {@link repair}, then a fresh wake-up for each due item that no live
   * wake-up will deliver (taken over from a dead worker, or lost with Redis data: a flush, a
   * restart without persistence, a job that failed in BullMQ). Run by one leader at a time.
   */
  async reconcile (limit: number): Promise<{ redispatched: number, crashed: number, takenOver: number }> {
    // Without Redis no wake-up can be sent: repair only, and look for no orphans this time.
    const { crashed, takenOver, orphaned } = await this.repair(this.#isConnected() ? limit : 0, RECONCILE_SETTLE_MS)
    let redispatched = 0
    for (const item of orphaned) {
      const wakeups = await bumpWakeups(this.#pool, item.id, item.wakeups)
      if (wakeups === undefined) continue
      if (await this.dispatch({ ...item, wakeups })) redispatched += 1
    }
    return { redispatched, crashed, takenOver }
  }

  /** A tenant's documents by status, retries, failures by kind, and the oldest waits. */
  async getQueueStats (tenant: string): Promise<QueueStats> {
    return await queueStatsForTenant(this.#pool, tenant)
  }

  /**
   * Removes the wake-ups of items that no longer exist; a job a worker holds right now stays.
   * Best effort: a wake-up left behind finds no item and does nothing.
   */
  async cancel (items: Array<{ id: string, wakeups: number }>): Promise<void> {
    await Promise.all(items.map(async (item) => {
      const jobId = wakeUpJobId(item.id, item.wakeups)
      await redisCall(this.#isConnected, async () => await this.#queue.remove(jobId)).catch((error: Error) => {
        this.#log.debug({ itemId: item.id, err: error.message }, 'wake-up not removed')
      })
    }))
  }
}
