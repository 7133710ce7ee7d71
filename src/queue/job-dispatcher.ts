import { wakeUpJobId, wakeUpOptions, type DocumentQueue } from './document-jobs.js'
import { redisCall } from './redis-call.js'

export interface WakeUp {
  itemId: string
  documentId: string
  priority: number
  /** The item's wake-up count, naming the job (see wakeUpJobId). */
  wakeups: number
  delayMs?: number
}

interface Waiting { wakeUp: WakeUp, settle: (added: boolean) => void }

/**
 * Adds wake-up jobs to BullMQ, grouping the adds of one event-loop turn into a single
 * `addBulk`: under load many uploads commit at once, and one round trip serves them all.
 * A failed add is not an error for the caller: the item is safe in Postgres and the sweeper
 * or reconciler dispatches it later.
 */
export class JobDispatcher {
  readonly #queue: DocumentQueue
  readonly #isConnected: () => boolean
  readonly #onError: (error: Error, count: number) => void
  #batch: Waiting[] = []

  constructor (options: {
    queue: DocumentQueue
    /** Whether the Redis connection is up; while it is not, adds fail at once instead of waiting. */
    isConnected: () => boolean
    onError: (error: Error, count: number) => void
  }) {
    this.#queue = options.queue
    this.#isConnected = options.isConnected
    this.#onError = options.onError
  }

  /** Queues a wake-up for the next batch; resolves true once it reached Redis, false if it did not. */
  dispatch (wakeUp: WakeUp): Promise<boolean> {
    return new Promise((resolve) => {
      this.#batch.push({ wakeUp, settle: resolve })
      if (this.#batch.length === 1) setImmediate(() => { this.#flush().catch(() => {}) })
    })
  }

  async #flush (): Promise<void> {
    const batch = this.#batch
    this.#batch = []
    try {
      // An upload waits for its wake-up briefly at most; past that, the sweeper dispatches the item.
      await redisCall(this.#isConnected, async () => await this.#queue.addBulk(batch.map(({ wakeUp }) => ({
        name: 'process',
        data: { itemId: wakeUp.itemId, documentId: wakeUp.documentId },
        opts: wakeUpOptions(wakeUpJobId(wakeUp.itemId, wakeUp.wakeups), wakeUp.priority, wakeUp.delayMs)
      }))))
    } catch (error) {
      this.#onError(error as Error, batch.length)
      for (const waiting of batch) waiting.settle(false)
      return
    }
    for (const waiting of batch) waiting.settle(true)
  }
}
