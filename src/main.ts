import { loadConfig } from './config.js'
import { createLogger } from './logger.js'
import { createRuntime } from './runtime.js'
import { startWorker } from './start-worker.js'
import { serveApi } from './serve-api.js'
import { onShutdownSignal } from './shutdown.js'

// `npm start`: the API and a worker in one process, for a laptop or a demo.
const config = loadConfig(process.env)
const logger = createLogger(config.LOG_LEVEL, 'docqueue')
const runtime = await createRuntime(config, logger)
const app = await serveApi(runtime)
const worker = startWorker(runtime)
onShutdownSignal(logger, async () => {
  await app.close()
  await worker.close(config.SHUTDOWN_GRACE_MS)
  await runtime.close()
})
