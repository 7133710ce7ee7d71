import type { Logger } from 'pino'
import type { Pool } from '../db/pool.js'
import { deleteWorker, recordHeartbeat, type WorkerIdentity } from '../db/workers.js'

export interface Heartbeat {
  /** Stops beating and deletes the worker's row: call once the worker holds nothing. */
  stop: () => Promise<void>
}

/**
 * Keeps this worker's row in Postgres fresh every `intervalMs`, starting at once, with the
 * items it holds. The beat runs on the event loop while extraction runs in child processes,
 * so a worker busy with a long document keeps beating and is never taken for dead; one that is
 * killed, or whose event loop stays blocked, goes silent and its items are taken back.
 */
export function startHeartbeat (options: {
  pool: Pool
  worker: WorkerIdentity
  version: string
  concurrency: number
  /** Ids of the items this worker is working on: it vouches for them while it beats. */
  heldItems: () => string[]
  intervalMs: number
  logger: Logger
}): Heartbeat {
  const { pool, worker, version, concurrency, heldItems, intervalMs, logger } = options
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  // Logged once per outage rather than once per beat.
  let failing = false

  const beat = async (): Promise<void> => {
    try {
      await recordHeartbeat(pool, { worker, version, concurrency, heldItems: heldItems() })
      if (failing) logger.info({ worker: worker.id }, 'heartbeat written again')
      failing = false
    } catch (error) {
      if (!failing) logger.warn({ worker: worker.id, err: (error as Error).message }, 'heartbeat not written; retrying')
      failing = true
    }
  }

  let running: Promise<void> = Promise.resolve()
  // Chained rather than on an interval, so a slow Postgres never stacks beats up.
  const loop = (): void => {
    running = beat().finally(() => {
      if (!stopped) timer = setTimeout(loop, intervalMs)
    })
  }
  loop()

  return {
    stop: async () => {
      stopped = true
      clearTimeout(timer)
      await running
      await deleteWorker(pool, worker.id).catch((error: Error) => {
        logger.warn({ worker: worker.id, err: error.message }, 'heartbeat row not removed; it will be pruned once stale')
      })
    }
  }
}
