import { parseArgs } from 'node:util'
import { loadConfig } from '../config.js'
import { openInfrastructure } from '../infrastructure.js'
import { createLogger } from '../logger.js'
import { createSweeper } from '../worker/sweep.js'

// `npm run sweep [-- --limit N]`: one sweep in its own process, for deployments that run
// sweeps from cron instead of (or beside) worker processes. Prints what it did as JSON.
const { values } = parseArgs({ options: { limit: { type: 'string', default: '100' } } })
const limit = Number(values.limit)
if (!Number.isInteger(limit) || limit < 1) {
  console.error('--limit must be a positive integer')
  process.exit(2)
}
const config = loadConfig(process.env)
const infra = await openInfrastructure(config, createLogger(config.LOG_LEVEL, 'docqueue-sweep'))
const sweeper = createSweeper(infra)
try {
  console.log(JSON.stringify(await sweeper.sweep(limit)))
} finally {
  await sweeper.close()
  await infra.close()
}
