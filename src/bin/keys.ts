import { runMigrations } from '../db/migrate.js'
import { createPool } from '../db/pool.js'
import { UsageError, runCommand } from './command.js'
import { maintainEmbeddedData } from './embedded-maintenance.js'
import { parseKeyCommand, runKeyCommand } from './keys-command.js'
import { chooseStartMode } from './start-mode.js'

const usage = `usage:
  npm run keys -- create --tenant NAME   create a key; prints it once, on the last line
  npm run keys -- list                   list active keys (ids and tenants)
  npm run keys -- revoke --id ID         revoke a key
The database must exist (npm run migrate creates it); a mistyped DATABASE_URL is refused.
In the embedded mode it works on DATA_DIR, through the running service if there is one.`

await runCommand({ usage, allowPositionals: true, options: { tenant: { type: 'string' }, id: { type: 'string' } } }, async ({ values, positionals, config }) => {
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'which command?' : `unexpected argument: ${positionals[1]}`)
  const args = { command: positionals[0], ...values }
  const todo = parseKeyCommand(args)
  if (await chooseStartMode(config, process.env) === 'embedded') {
    await maintainEmbeddedData(config, { command: 'keys', args }, 'warn')
    return
  }
  const pool = createPool(config.DATABASE_URL, { max: 1 })
  try {
    await runMigrations(pool)
    await runKeyCommand(pool, todo, (line) => { console.log(line) })
  } finally {
    await pool.end()
  }
})
