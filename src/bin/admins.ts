import { runMigrations } from '../db/migrate.js'
import { createPool } from '../db/pool.js'
import { adminRoles } from '../states.js'
import { parseAdminCommand, runAdminCommand } from './admins-command.js'
import { UsageError, runCommand } from './command.js'
import { maintainEmbeddedData } from './embedded-maintenance.js'
import { chooseStartMode } from './start-mode.js'

const usage = `usage:
  npm run admins -- create --name NAME --role ${adminRoles.join('|')} [--tenants a,b]
                                            create an account; prints its one-time password once, on the last line
  npm run admins -- list                    list accounts (name, role, tenants, state)
  npm run admins -- disable --name NAME     disable an account and end its sessions
  npm run admins -- reset-password --name NAME
                                            end its sessions; prints a new one-time password once, on the last line
In the embedded mode it works on DATA_DIR, through the running service if there is one.`

// Exit codes: 0 done, 1 refused or failed (no such account, a name taken, no database), 2 usage.
const options = { name: { type: 'string' }, role: { type: 'string' }, tenants: { type: 'string' } } as const
await runCommand({ usage, allowPositionals: true, options }, async ({ values, positionals, config }) => {
  if (positionals.length > 1) throw new UsageError(`unexpected argument: ${positionals[1]}`)
  const args = { command: positionals[0], ...values }
  const todo = parseAdminCommand(args)
  if (await chooseStartMode(config, process.env) === 'embedded') {
    await maintainEmbeddedData(config, { command: 'admins', args }, 'warn')
    return
  }
  const pool = createPool(config.DATABASE_URL, { max: 1 })
  try {
    await runMigrations(pool)
    await runAdminCommand(pool, todo, (line) => { console.log(line) })
  } finally {
    await pool.end()
  }
})
