import type { WorkerProcess } from '../worker-process.js'

/**
 * Waits until a worker's metrics listener listens, if it has one. When it cannot (its port is
 * taken), stops what was started and fails the command, rather than leave running a worker that
 * nobody can watch.
 */
export async function awaitMetricsListener (worker: WorkerProcess, stopStarted: () => Promise<void>): Promise<void> {
  try {
    await worker.metricsAddress
  } catch (error) {
    await stopStarted()
    throw error
  }
}
