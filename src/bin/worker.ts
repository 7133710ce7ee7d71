import { loadConfig } from '../config.js'
import { openInfrastructure } from '../infrastructure.js'
import { createLogger } from '../logger.js'
import { onShutdownSignal } from '../shutdown.js'
import { startWorkerProcess } from '../worker-process.js'

// `npm run start:worker`: a worker process. Scale these horizontally; they share nothing but
// Postgres and Redis.
const config = loadConfig(process.env)
const logger = createLogger(config.LOG_LEVEL, 'docqueue-worker')
const infra = await openInfrastructure(config, logger)
const worker = startWorkerProcess(infra)
onShutdownSignal(logger, async () => {
  await worker.close(config.SHUTDOWN_GRACE_MS)
  await infra.close()
})
