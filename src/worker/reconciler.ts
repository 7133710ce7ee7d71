import type { Logger } from 'pino'
import type { Pool } from '../db/pool.js'
import { releaseReconcilerLeadership, takeReconcilerLeadership } from '../db/reconciler-leader.js'
import type { DocumentQueueService } from '../queue/document-queue-service.js'
import type { RunObserver } from './run-observer.js'

const BATCH = 500
// The leadership outlives a few ticks, so a leader that is merely slow keeps it; one that stops
// (killed, partitioned, blocked) hands it over within this many intervals.
const LEADERSHIP_TICKS = 3

export interface Reconciler {
  /** Whether this process led at its last tick: the other leader-only work asks. */
  isLeading: () => boolean
  stop: () => Promise<void>
}

/**
 * Runs {@link DocumentQueueService.reconcile} every `intervalMs` in one worker process at a time.
 * Leadership is a lease row in Postgres that the leader extends at every tick: if the leader
 * dies or is cut off, its lease runs out and another worker takes over at its next tick. Two
 * leaders for a moment (a slow tick outliving its lease) are harmless: every repair statement
 * skips rows another holds and every re-dispatch is conditional.
 */
export function startReconciler (options: { pool: Pool, queue: DocumentQueueService, logger: Logger, intervalMs: number, observer?: RunObserver }): Reconciler {
  const { pool, queue, logger, intervalMs, observer } = options
  let leading = false
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> = Promise.resolve()

  const tick = async (): Promise<void> => {
    try {
      const leads = await takeReconcilerLeadership(pool, queue.workerId, intervalMs * LEADERSHIP_TICKS)
      if (leads !== leading) logger.info({ worker: queue.workerId }, leads ? 'reconciler leadership taken' : 'reconciler leadership lost')
      leading = leads
      if (!leads) return
      const result = await queue.reconcile(BATCH)
      observer?.reconciled(result)
      if (result.redispatched > 0 || result.crashed > 0 || result.takenOver > 0) logger.warn(result, 'reconciler repaired the queue')
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'reconciliation failed; retrying next tick')
    }
  }

  const schedule = (): void => {
    if (stopped) return
    timer = setTimeout(() => {
      running = tick().finally(schedule)
    }, intervalMs)
  }
  schedule()

  return {
    isLeading: () => leading && !stopped,
    stop: async () => {
      stopped = true
      clearTimeout(timer)
      await running
      if (leading) await releaseReconcilerLeadership(pool, queue.workerId).catch(() => {})
    }
  }
}
