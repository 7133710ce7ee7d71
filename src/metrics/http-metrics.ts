import type { FastifyInstance } from 'fastify'
import type { ApiMetrics } from './api-metrics.js'
import { METRICS_PATH } from './metrics-access.js'

const UPLOAD_ROUTE = '/documents'

/**
 * Measures every answer of `app` (register before the routes, so that it covers them all) by its
 * route pattern, except the scrapes themselves: Prometheus's own polling would otherwise be the
 * steadiest traffic on the graph. Upload sizes are taken from the document an upload answers
 * with, before serialization, so the upload route itself knows nothing of metrics.
 */
export function registerHttpMetrics (app: FastifyInstance, metrics: ApiMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url
    if (route === METRICS_PATH) return
    // A request no route matched is one series, whatever URL it asked for.
    metrics.observeRequest({ method: request.method, route: route ?? 'unmatched', status: reply.statusCode }, reply.elapsedTime / 1000)
  })
  app.addHook('preSerialization', async (request, reply, payload: unknown) => {
    const isStoredUpload = request.method === 'POST' && request.routeOptions.url === UPLOAD_ROUTE && reply.statusCode === 202 &&
      reply.getHeader('idempotent-replayed') === undefined
    if (isStoredUpload) metrics.observeUpload((payload as { size: number }).size)
    return payload
  })
}
