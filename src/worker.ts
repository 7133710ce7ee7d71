import { loadConfig } from './config.js'
import { createLogger } from './logger.js'
import { createRuntime } from './runtime.js'
import { startWorker } from './start-worker.js'
import { onShutdownSignal } from './shutdown.js'

// A worker process: scale these horizontally; they share nothing but Postgres and Redis.
const config = loadConfig(process.env)
const logger = createLogger(config.LOG_LEVEL, 'docqueue-worker')
const runtime = await createRuntime(config, logger)
const worker = startWorker(runtime)
onShutdownSignal(logger, async () => {
  await worker.close(config.SHUTDOWN_GRACE_MS)
  await runtime.close()
})
