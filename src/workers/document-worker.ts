import { Worker } from 'bullmq'
import type { Redis } from 'ioredis'
import { DOCUMENT_QUEUE_NAME, type DocumentJobData } from '../queue/document-jobs.js'
import { runQueueItem, type ItemRunnerDeps, type RunOutcome } from './run-queue-item.js'

export interface DocumentWorkerOptions extends ItemRunnerDeps {
  connection: Redis
  prefix: string
  concurrency: number
}

export interface DocumentWorker {
  worker: Worker<DocumentJobData, RunOutcome>
  /** Resolves once no job is being run (those started meanwhile included). */
  idle: () => Promise<void>
}

/**
 * A BullMQ worker whose jobs are wake-ups: each one runs its queue item through
 * {@link runQueueItem}. The job's own outcome only says whether delivery worked; the
 * document's outcome is in Postgres.
 */
export function createDocumentWorker (options: DocumentWorkerOptions): DocumentWorker {
  const { connection, prefix, concurrency, ...deps } = options
  // Tracked here rather than asked of BullMQ: its own wait (pause, close) cannot be bounded
  // by a grace period and reconnects afterwards.
  const running = new Set<Promise<RunOutcome>>()
  const worker = new Worker<DocumentJobData, RunOutcome>(
    DOCUMENT_QUEUE_NAME,
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
  worker.on('error', (error) => deps.logger.warn({ err: error.message }, 'worker error'))
  worker.on('failed', (job, error) => {
    deps.logger.warn({ itemId: job?.data.itemId, err: error.message }, 'wake-up failed; BullMQ retries it, the sweeper backs it up')
  })
  return {
    worker,
    idle: async () => {
      while (running.size > 0) await Promise.allSettled([...running])
    }
  }
}
