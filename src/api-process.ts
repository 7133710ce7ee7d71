import type { FastifyInstance } from 'fastify'
import { buildApp, type AppOptions } from './app.js'
import { tracingExport, type Config } from './config.js'
import type { AnyInfrastructure } from './infrastructure.js'
import { DocumentEventHub } from './events/event-hub.js'
import { createApiMetrics } from './metrics/api-metrics.js'
import { trustProxyOption } from './routes/http-server-options.js'
import { ApiKeyService } from './services/api-key-service.js'
import { DocumentService } from './services/document-service.js'
import { HealthService } from './services/health-service.js'
import { SearchService } from './services/search-service.js'
import { WebhookService } from './webhooks/webhook-service.js'
import { createSweeper } from './worker/sweep.js'

/** The settings of the HTTP app that come from the configuration alone. */
export function appSettings (config: Config): Omit<AppOptions, 'logger' | 'redis' | 'pool' | 'overview' | 'documents' | 'apiKeys' | 'health' | 'search' | 'events' | 'webhooks' | 'sweep' | 'metrics'> {
  return {
    uploadMaxBytes: config.UPLOAD_MAX_BYTES,
    uploadBufferBudgetBytes: config.UPLOAD_BUFFER_BUDGET_BYTES,
    uploadTenantShare: config.UPLOAD_TENANT_BUDGET_SHARE,
    uploadMinRate: { bytesPerSecond: config.UPLOAD_MIN_BYTES_PER_SECOND, windowMs: config.UPLOAD_MIN_RATE_WINDOW_MS },
    httpTimeouts: {
      headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: config.HTTP_KEEP_ALIVE_TIMEOUT_MS
    },
    trustProxy: trustProxyOption(config.TRUST_PROXY),
    rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
    authFailures: { maxFailures: config.AUTH_FAILURES_PER_ADDRESS, windowMs: config.AUTH_FAILURE_WINDOW_MS },
    redisPrefix: config.QUEUE_PREFIX,
    cronSecret: config.CRON_SECRET,
    eventsHeartbeatMs: config.EVENTS_HEARTBEAT_MS,
    metricsToken: config.METRICS_TOKEN,
    traceRequests: tracingExport(config) !== undefined,
    admin: {
      sessionLimits: { idleMs: config.ADMIN_SESSION_IDLE_MS, maxMs: config.ADMIN_SESSION_MAX_MS },
      loginFailures: { maxFailures: config.ADMIN_LOGIN_FAILURES, windowMs: config.ADMIN_LOGIN_WINDOW_MS }
    }
  }
}

/** What the API serves, over the shared infrastructure. */
export interface ApiServices {
  documents: DocumentService
  apiKeys: ApiKeyService
  health: HealthService
  search: SearchService
  events: DocumentEventHub
  webhooks: WebhookService
}

export function createApiServices (infra: AnyInfrastructure): ApiServices {
  const { pool, queue, redis, config } = infra
  return {
    documents: new DocumentService({ pool, queue }),
    apiKeys: new ApiKeyService(pool, { cacheMs: config.API_KEY_CACHE_MS }),
    health: new HealthService({ pool, redis }),
    search: new SearchService(pool),
    events: new DocumentEventHub({ pool, databaseUrl: config.DATABASE_URL, listen: infra.listenForEvents, logger: infra.logger, maxStreamsPerTenant: config.EVENTS_MAX_STREAMS_PER_TENANT }),
    webhooks: new WebhookService({ pool, maxEndpoints: config.WEBHOOK_MAX_ENDPOINTS })
  }
}

/**
 * The HTTP app on an infrastructure, not listening yet. `POST /cron/process` sweeps in this
 * process, and is served only with a CRON_SECRET: without one, the API never starts an
 * extraction process. The sweeper closes with the app.
 */
export async function buildApiApp (infra: AnyInfrastructure, services: ApiServices = createApiServices(infra)): Promise<FastifyInstance> {
  const sweeper = infra.config.CRON_SECRET === undefined ? undefined : createSweeper(infra)
  const app = await buildApp({
    ...appSettings(infra.config),
    ...services,
    logger: infra.logger,
    redis: infra.redis,
    pool: infra.pool,
    metrics: createApiMetrics(infra.pool, infra.queue),
    overview: { config: infra.config, pool: infra.pool, queue: infra.queue, wakeUps: infra.wakeUps, redis: infra.redis, health: services.health },
    sweep: sweeper?.sweep
  })
  if (sweeper !== undefined) app.addHook('onClose', sweeper.close)
  // Open event streams would hold the server's close forever: they end first, and their clients reconnect.
  app.addHook('preClose', async () => { await services.events.close() })
  return app
}

/** Builds the app, creates the first API key on an empty database, and listens. */
export async function serveApi (infra: AnyInfrastructure): Promise<FastifyInstance> {
  const services = createApiServices(infra)
  const app = await buildApiApp(infra, services)
  const bootstrap = await services.apiKeys.createBootstrapKey()
  if (bootstrap !== undefined) {
    // Shown once so that a newcomer can call the API straight away; only its hash is stored. It
    // goes to the terminal, whatever LOG_LEVEL says, and never into the logs, which are shipped
    // and kept where a secret should not be.
    process.stderr.write(`created the first API key, for tenant ${bootstrap.tenant}; keep it, it is not shown again:\n${bootstrap.key}\n`)
    infra.logger.info({ tenant: bootstrap.tenant }, 'created the first API key (printed on the terminal)')
  }
  await app.listen({ port: infra.config.PORT, host: infra.config.HOST })
  return app
}
