import { readFileSync } from 'node:fs'
import type { Worker } from 'bullmq'
import { createWorkerConnection } from './queue/redis.js'
import type { Runtime } from './runtime.js'
import { createDocumentWorker } from './workers/document-worker.js'
import { startHeartbeat } from './workers/heartbeat.js'
import { startReconciler } from './workers/reconciler.js'
import type { RunOutcome } from './workers/run-queue-item.js'

export interface RunningWorker {
  worker: Worker<unknown, RunOutcome>
  /**
   * Stops taking jobs and lets active ones finish for up to `graceMs`; items still running then
   * are released back to pending without spending an attempt, for another worker to take.
   */
  close: (graceMs: number) => Promise<void>
}

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }

/**
 * Starts a BullMQ worker, its heartbeat and the queue reconciler in this process on the
 * runtime's queue.
 */
export function startWorker (runtime: Runtime): RunningWorker {
  const { config, logger, runnerDeps, queueService } = runtime
  const connection = createWorkerConnection(config.REDIS_URL, logger)
  // Only processes that extract load the parsers; the API never does.
  runtime.processor.warmUp()
  // Beating before the first claim: from then on, this worker's death is noticed in seconds.
  const heartbeat = startHeartbeat({
    pool: runtime.pool,
    worker: runtime.worker,
    version,
    concurrency: config.WORKER_CONCURRENCY,
    heldItems: () => [...runnerDeps.active].map((item) => item.id),
    intervalMs: config.WORKER_HEARTBEAT_MS,
    logger
  })
  const { worker, idle } = createDocumentWorker({ ...runnerDeps, connection, prefix: config.QUEUE_PREFIX, concurrency: config.WORKER_CONCURRENCY })
  worker.run().catch((error: Error) => logger.error({ err: error }, 'worker stopped with an error'))
  const reconciler = startReconciler({ pool: runtime.pool, queue: queueService, logger, intervalMs: config.RECONCILE_INTERVAL_MS })
  logger.info({ concurrency: config.WORKER_CONCURRENCY, worker: queueService.workerId }, 'worker started')
  let closing: Promise<void> | undefined
  return {
    worker: worker as Worker<unknown, RunOutcome>,
    close: async (graceMs) => {
      closing ??= stop(graceMs)
      await closing
    }
  }

  async function stop (graceMs: number): Promise<void> {
    await reconciler.stop()
    // Stop fetching jobs at once, then wait for the running ones ourselves: BullMQ's own waits
    // cannot be cut short (close() is memoized, pause() reconnects when it is done).
    await worker.pause(true)
    const drained = idle().then(() => 'drained' as const)
    let timer: NodeJS.Timeout | undefined
    const graceOver = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), graceMs) })
    const outcome = await Promise.race([drained, graceOver])
    clearTimeout(timer)
    // Closed before releasing: a paused worker may still receive the job its blocking fetch was
    // waiting for, and must not take the released items' new wake-ups.
    await worker.close(true).catch(() => {})
    if (outcome === 'timeout') {
      const held = [...runnerDeps.active]
      const released = await Promise.all(held.map(async (item) => await queueService.release(item).catch(() => false)))
      logger.warn({ released: released.filter(Boolean).length, held: held.length }, 'grace period over; unfinished items released')
    }
    await heartbeat.stop()
    connection.disconnect()
  }
}
