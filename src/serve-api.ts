import type { FastifyInstance } from 'fastify'
import { buildApp } from './app.js'
import type { Runtime } from './runtime.js'

/** Builds the app on a runtime, creates the first API key on an empty database, and listens. */
export async function serveApi (runtime: Runtime): Promise<FastifyInstance> {
  const { config, logger } = runtime
  const app = await buildApp({
    logger,
    uploadMaxBytes: config.UPLOAD_MAX_BYTES,
    cronSecret: config.CRON_SECRET,
    documents: runtime.documents,
    apiKeys: runtime.apiKeys,
    health: runtime.health,
    search: runtime.search,
    sweep: runtime.sweep
  })
  const bootstrap = await runtime.apiKeys.createBootstrapKey()
  if (bootstrap !== undefined) {
    // Shown once so that a newcomer can call the API straight away; only its hash is stored.
    logger.info({ tenant: bootstrap.tenant, apiKey: bootstrap.key }, 'created the first API key; keep it, it is not shown again')
  }
  await app.listen({ port: config.PORT, host: config.HOST })
  return app
}
