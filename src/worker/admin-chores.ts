import type { Logger } from 'pino'
import { runBulkActions } from '../admin/bulk/bulk-runner.js'
import { applyRetention } from '../admin/retention/apply-retention.js'
import type { Pool } from '../db/pool.js'
import type { DocumentQueueService } from '../queue/document-queue-service.js'

/** Documents per bulk-action batch: one transaction each, short enough not to hold locks long. */
const BULK_BATCH_SIZE = 200
/** A runner that stops extending its lease for this long hands its bulk action over. */
const BULK_LEASE_MS = 60_000
/** Batches per round before the loop looks at its stop conditions and the retention timer again. */
const BULK_BATCHES_PER_ROUND = 20
/** How often the retention policy is applied, and how much at most per target each time. */
const RETENTION_INTERVAL_MS = 60_000
const RETENTION_LIMITS = { batchSize: 500, maxBatches: 10 }

/** Bulk-action batches a sweep runs at most, so that a cron request stays short. */
const SWEEP_BULK_BATCHES = 25

export interface AdminChores {
  stop: () => Promise<void>
}

/**
 * The admin work the workers' leader does in the background: running bulk actions (so they go
 * on whatever happens to the API process that created them) and applying the retention policy
 * about once a minute. Only the process that leads the reconciler does it; a bulk action is
 * also held by a lease of its own, so a second runner (a sweep, a leader for a moment) never
 * runs the same one. Idle, it looks for work every `idleMs`.
 */
export function startAdminChores (options: { pool: Pool, queue: DocumentQueueService, logger: Logger, isLeading: () => boolean, idleMs: number }): AdminChores {
  const { pool, queue, logger, isLeading, idleMs } = options
  const deps = { pool, queue, logger, runner: queue.workerId }
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> = Promise.resolve()
  let retentionDueAt = 0

  const round = async (): Promise<boolean> => {
    if (!isLeading()) return false
    let busy = false
    try {
      const batches = await runBulkActions({ ...deps, leaseMs: BULK_LEASE_MS, batchSize: BULK_BATCH_SIZE }, {
        maxBatches: BULK_BATCHES_PER_ROUND, shouldStop: () => stopped || !isLeading()
      })
      busy = batches === BULK_BATCHES_PER_ROUND
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'bulk actions not run; retrying shortly')
    }
    if (Date.now() >= retentionDueAt) {
      retentionDueAt = Date.now() + RETENTION_INTERVAL_MS
      await applyRetention(deps, RETENTION_LIMITS).catch((error: Error) => {
        logger.warn({ err: error.message }, 'retention policy not applied; retrying next time')
      })
    }
    return busy
  }

  const schedule = (delayMs: number): void => {
    if (stopped) return
    timer = setTimeout(() => {
      running = round().then((busy) => { schedule(busy ? 0 : idleMs) }, () => { schedule(idleMs) })
    }, delayMs)
  }
  schedule(idleMs)

  return {
    stop: async () => {
      stopped = true
      clearTimeout(timer)
      await running
    }
  }
}

/**
 * The leader's admin work, once and bounded, for deployments that only sweep (`npm run sweep`,
 * `POST /cron/process`): some batches of the bulk actions, and one pass of the retention policy.
 */
export async function adminChoresOnce (options: { pool: Pool, queue: DocumentQueueService, logger: Logger }): Promise<void> {
  const deps = { ...options, runner: options.queue.workerId }
  await runBulkActions({ ...deps, leaseMs: BULK_LEASE_MS, batchSize: BULK_BATCH_SIZE }, { maxBatches: SWEEP_BULK_BATCHES })
  await applyRetention(deps, RETENTION_LIMITS)
}
