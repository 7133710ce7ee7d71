import { Queue, type JobsOptions } from 'bullmq'
import type { Redis } from 'ioredis'

/** The BullMQ queue that carries wake-ups for queue items. */
export const DOCUMENT_QUEUE_NAME = 'documents'

/** What a wake-up carries: only ids. Everything else is read from Postgres at claim time. */
export interface DocumentJobData {
  itemId: string
  documentId: string
}

export type DocumentQueue = Queue<DocumentJobData>

/** Creates the producer side of the documents queue. */
export function createDocumentQueue (connection: Redis, prefix: string): DocumentQueue {
  return new Queue<DocumentJobData>(DOCUMENT_QUEUE_NAME, { connection, prefix })
}

/**
 * Job options for a wake-up. The job id is the queue item id, so adding twice is harmless.
 * BullMQ attempts cover only infrastructure failures (Postgres unreachable at claim time);
 * a document's own failures are decided and recorded in Postgres.
 */
export function wakeUpOptions (itemId: string, priority: number, delayMs = 0): JobsOptions {
  return {
    jobId: itemId,
    priority,
    delay: delayMs,
    attempts: 5,
    backoff: { type: 'exponential', delay: 1_000 },
    removeOnComplete: true,
    removeOnFail: { age: 24 * 3600, count: 10_000 }
  }
}
