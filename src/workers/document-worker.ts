import { Worker } from 'bullmq'
import type { Redis } from 'ioredis'
import { DOCUMENT_QUEUE_NAME, type DocumentJobData } from '../queue/document-jobs.js'
import { runQueueItem, type ItemRunnerDeps, type RunOutcome } from './run-queue-item.js'

export interface DocumentWorkerOptions extends ItemRunnerDeps {
  connection: Redis
  prefix: string
  concurrency: number
}

/**
 * A BullMQ worker whose jobs are wake-ups: each one runs its queue item through
 * {@link runQueueItem}. The job's own outcome only says whether delivery worked; the
 * document's outcome is in Postgres.
 */
export function createDocumentWorker (options: DocumentWorkerOptions): Worker<DocumentJobData, RunOutcome> {
  const { connection, prefix, concurrency, ...deps } = options
  const worker = new Worker<DocumentJobData, RunOutcome>(
    DOCUMENT_QUEUE_NAME,
    async (job) => await runQueueItem(deps, { id: job.data.itemId }),
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
  return worker
}
