import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import type { AnyInfrastructure } from './infrastructure.js'
import { withTimeout } from './lib/with-timeout.js'
import { startWorkerMetricsEndpoint } from './metrics/worker-metrics-endpoint.js'
import { startAdminChores } from './worker/admin-chores.js'
import { createConfiguredProcessor } from './worker/configured-processor.js'
import { startHeartbeat } from './worker/heartbeat.js'
import { startReconciler } from './worker/reconciler.js'
import type { ItemRunnerDeps, RunnerHooks } from './worker/run-queue-item.js'
import { startWakeUpReceiver } from './worker/wake-up-receiver.js'
import { startWebhookChores } from './webhooks/webhook-chores.js'
import { webhookPolicy } from './webhooks/webhook-policy.js'

export interface WorkerProcess {
  /**
   * Stops taking items and lets running ones finish for up to `graceMs`; items still running
   * then are released back to pending without spending an attempt, for another worker to take.
   * Closes the extraction processes; the infrastructure stays open.
   */
  close: (graceMs: number) => Promise<void>
  /** Where its metrics listener listens (rejects if it cannot); undefined with WORKER_METRICS_PORT unset. */
  metricsAddress: Promise<AddressInfo> | undefined
}

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }

/**
 * Makes this process a worker: extraction processes, a heartbeat, a wake-up consumer that runs
 * items, and the reconciler (which leads in one worker at a time) with the leader's admin chores:
 * bulk actions and the retention policy.
 */
export function startWorkerProcess (infra: AnyInfrastructure, options: { hooks?: RunnerHooks } = {}): WorkerProcess {
  const { config, logger, queue, pool } = infra
  const processor = createConfiguredProcessor(config)
  const metrics = startWorkerMetricsEndpoint(config, logger, queue)
  const runner: ItemRunnerDeps = { queue, processor, logger, leaseMs: config.LEASE_MS, active: new Set(), hooks: options.hooks, observer: metrics?.observer }
  // Parsers load in the extraction processes ahead of the first item rather than during it.
  processor.warmUp()
  // Beating before the first claim: from then on, this worker's death is noticed in seconds.
  const heartbeat = startHeartbeat({
    pool,
    worker: infra.identity,
    version,
    concurrency: config.WORKER_CONCURRENCY,
    heldItems: () => [...runner.active].map((item) => item.id),
    intervalMs: config.WORKER_HEARTBEAT_MS,
    logger
  })
  const receiver = startWakeUpReceiver(infra, runner)
  const reconciler = startReconciler({ pool, queue, logger, intervalMs: config.RECONCILE_INTERVAL_MS, observer: metrics?.observer })
  const adminChores = startAdminChores({ pool, queue, logger, isLeading: reconciler.isLeading, idleMs: config.RECONCILE_INTERVAL_MS })
  const webhookChores = startWebhookChores({ pool, logger, isLeading: reconciler.isLeading, intervalMs: config.WEBHOOK_POLL_MS, policy: webhookPolicy(config), retentionDays: config.EVENTS_RETENTION_DAYS })
  logger.info({ concurrency: config.WORKER_CONCURRENCY, worker: queue.workerId }, 'worker started')
  let closing: Promise<void> | undefined
  return {
    close: async (graceMs) => {
      closing ??= stop(graceMs)
      await closing
    },
    metricsAddress: metrics?.address
  }

  async function stop (graceMs: number): Promise<void> {
    await adminChores.stop()
    await webhookChores.stop()
    await reconciler.stop()
    await receiver.stopFetching()
    const outcome = await withTimeout(receiver.idle().then(() => 'drained' as const), graceMs, (): 'timeout' => 'timeout')
    // Closed before releasing: a stopped receiver may still get the wake-up it was fetching, and
    // must not take the released items' new wake-ups.
    await receiver.close()
    if (outcome === 'timeout') {
      const held = [...runner.active]
      const released = await Promise.all(held.map(async (item) => await queue.release(item).catch(() => false)))
      logger.warn({ released: released.filter(Boolean).length, held: held.length }, 'grace period over; unfinished items released')
    }
    await heartbeat.stop()
    await processor.close()
    await metrics?.close()
  }
}
