import { tracingExport } from '../config.js'
import { openInfrastructure } from '../infrastructure.js'
import { createLogger } from '../logger.js'
import { onShutdownSignal } from '../shutdown.js'
import { openTracing } from '../tracing/open-tracing.js'
import { startWorkerProcess } from '../worker-process.js'
import { awaitMetricsListener } from './await-metrics-listener.js'
import { runCommand } from './command.js'

const usage = `usage: npm run start:worker
A worker process. Scale these horizontally; they share nothing but Postgres and Redis.
The database must exist: run npm run migrate first.`

await runCommand({ usage }, async ({ config }) => {
  const logger = createLogger(config.LOG_LEVEL, 'docqueue-worker')
  const tracing = await openTracing(tracingExport(config), 'docqueue-worker', logger)
  const infra = await openInfrastructure(config, logger)
  const worker = startWorkerProcess(infra)
  await awaitMetricsListener(worker, async () => {
    await worker.close(0)
    await infra.close()
    await tracing.shutdown()
  })
  onShutdownSignal(logger, async () => {
    await worker.close(config.SHUTDOWN_GRACE_MS)
    await infra.close()
    await tracing.shutdown()
  })
})
