import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { AppError } from '../errors.js'
import { NoQuery, commonErrors, errorResponse } from '../routes/schemas.js'
import type { ApiMetrics } from './api-metrics.js'
import { METRICS_PATH, metricsRefusal } from './metrics-access.js'

export interface MetricsRouteOptions {
  metrics: ApiMetrics
  /** Unset disables the route: the API listens where tenants reach it, and its gauges name every tenant. */
  metricsToken: string | undefined
}

/** The API process's `/metrics` for Prometheus, behind its own token rather than an API key. */
export const metricsRoute: FastifyPluginAsyncTypebox<MetricsRouteOptions> = async (app, { metrics, metricsToken }) => {
  app.get(METRICS_PATH, {
    schema: {
      tags: ['health'],
      summary: 'Prometheus metrics of this API process and of the queue',
      description: 'Needs `Authorization: Bearer <METRICS_TOKEN>`; a tenant\'s API key is refused. Disabled (403) unless METRICS_TOKEN is set.',
      security: [{ metricsToken: [] }],
      operationId: 'getMetrics',
      querystring: NoQuery,
      response: {
        ...commonErrors,
        200: { description: 'The Prometheus text exposition format, version 0.0.4', content: { 'text/plain': { schema: Type.String() } } },
        401: errorResponse('No metrics token sent (DOCQ_AUTH_MISSING)'),
        403: errorResponse('The metrics token is wrong, or the route is disabled (DOCQ_METRICS_FORBIDDEN, DOCQ_METRICS_DISABLED)'),
        503: errorResponse('The database is unavailable (DOCQ_DATABASE_UNAVAILABLE); the queue gauges cannot be read')
      }
    }
  }, async (request, reply) => {
    if (metricsToken === undefined) throw new AppError('DOCQ_METRICS_DISABLED', 'the metrics endpoint is disabled; set METRICS_TOKEN to enable it')
    const refusal = metricsRefusal(request, metricsToken)
    if (refusal !== undefined) throw refusal
    const body = await metrics.registry.metrics()
    return await reply.type(metrics.registry.contentType).send(body)
  })
}
