import { TurnBatcher } from '../lib/turn-batcher.js'
import { redisCall } from './redis-call.js'
import { wakeUpJobId, wakeUpOptions, type WakeUpChannel } from './wake-ups.js'

export interface WakeUp {
  itemId: string
  documentId: string
  priority: number
  /** The item's wake-up count, naming the job (see wakeUpJobId). */
  wakeups: number
  delayMs?: number
}

/**
 * Adds wake-ups to BullMQ, the adds of one event-loop turn in a single `addBulk`: under load
 * many uploads commit at once, and one round trip serves them all. A failed add is not an error
 * for the caller: the item is safe in Postgres and the reconciler or a sweep dispatches it later.
 */
export class WakeUpDispatcher {
  readonly #batcher: TurnBatcher<WakeUp, boolean>

  constructor (options: {
    wakeUps: WakeUpChannel
    /** Whether the Redis connection is up; while it is not, adds fail at once instead of waiting. */
    isConnected: () => boolean
    onError: (error: Error, count: number) => void
  }) {
    const { wakeUps, isConnected, onError } = options
    this.#batcher = new TurnBatcher({
      run: async (batch) => {
        try {
          // An upload waits for its wake-up briefly at most; past that, the reconciler dispatches the item.
          await redisCall(isConnected, async () => await wakeUps.addBulk(batch.map((wakeUp) => ({
            name: 'process',
            data: { itemId: wakeUp.itemId, documentId: wakeUp.documentId },
            opts: wakeUpOptions(wakeUpJobId(wakeUp.itemId, wakeUp.wakeups), wakeUp.priority, wakeUp.delayMs)
          }))))
          return batch.map(() => true)
        } catch (error) {
          onError(error as Error, batch.length)
          return batch.map(() => false)
        }
      }
    })
  }

  /** Sends a wake-up with the others of this turn; resolves true once it reached Redis, false if it did not. */
  async dispatch (wakeUp: WakeUp): Promise<boolean> {
    return await this.#batcher.add(wakeUp)
  }
}
