import { serveApi } from '../api-process.js'
import { loadConfig } from '../config.js'
import { openInfrastructure } from '../infrastructure.js'
import { createLogger } from '../logger.js'
import { onShutdownSignal } from '../shutdown.js'
import { startWorkerProcess } from '../worker-process.js'

// `npm start`: the API and a worker in one process, for a laptop or a demo.
const config = loadConfig(process.env)
const logger = createLogger(config.LOG_LEVEL, 'docqueue')
const infra = await openInfrastructure(config, logger)
const app = await serveApi(infra)
const worker = startWorkerProcess(infra)
onShutdownSignal(logger, async () => {
  await app.close()
  await worker.close(config.SHUTDOWN_GRACE_MS)
  await infra.close()
})
