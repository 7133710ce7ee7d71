import { serveApi } from '../api-process.js'
import { tracingExport } from '../config.js'
import { openInfrastructure } from '../infrastructure.js'
import { createLogger } from '../logger.js'
import { onShutdownSignal } from '../shutdown.js'
import { openTracing } from '../tracing/open-tracing.js'
import { startWorkerProcess } from '../worker-process.js'
import { awaitMetricsListener } from './await-metrics-listener.js'
import { runCommand } from './command.js'

const usage = `usage: npm start
The API and a worker in one process, for a laptop or a demo. Creates and migrates the database
named in DATABASE_URL on its first run.`

await runCommand({ usage }, async ({ config }) => {
  const logger = createLogger(config.LOG_LEVEL, 'docqueue')
  const tracing = await openTracing(tracingExport(config), 'docqueue', logger)
  const infra = await openInfrastructure(config, logger, { createDatabase: true })
  const app = await serveApi(infra)
  const worker = startWorkerProcess(infra)
  await awaitMetricsListener(worker, async () => {
    await app.close()
    await worker.close(0)
    await infra.close()
    await tracing.shutdown()
  })
  onShutdownSignal(logger, async () => {
    await app.close()
    await worker.close(config.SHUTDOWN_GRACE_MS)
    await infra.close()
    await tracing.shutdown()
  })
})
