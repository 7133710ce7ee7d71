import { serveApi } from '../api-process.js'
import { tracingExport } from '../config.js'
import { serveControlChannel } from '../embedded/control-channel.js'
import { embeddedNotice } from '../embedded/embedded-notice.js'
import { openEmbeddedInfrastructure, type EmbeddedInfrastructure } from '../embedded/embedded-infrastructure.js'
import { openInfrastructure, type AnyInfrastructure } from '../infrastructure.js'
import { createLogger } from '../logger.js'
import { onShutdownSignal } from '../shutdown.js'
import { openTracing } from '../tracing/open-tracing.js'
import { startWorkerProcess } from '../worker-process.js'
import { awaitMetricsListener } from './await-metrics-listener.js'
import { runCommand } from './command.js'
import { runMaintenance } from './maintenance-request.js'
import { chooseStartMode } from './start-mode.js'

const usage = `usage: npm start
The API and a worker in one process, for a laptop or a demo. Creates and migrates the database
named in DATABASE_URL on its first run. With no DATABASE_URL or REDIS_URL set and no server
answering on localhost, runs embedded: PGlite in the process, data in DATA_DIR (see the README).`

await runCommand({ usage }, async ({ config }) => {
  const logger = createLogger(config.LOG_LEVEL, 'docqueue')
  const tracing = await openTracing(tracingExport(config), 'docqueue', logger)
  let closeControlChannel = async (): Promise<void> => {}
  const infra = await openStartInfrastructure()
  const app = await serveApi(infra)
  const worker = startWorkerProcess(infra)
  await awaitMetricsListener(worker, async () => {
    await closeControlChannel()
    await app.close()
    await worker.close(0)
    await infra.close()
    await tracing.shutdown()
  })
  onShutdownSignal(logger, async () => {
    await closeControlChannel()
    await app.close()
    await worker.close(config.SHUTDOWN_GRACE_MS)
    await infra.close()
    await tracing.shutdown()
  })

  async function openStartInfrastructure (): Promise<AnyInfrastructure> {
    if (await chooseStartMode(config, process.env) === 'servers') return await openInfrastructure(config, logger, { createDatabase: true })
    const embedded = await openEmbeddedInfrastructure(config, logger)
    closeControlChannel = await serveMaintenance(embedded)
    process.stderr.write(embeddedNotice(embedded.dataDir))
    logger.info({ mode: 'embedded', dataDir: embedded.dataDir }, 'running embedded: PGlite and in-process wake-ups, no Redis')
    return embedded
  }

  /**
   * Lets `npm run admins`, `keys` and `sweep` work on the data while this process holds it, so
   * that the first admin account is created without stopping the service. Where the socket
   * cannot be made (a DATA_DIR path too long for a Unix socket, say) the service still runs, and
   * those commands ask for it to be stopped.
   */
  async function serveMaintenance (embedded: EmbeddedInfrastructure): Promise<() => Promise<void>> {
    try {
      return await serveControlChannel(embedded.dataDir, async (request, print) => { await runMaintenance(embedded, request, print) }, logger)
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'no control channel: npm run admins, keys and sweep cannot reach this process')
      return async () => {}
    }
  }
})
