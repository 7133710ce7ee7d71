import { loadConfig } from '../../src/config.js'
import { openInfrastructure } from '../../src/infrastructure.js'
import { createLogger } from '../../src/logger.js'
import { onShutdownSignal } from '../../src/shutdown.js'
import { startWorkerProcess } from '../../src/worker-process.js'
import { createFaultInjector, FAULT_WORKER_READY } from './fault-injector.js'

// A worker process like `npm run start:worker`, with the fault injector hooked into its runner:
// documents named with fault markers misbehave. For the reliability tests only.
const config = loadConfig(process.env)
const logger = createLogger(config.LOG_LEVEL, 'docqueue-fault-worker')
const infra = await openInfrastructure(config, logger)
const worker = startWorkerProcess(infra, { hooks: createFaultInjector() })
// The harness waits for this line to know the worker is consuming.
logger.warn(FAULT_WORKER_READY)
onShutdownSignal(logger, async () => {
  await worker.close(config.SHUTDOWN_GRACE_MS)
  await infra.close()
})
