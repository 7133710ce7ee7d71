import { serveApi } from '../api-process.js'
import { loadConfig } from '../config.js'
import { openInfrastructure } from '../infrastructure.js'
import { createLogger } from '../logger.js'
import { onShutdownSignal } from '../shutdown.js'

// `npm run start:api`: the API alone, the production split, with workers in their own processes.
const config = loadConfig(process.env)
const logger = createLogger(config.LOG_LEVEL, 'docqueue-api')
const infra = await openInfrastructure(config, logger)
const app = await serveApi(infra)
onShutdownSignal(logger, async () => {
  // Fastify stops accepting connections and lets in-flight requests finish.
  await app.close()
  await infra.close()
})
