import type { Logger } from 'pino'
import type { Pool } from '../db/pool.js'
import { deleteOldEvents } from '../events/document-events.js'
import { deliverDueWebhooks, type WebhookPolicy } from './deliver-webhooks.js'
import { deleteOldDeliveries } from './webhook-store.js'

/** Batches of deliveries per round, before the loop looks at leadership and retention again. */
const BATCHES_PER_ROUND = 10
const RETENTION_INTERVAL_MS = 10 * 60_000
/** Rows deleted per table and pass, so that a large backlog never holds a long transaction. */
const RETENTION_BATCH = 5_000

export interface WebhookChores {
  stop: () => Promise<void>
}

/**
 * The workers' leader sends due webhook deliveries every `intervalMs` (at once again while there
 * are more), and about every ten minutes deletes events and finished deliveries older than
 * `retentionDays`. Everything it needs is in Postgres, so a new leader carries on where another
 * stopped; a delivery another sender holds is skipped (see takeDueDeliveries).
 */
export function startWebhookChores (options: { pool: Pool, logger: Logger, isLeading: () => boolean, intervalMs: number, policy: WebhookPolicy, retentionDays: number }): WebhookChores {
  const { pool, logger, isLeading, intervalMs, policy, retentionDays } = options
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> = Promise.resolve()
  let retentionDueAt = 0

  const round = async (): Promise<void> => {
    if (!isLeading()) return
    await deliverDueWebhooks({ pool, logger, policy }, BATCHES_PER_ROUND).catch((error: Error) => {
      logger.warn({ err: error.message }, 'webhooks not sent; retrying shortly')
    })
    if (Date.now() < retentionDueAt) return
    retentionDueAt = Date.now() + RETENTION_INTERVAL_MS
    try {
      const events = await deleteOldEvents(pool, retentionDays, RETENTION_BATCH)
      const deliveries = await deleteOldDeliveries(pool, retentionDays, RETENTION_BATCH)
      if (events + deliveries > 0) logger.info({ events, deliveries, retentionDays }, 'deleted old document events and webhook deliveries')
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'old events not deleted; retrying next time')
    }
  }

  const schedule = (): void => {
    if (stopped) return
    timer = setTimeout(() => { running = round().finally(schedule) }, intervalMs)
  }
  schedule()

  return {
    stop: async () => {
      stopped = true
      clearTimeout(timer)
      await running
    }
  }
}
