import { serveApi } from '../api-process.js'
import { tracingExport } from '../config.js'
import { openInfrastructure } from '../infrastructure.js'
import { createLogger } from '../logger.js'
import { onShutdownSignal } from '../shutdown.js'
import { openTracing } from '../tracing/open-tracing.js'
import { runCommand } from './command.js'

const usage = `usage: npm run start:api
The API alone, the production split, with workers in their own processes (npm run start:worker).
The database must exist: run npm run migrate first.`

await runCommand({ usage }, async ({ config }) => {
  const logger = createLogger(config.LOG_LEVEL, 'docqueue-api')
  const tracing = await openTracing(tracingExport(config), 'docqueue-api', logger)
  const infra = await openInfrastructure(config, logger)
  const app = await serveApi(infra)
  onShutdownSignal(logger, async () => {
    // Fastify stops accepting connections and lets in-flight requests finish.
    await app.close()
    await infra.close()
    await tracing.shutdown()
  })
})
