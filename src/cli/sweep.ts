import { parseArgs } from 'node:util'
import { loadConfig } from '../config.js'
import { createLogger } from '../logger.js'
import { createRuntime } from '../runtime.js'

// `npm run sweep [-- --limit N]`: one sweeper pass in its own process and database session.
const { values } = parseArgs({ options: { limit: { type: 'string', default: '100' } } })
const limit = Number(values.limit)
if (!Number.isInteger(limit) || limit < 1) {
  console.error('--limit must be a positive integer')
  process.exit(2)
}
const config = loadConfig(process.env)
const runtime = await createRuntime(config, createLogger(config.LOG_LEVEL, 'docqueue-sweep'))
try {
  console.log(JSON.stringify(await runtime.sweep(limit)))
} finally {
  await runtime.close()
}
