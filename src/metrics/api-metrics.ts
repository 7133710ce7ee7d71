import { collectDefaultMetrics, Histogram, Registry } from 'prom-client'
import type { Queryable } from '../db/pool.js'
import { registerQueueGauges } from './queue-gauges.js'
import { registerUndeliveredWakeUps } from './wake-up-metrics.js'

/** Upload sizes from 1 KiB to 64 MiB, by fours: the 25 MiB default limit falls in the last but one. */
const UPLOAD_BYTES_BUCKETS = [1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216, 67_108_864]

/** What an API process exports at /metrics: its own HTTP traffic, the wake-ups it could not send and the queue it serves. */
export interface ApiMetrics {
  registry: Registry
  /** One answered request: its route pattern (never the raw URL, whose ids would be endless series). */
  observeRequest: (labels: { method: string, route: string, status: number }, seconds: number) => void
  /** One upload accepted and stored (a replay of an earlier one is not counted again). */
  observeUpload: (bytes: number) => void
}

export function createApiMetrics (db: Queryable, queue: { readonly undeliveredWakeUps: number }): ApiMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  registerQueueGauges(registry, db)
  registerUndeliveredWakeUps(registry, queue)
  const requests = new Histogram({
    name: 'docqueue_http_request_duration_seconds',
    help: 'Time from receiving a request to having sent its answer, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry]
  })
  const uploads = new Histogram({
    name: 'docqueue_upload_size_bytes',
    help: 'Size of the documents uploaded and stored',
    buckets: UPLOAD_BYTES_BUCKETS,
    registers: [registry]
  })
  return {
    registry,
    observeRequest: ({ method, route, status }, seconds) => { requests.observe({ method, route, status: String(status) }, seconds) },
    observeUpload: (bytes) => { uploads.observe(bytes) }
  }
}
