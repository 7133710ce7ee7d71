import { loadConfig } from './config.js'
import { createLogger } from './logger.js'
import { createRuntime } from './runtime.js'
import { serveApi } from './serve-api.js'
import { onShutdownSignal } from './shutdown.js'

// The API alone: the production split, with workers in their own processes (worker.ts).
const config = loadConfig(process.env)
const logger = createLogger(config.LOG_LEVEL, 'docqueue-api')
const runtime = await createRuntime(config, logger)
const app = await serveApi(runtime)
onShutdownSignal(logger, async () => {
  // Fastify stops accepting connections and lets in-flight requests finish.
  await app.close()
  await runtime.close()
})
