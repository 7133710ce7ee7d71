import multipart from '@fastify/multipart'
import rateLimit from '@fastify/rate-limit'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Redis } from 'ioredis'
import { adminRoutes, type AdminRoutesOptions } from './admin/admin-routes.js'
import type { OverviewDeps } from './admin/overview/load-overview.js'
import type { Pool } from './db/pool.js'
import { AppError } from './errors.js'
import type { ApiMetrics } from './metrics/api-metrics.js'
import { registerHttpMetrics } from './metrics/http-metrics.js'
import { metricsRoute } from './metrics/metrics-route.js'
import type { MinimumBodyRate } from './routes/body-rate-guard.js'
import { closeUnreadBodies } from './routes/close-unread-bodies.js'
import { answerConnectionError } from './routes/connection-errors.js'
import { cronRoutes, type CronRoutesOptions } from './routes/cron.js'
import { documentResultRoutes } from './routes/document-results.js'
import { documentEventRoutes } from './routes/document-events.js'
import { documentRoutes } from './routes/documents.js'
import { requireApiKey } from './routes/authenticate.js'
import { handleFrameworkError, registerErrorHandlers } from './routes/error-handler.js'
import { swaggerOptions } from './routes/openapi.js'
import { registerQueryGuards } from './routes/query-guards.js'
import { healthRoutes } from './routes/health.js'
import { httpServerOptions, type HttpTimeouts } from './routes/http-server-options.js'
import { queueRoutes } from './routes/queue.js'
import { RequestLogController } from './routes/request-log-controller.js'
import { searchRoutes } from './routes/search.js'
import { webhookRoutes } from './routes/webhooks.js'
import { registerRequestTracing } from './routes/request-tracing.js'
import { registerSecurityHeaders } from './routes/security-headers.js'
import type { ApiKeyService } from './services/api-key-service.js'
import { AuthFailureThrottle } from './services/auth-failure-throttle.js'
import type { DocumentEventHub } from './events/event-hub.js'
import type { DocumentService } from './services/document-service.js'
import type { HealthService } from './services/health-service.js'
import type { SearchService } from './services/search-service.js'
import type { WebhookService } from './webhooks/webhook-service.js'

export interface AppOptions {
  logger: FastifyBaseLogger
  uploadMaxBytes: number
  uploadBufferBudgetBytes: number
  /** The fraction (0 to 1] of the upload buffer budget that one tenant may hold. */
  uploadTenantShare: number
  /** The slowest an upload body may arrive before it is cut off. */
  uploadMinRate: MinimumBodyRate
  /** How long a client may take to send its request, and keep an idle connection. */
  httpTimeouts: HttpTimeouts
  /** Fastify's `trustProxy`: which proxies' X-Forwarded-* headers (client address, TLS) to believe. */
  trustProxy: boolean | string[]
  /** Requests per tenant per minute; 0 for no limit. */
  rateLimitPerMinute: number
  /** Failed authentications per client address per window before it gets 429; 0 for no limit. */
  authFailures: { maxFailures: number, windowMs: number }
  /**
   * Where rate-limit counters live, shared by all API processes, under this key prefix.
   * Undefined in the embedded mode: the one process counts requests in its memory.
   */
  redis: Redis | undefined
  redisPrefix: string
  cronSecret: string | undefined
  /** What /metrics exports, and the token it needs (unset: disabled). */
  metrics: ApiMetrics
  metricsToken: string | undefined
  /** Whether each request gets a span (the process exports traces). */
  traceRequests: boolean
  /** The admin UI's sessions and login throttle. */
  admin: Pick<AdminRoutesOptions, 'sessionLimits' | 'loginFailures'>
  pool: Pool
  /** What the admin overview reads. */
  overview: OverviewDeps
  documents: DocumentService
  apiKeys: ApiKeyService
  health: HealthService
  search: SearchService
  /** Live document events for `GET /documents/{id}/events`. */
  events: DocumentEventHub
  /** How often an idle event stream gets a heartbeat comment. */
  eventsHeartbeatMs: number
  /** Webhook endpoints, callbacks and deliveries. */
  webhooks: WebhookService
  sweep: CronRoutesOptions['sweep']
}

/** Builds the HTTP app with every route registered; it does not listen (see api-process.ts). */
export async function buildApp (options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger,
    // Clients may retry with the same request id; ours is generated and returned for support.
    genReqId: () => crypto.randomUUID(),
    requestIdHeader: false,
    logController: new RequestLogController(),
    ...httpServerOptions(options.httpTimeouts),
    trustProxy: options.trustProxy,
    // JSON bodies here are tiny; uploads are streamed through multipart, which has its own limit.
    bodyLimit: 64 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true } },
    frameworkErrors: handleFrameworkError,
    clientErrorHandler: answerConnectionError
  }).withTypeProvider<TypeBoxTypeProvider>()

  registerErrorHandlers(app)
  if (options.traceRequests) registerRequestTracing(app)
  registerHttpMetrics(app, options.metrics)
  registerQueryGuards(app)
  registerSecurityHeaders(app)
  closeUnreadBodies(app)

  await app.register(swagger, swaggerOptions)
  await app.register(swaggerUi, { routePrefix: '/docs' })
  await app.register(multipart)

  await app.register(healthRoutes, { health: options.health })
  await app.register(cronRoutes, { cronSecret: options.cronSecret, sweep: options.sweep })
  await app.register(metricsRoute, { metrics: options.metrics, metricsToken: options.metricsToken })
  await app.register(adminRoutes, { pool: options.pool, redis: options.redis, redisPrefix: options.redisPrefix, overview: options.overview, ...options.admin })
  await app.register(async (api) => {
    requireApiKey(api, options.apiKeys, new AuthFailureThrottle({ redis: options.redis, prefix: options.redisPrefix, ...options.authFailures }))
    if (options.rateLimitPerMinute > 0) {
      await api.register(rateLimit, {
        max: options.rateLimitPerMinute,
        timeWindow: 60_000,
        redis: options.redis,
        nameSpace: `${options.redisPrefix}:rate-limit:`,
        // A Redis outage must not take the API down with it: count nothing then.
        skipOnError: true,
        // After authentication, so the limit is per tenant rather than per address.
        hook: 'preHandler',
        keyGenerator: (request) => `tenant:${request.tenant}`,
        errorResponseBuilder: (_request, context) => new AppError('DOCQ_REQUEST_RATE_LIMITED', `rate limit of ${context.max} requests per minute exceeded; retry in ${context.after}`)
      })
    }
    await api.register(documentRoutes, {
      documents: options.documents,
      webhooks: options.webhooks,
      uploadMaxBytes: options.uploadMaxBytes,
      uploadBufferBudgetBytes: options.uploadBufferBudgetBytes,
      uploadTenantShare: options.uploadTenantShare,
      uploadMinRate: options.uploadMinRate
    })
    await api.register(documentResultRoutes, { documents: options.documents })
    await api.register(documentEventRoutes, { events: options.events, heartbeatMs: options.eventsHeartbeatMs })
    await api.register(queueRoutes, { documents: options.documents })
    await api.register(searchRoutes, { search: options.search })
    await api.register(webhookRoutes, { webhooks: options.webhooks })
  })
  return app
}
