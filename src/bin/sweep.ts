import { tracingExport } from '../config.js'
import { openInfrastructure } from '../infrastructure.js'
import { createLogger } from '../logger.js'
import { openTracing } from '../tracing/open-tracing.js'
import { createSweeper } from '../worker/sweep.js'
import { runCommand } from './command.js'
import { maintainEmbeddedData } from './embedded-maintenance.js'
import { parseSweepLimit } from './maintenance-request.js'
import { chooseStartMode } from './start-mode.js'

const usage = `usage: npm run sweep [-- --limit N]
One sweep in its own process, for deployments that run sweeps from cron instead of (or beside)
worker processes: repairs the queue and processes up to N due items (default 100). Prints what
it did as JSON. In the embedded mode it sweeps DATA_DIR, inside the running service if there is one.`

await runCommand({ usage, options: { limit: { type: 'string', default: '100' } } }, async ({ values, config }) => {
  const limit = parseSweepLimit(values.limit)
  if (await chooseStartMode(config, process.env) === 'embedded') {
    await maintainEmbeddedData(config, { command: 'sweep', limit }, config.LOG_LEVEL)
    return
  }
  const logger = createLogger(config.LOG_LEVEL, 'docqueue-sweep')
  const tracing = await openTracing(tracingExport(config), 'docqueue-sweep', logger)
  const infra = await openInfrastructure(config, logger)
  const sweeper = createSweeper(infra)
  try {
    console.log(JSON.stringify(await sweeper.sweep(limit)))
  } finally {
    await sweeper.close()
    await infra.close()
    await tracing.shutdown()
  }
})
