import { Queue, type JobsOptions } from 'bullmq'
import type { Redis } from 'ioredis'

/**
 * The BullMQ queue that carries wake-ups: jobs that tell a worker an item is due. Named
 * `documents` in Redis since the first release, so that a running deployment keeps its jobs.
 */
export const WAKE_UP_QUEUE_NAME = 'documents'

/** What a wake-up carries: only ids. Everything else is read from Postgres at claim time. */
export interface WakeUpData {
  itemId: string
  documentId: string
}

export type WakeUpQueue = Queue<WakeUpData>

/**
 * What the queue and the admin pages need of a wake-up channel: the BullMQ queue on Redis, or
 * the in-process one of the embedded mode (see in-process-wake-ups.ts), which keeps BullMQ's
 * meaning for job ids, states and ranges so that the reconciler and the drift checks work alike.
 */
export interface WakeUpChannel {
  addBulk: (jobs: Array<{ name: string, data: WakeUpData, opts?: JobsOptions }>) => Promise<unknown>
  getJobState: (jobId: string) => Promise<string>
  /** The job; `processedOn` is when a worker took it (ms since the epoch), absent where no worker process can die with it. */
  getJob: (jobId: string) => Promise<{ processedOn?: number } | undefined>
  /** 1 when removed, 0 when the job is running (and stays) or unknown. */
  remove: (jobId: string) => Promise<number>
  /** Job ids in these BullMQ range types (`wait`, `prioritized`, `delayed`, `active`). */
  getRanges: (types: Array<'wait' | 'prioritized' | 'delayed' | 'active'>, start?: number, end?: number, asc?: boolean) => Promise<string[]>
  close: () => Promise<void>
}

/**
 * Creates the producer side of the wake-up queue.
 *
 * Without `skipVersionCheck`, BullMQ's first command on the connection is an `INFO`, and the
 * queue keeps that command's outcome for good: if it times out (the producer connection gives
 * up after 2 s, and a process starting on a busy machine can stall that long), every later add
 * fails with the same error until the process restarts, and the items wait for the reconciler.
 * The start-up checks read the version instead (see redisConfigurationProblems).
 */
export function createWakeUpQueue (connection: Redis, prefix: string): WakeUpQueue {
  return new Queue<WakeUpData>(WAKE_UP_QUEUE_NAME, { connection, prefix, skipVersionCheck: true })
}

/**
 * The BullMQ job id of an item's current wake-up: the item id for the first one, then one id per
 * re-dispatch, because BullMQ ignores an add whose id an older job (say, the active one) still holds.
 * Adding the same wake-up twice stays harmless.
 */
export function wakeUpJobId (itemId: string, wakeups: number): string {
  return wakeups === 0 ? itemId : `${itemId}_w${wakeups}`
}

/**
 * Job options for a wake-up. BullMQ attempts cover only infrastructure failures (Postgres
 * unreachable at claim time); a document's own failures and retries are decided in Postgres.
 */
export function wakeUpOptions (jobId: string, priority: number, delayMs = 0): JobsOptions {
  return {
    jobId,
    priority,
    delay: Math.max(0, delayMs),
    attempts: 5,
    backoff: { type: 'exponential', delay: 1_000 },
    removeOnComplete: true,
    removeOnFail: { age: 24 * 3600, count: 10_000 }
  }
}
