import type { FastifyInstance } from 'fastify'
import { buildApp, type AppOptions } from './app.js'
import type { Config } from './config.js'
import { trustProxyOption } from './routes/http-server-options.js'
import type { Runtime } from './runtime.js'

/** The settings of the HTTP app that come from the configuration alone. */
export function appSettings (config: Config): Omit<AppOptions, 'logger' | 'redis' | 'documents' | 'apiKeys' | 'health' | 'search' | 'sweep'> {
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
    cronSecret: config.CRON_SECRET
  }
}

/** The HTTP app on a runtime's services and configuration; not listening yet. */
export async function buildRuntimeApp (runtime: Runtime): Promise<FastifyInstance> {
  return await buildApp({
    ...appSettings(runtime.config),
    logger: runtime.logger,
    redis: runtime.producer,
    documents: runtime.documents,
    apiKeys: runtime.apiKeys,
    health: runtime.health,
    search: runtime.search,
    sweep: runtime.sweep
  })
}

/** Builds the app, creates the first API key on an empty database, and listens. */
export async function serveApi (runtime: Runtime): Promise<FastifyInstance> {
  const app = await buildRuntimeApp(runtime)
  const bootstrap = await runtime.apiKeys.createBootstrapKey()
  if (bootstrap !== undefined) {
    // Shown once so that a newcomer can call the API straight away; only its hash is stored.
    runtime.logger.info({ tenant: bootstrap.tenant, apiKey: bootstrap.key }, 'created the first API key; keep it, it is not shown again')
  }
  await app.listen({ port: runtime.config.PORT, host: runtime.config.HOST })
  return app
}
