import type { AnyInfrastructure } from '../infrastructure.js'
import { InProcessWakeUps } from '../queue/in-process-wake-ups.js'
import { createWorkerConnection } from '../queue/redis.js'
import { runQueueItem, type ItemRunnerDeps } from './run-queue-item.js'
import { createWakeUpConsumer } from './wake-up-consumer.js'

/** Where a worker gets its wake-ups: BullMQ on Redis, or the in-process channel of the embedded mode. */
export interface WakeUpReceiver {
  /** Takes no new wake-up; running items go on. */
  stopFetching: () => Promise<void>
  /** Resolves once no item is running. */
  idle: () => Promise<void>
  /** Lets go of the channel (the Redis connection, for BullMQ). */
  close: () => Promise<void>
}

/** Starts receiving wake-ups for this worker, each run through {@link runQueueItem}. */
export function startWakeUpReceiver (infra: AnyInfrastructure, runner: ItemRunnerDeps): WakeUpReceiver {
  const { config, logger, wakeUps } = infra
  if (wakeUps instanceof InProcessWakeUps) {
    wakeUps.consume(async (data) => await runQueueItem(runner, { id: data.itemId }), config.WORKER_CONCURRENCY)
    return {
      stopFetching: async () => { wakeUps.stopFetching() },
      idle: async () => { await wakeUps.idle() },
      close: async () => {}
    }
  }
  const connection = createWorkerConnection(config.REDIS_URL, logger)
  const consumer = createWakeUpConsumer({ ...runner, connection, prefix: config.QUEUE_PREFIX, concurrency: config.WORKER_CONCURRENCY })
  consumer.bullWorker.run().catch((error: Error) => logger.error({ err: error }, 'wake-up consumer stopped with an error'))
  return {
    // Stop fetching at once, then wait for the running items ourselves: BullMQ's own waits
    // cannot be cut short (close() is memoized, pause() reconnects when it is done).
    stopFetching: async () => { await consumer.bullWorker.pause(true) },
    idle: consumer.idle,
    close: async () => {
      await consumer.bullWorker.close(true).catch(() => {})
      connection.disconnect()
    }
  }
}
