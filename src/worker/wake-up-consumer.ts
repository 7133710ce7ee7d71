import { Worker } from 'bullmq'
import type { Redis } from 'ioredis'
import { WAKE_UP_QUEUE_NAME, type WakeUpData } from '../queue/wake-ups.js'
import { runQueueItem, type ItemRunnerDeps, type RunOutcome } from './run-queue-item.js'

export interface WakeUpConsumerOptions extends ItemRunnerDeps {
  connection: Redis
  prefix: string
  concurrency: number
}

export interface WakeUpConsumer {
  /** The BullMQ worker that receives the wake-ups. */
  bullWorker: Worker<WakeUpData, RunOutcome>
  /** Resolves once no item is being run (those started meanwhile included). */
  idle: () => Promise<void>
}

/**
 * The part of a worker process that receives wake-ups from BullMQ and runs each one's item
 * through {@link runQueueItem}. The job's own outcome only says whether delivery worked; the
 * document's outcome is in Postgres.
 */
export function createWakeUpConsumer (options: WakeUpConsumerOptions): WakeUpConsumer {
  const { connection, prefix, concurrency, ...deps } = options
  // Tracked here rather than asked of BullMQ: its own wait (pause, close) cannot be bounded
  // by a grace period and reconnects afterwards.
  const running = new Set<Promise<RunOutcome>>()
  const bullWorker = new Worker<WakeUpData, RunOutcome>(
    WAKE_UP_QUEUE_NAME,
    async (job) => {
      const run = runQueueItem(deps, { id: job.data.itemId })
      running.add(run)
      try {
        return await run
      } finally {
        running.delete(run)
      }
    },
    {
      connection,
      prefix,
      concurrency,
      autorun: false,
      // BullMQ's lock and stall check follow our lease: a dead worker's wake-up comes back about
      // when its Postgres lease expires, and a redelivery before that finds nothing to claim.
      lockDuration: deps.leaseMs,
      stalledInterval: deps.leaseMs
    }
  )
  bullWorker.on('error', (error) => deps.logger.warn({ err: error.message }, 'wake-up consumer error'))
  bullWorker.on('failed', (job, error) => {
    deps.logger.warn({ itemId: job?.data.itemId, err: error.message }, 'wake-up failed; BullMQ retries it, the reconciler backs it up')
  })
  return {
    bullWorker,
    idle: async () => {
      while (running.size > 0) await Promise.allSettled([...running])
    }
  }
}
