import multipart from '@fastify/multipart'
import rateLimit from '@fastify/rate-limit'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Redis } from 'ioredis'
import { AppError } from './errors.js'
import { cronRoutes, type CronRoutesOptions } from './routes/cron.js'
import { documentResultRoutes } from './routes/document-results.js'
import { documentRoutes } from './routes/documents.js'
import { requireApiKey } from './routes/authenticate.js'
import { handleFrameworkError, registerErrorHandlers } from './routes/error-handler.js'
import { swaggerOptions } from './routes/openapi.js'
import { registerQueryGuards } from './routes/query-guards.js'
import { healthRoutes } from './routes/health.js'
import { queueRoutes } from './routes/queue.js'
import { searchRoutes } from './routes/search.js'
import type { ApiKeyService } from './services/api-key-service.js'
import type { DocumentService } from './services/document-service.js'
import type { HealthService } from './services/health-service.js'
import type { SearchService } from './services/search-service.js'

export interface AppOptions {
  logger: FastifyBaseLogger
  uploadMaxBytes: number
  uploadBufferBudgetBytes: number
  /** Requests per tenant per minute; 0 for no limit. */
  rateLimitPerMinute: number
  /** Where rate-limit counters live, shared by all API processes, under this key prefix. */
  redis: Redis
  redisPrefix: string
  cronSecret: string | undefined
  documents: DocumentService
  apiKeys: ApiKeyService
  health: HealthService
  search: SearchService
  sweep: CronRoutesOptions['sweep']
}

/** Builds the HTTP app with every route registered; it does not listen (see server.ts). */
export async function buildApp (options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger,
    // Clients may retry with the same request id; ours is generated and returned for support.
    genReqId: () => crypto.randomUUID(),
    requestIdHeader: false,
    // JSON bodies here are tiny; uploads are streamed through multipart, which has its own limit.
    bodyLimit: 64 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true } },
    frameworkErrors: handleFrameworkError
  }).withTypeProvider<TypeBoxTypeProvider>()

  registerErrorHandlers(app)
  registerQueryGuards(app)
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff')
  })

  await app.register(swagger, swaggerOptions)
  await app.register(swaggerUi, { routePrefix: '/docs' })
  await app.register(multipart)

  await app.register(healthRoutes, { health: options.health })
  await app.register(cronRoutes, { cronSecret: options.cronSecret, sweep: options.sweep })
  await app.register(async (api) => {
    requireApiKey(api, options.apiKeys)
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
        errorResponseBuilder: (_request, context) => new AppError('DOCQ_RATE_LIMITED', `rate limit of ${context.max} requests per minute exceeded; retry in ${context.after}`)
      })
    }
    await api.register(documentRoutes, {
      documents: options.documents, uploadMaxBytes: options.uploadMaxBytes, uploadBufferBudgetBytes: options.uploadBufferBudgetBytes
    })
    await api.register(documentResultRoutes, { documents: options.documents })
    await api.register(queueRoutes, { documents: options.documents })
    await api.register(searchRoutes, { search: options.search })
  })
  return app
}
