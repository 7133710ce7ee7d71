import type { Logger } from 'pino'
import { randomUUID } from 'node:crypto'
import type { Operation } from '../db/documents.js'
import { replaceChunks } from '../db/chunks.js'
import { withTransaction, type Pool } from '../db/pool.js'
import { queueStatsForTenant, type QueueStats } from '../db/queue-stats.js'
import {
  claimItem, completeItem, failItem, findDueItems, insertItemForDocument, markDispatched, renewLease,
  type ClaimedItem, type ItemResult, type QueueItem
} from '../db/queue-items.js'
import type { DocumentQueue } from './document-jobs.js'
import { JobDispatcher } from './job-dispatcher.js'
import { redisCall } from './redis-call.js'

// BullMQ states in which a wake-up will still reach a worker by itself.
const LIVE_JOB_STATES = new Set(['waiting', 'prioritized', 'delayed', 'active', 'waiting-children'])

export interface FailureInfo {
  message: string
  /** `permanent` (the file itself is bad) or `transient` (anything that may pass on a retry). */
  kind: string
  /** Machine-readable cause: `unsupported_type`, `corrupt`, `encrypted`, `limit_exceeded`, `timeout`, `internal`. */
  code: string
}

/**
 * The queue as the rest of docqueue sees it. Postgres `queue_items` holds the state of every
 * item; BullMQ only carries wake-ups whose job id is the item id. Every state change is a
 * conditional update fenced by the claimer's identity, so duplicate deliveries are no-ops.
 */
export class DocumentQueueService {
  readonly workerId: string
  readonly #pool: Pool
  readonly #queue: DocumentQueue
  readonly #isConnected: () => boolean
  readonly #log: Logger
  readonly #leaseMs: number
  readonly #maxAttempts: number
  readonly #dispatcher: JobDispatcher

  constructor (options: {
    pool: Pool
    queue: DocumentQueue
    /** Whether the producer's Redis connection is up. */
    isConnected: () => boolean
    logger: Logger
    workerId: string
    leaseMs: number
    maxAttempts: number
  }) {
    this.#pool = options.pool
    this.#queue = options.queue
    this.#isConnected = options.isConnected
    this.#log = options.logger
    this.workerId = options.workerId
    this.#leaseMs = options.leaseMs
    this.#maxAttempts = options.maxAttempts
    this.#dispatcher = new JobDispatcher({
      queue: options.queue,
      isConnected: options.isConnected,
      onDispatched: async (itemIds) => { await markDispatched(this.#pool, itemIds) },
      onError: (error, count) => this.#log.warn({ err: error.message, count }, 'wake-up not dispatched; the sweeper will pick the items up')
    })
  }

  /** The attempt budget given to new items. */
  get maxAttempts (): number {
    return this.#maxAttempts
  }

  /**
   * Adds a queue item for an existing document (committed first), then its wake-up.
   * Returns undefined when the document does not exist or is already pending or in progress.
   */
  async enqueue (documentId: string, operation: Operation, priority: number): Promise<QueueItem | undefined> {
    const item = await insertItemForDocument(this.#pool, {
      id: randomUUID(), documentId, operation, priority, maxAttempts: this.#maxAttempts
    })
    if (item !== undefined) await this.dispatch(item)
    return item
  }

  /** Sends the wake-up of an item already committed to Postgres; false if Redis did not take it. */
  async dispatch (item: Pick<QueueItem, 'id' | 'documentId' | 'priority'>): Promise<boolean> {
    return await this.#dispatcher.dispatch({ itemId: item.id, documentId: item.documentId, priority: item.priority })
  }

  /**
   * Items that are due and that nothing else will handle: pending items whose wake-up is not
   * (or no longer) in Redis, and in-progress items whose lease expired. When Redis cannot be
   * asked, every due item counts: claiming is safe against racing workers anyway.
   */
  async getPendingItems (limit: number): Promise<QueueItem[]> {
    const due = await findDueItems(this.#pool, limit)
    const pending = due.filter((item) => item.status === 'pending')
    let alive = new Set<string>()
    try {
      const states = await redisCall(this.#isConnected, async () =>
        await Promise.all(pending.map(async (item) => [item.id, await this.#queue.getJobState(item.id)] as const)))
      alive = new Set(states.filter(([, state]) => LIVE_JOB_STATES.has(state)).map(([id]) => id))
    } catch (error) {
      this.#log.warn({ err: (error as Error).message }, 'redis unavailable; sweeping every due item')
    }
    return due.filter((item) => !alive.has(item.id)).slice(0, limit)
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
   * Records the result, text and passages in one transaction, so a reprocessed document shows
   * either its old result or its new one, never a mix. False when this worker no longer held
   * the item (nothing was written).
   */
  async markCompleted (item: QueueItem, result: ItemResult): Promise<boolean> {
    return await withTransaction(this.#pool, async (tx) => {
      if (!await completeItem(tx, item, this.workerId, result)) return false
      const title = typeof result.metadata.title === 'string' ? result.metadata.title : null
      await replaceChunks(tx, item.documentId, title, result.chunks)
      return true
    })
  }

  /** Marks the item failed; false when this worker no longer held the item. */
  async markFailed (item: QueueItem, error: FailureInfo): Promise<boolean> {
    return await failItem(this.#pool, item, this.workerId, error)
  }

  /** A tenant's documents by status and the age of its oldest pending one. */
  async getQueueStats (tenant: string): Promise<QueueStats> {
    return await queueStatsForTenant(this.#pool, tenant)
  }

  /**
   * Removes the wake-ups of items that no longer exist; a job a worker holds right now stays.
   * Best effort: a wake-up left behind finds no item and does nothing.
   */
  async cancel (itemIds: string[]): Promise<void> {
    await Promise.all(itemIds.map(async (id) => {
      await redisCall(this.#isConnected, async () => await this.#queue.remove(id)).catch((error: Error) => {
        this.#log.debug({ itemId: id, err: error.message }, 'wake-up not removed')
      })
    }))
  }
}
