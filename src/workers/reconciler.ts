import type { Logger } from 'pino'
import type { Client, Pool } from '../db/pool.js'
import type { DocumentQueueService } from '../queue/document-queue-service.js'

// Any fixed number shared by all docqueue workers: the session holding it is the leader.
const RECONCILER_LOCK_ID = 4_242_002
const BATCH = 500

export interface Reconciler {
  stop: () => Promise<void>
}

/**
 * Runs {@link DocumentQueueService.reconcile} every `intervalMs` in one worker process at a time:
 * the repair pass that takes back dead workers' items and fails poison items, then wake-ups for
 * what Redis lost.
 * Leadership is a session-level Postgres advisory lock on a connection held for as long as this
 * process leads: if the leader dies, its session ends, the lock frees, and another worker takes
 * over at its next tick.
 */
export function startReconciler (options: { pool: Pool, queue: DocumentQueueService, logger: Logger, intervalMs: number }): Reconciler {
  const { pool, queue, logger, intervalMs } = options
  let leader: Client | undefined
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> = Promise.resolve()

  const dropLeadership = (error?: Error): void => {
    if (leader === undefined) return
    leader.off('error', onSessionError)
    leader.release(error ?? true)
    leader = undefined
  }

  const onSessionError = (error: Error): void => {
    logger.warn({ err: error.message }, 'reconciler lost its database session')
    dropLeadership(error)
  }

  const acquire = async (): Promise<void> => {
    const client = await pool.connect()
    let locked = false
    try {
      const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [RECONCILER_LOCK_ID])
      locked = rows[0].locked
    } finally {
      if (!locked) client.release()
    }
    if (locked) {
      client.on('error', onSessionError)
      leader = client
      logger.info({ worker: queue.workerId }, 'reconciler leadership taken')
    }
  }

  const tick = async (): Promise<void> => {
    try {
      if (leader === undefined) await acquire()
      if (leader === undefined) return
      const result = await queue.reconcile(BATCH)
      if (result.redispatched > 0 || result.crashed > 0 || result.takenOver > 0) logger.warn(result, 'reconciler repaired the queue')
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'reconciliation failed; retrying next tick')
      dropLeadership(error as Error)
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
    stop: async () => {
      stopped = true
      clearTimeout(timer)
      await running
      if (leader !== undefined) {
        await leader.query('select pg_advisory_unlock($1)', [RECONCILER_LOCK_ID]).catch(() => {})
        dropLeadership()
      }
    }
  }
}
