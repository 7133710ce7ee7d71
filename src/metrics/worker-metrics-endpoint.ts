import type { Logger } from 'pino'
import type { Config } from '../config.js'
import { startMetricsServer, type MetricsServer } from './metrics-server.js'
import { createWorkerMetrics } from './worker-metrics.js'
import type { RunObserver } from '../worker/run-observer.js'

export interface WorkerMetricsEndpoint extends MetricsServer {
  observer: RunObserver
}

/** A worker's metrics and the listener that serves them, or nothing when WORKER_METRICS_PORT is unset. */
export function startWorkerMetricsEndpoint (config: Config, logger: Logger, queue: { readonly undeliveredWakeUps: number }): WorkerMetricsEndpoint | undefined {
  if (config.WORKER_METRICS_PORT === undefined) return undefined
  const { registry, observer } = createWorkerMetrics(queue)
  const server = startMetricsServer({ host: config.METRICS_HOST, port: config.WORKER_METRICS_PORT, token: config.METRICS_TOKEN, registry, logger })
  server.address.then(({ address, port }) => { logger.info({ address, port }, 'worker metrics listening') }, () => {})
  return { ...server, observer }
}
