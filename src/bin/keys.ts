import { runMigrations } from '../db/migrate.js'
import { createPool } from '../db/pool.js'
import { ApiKeyService } from '../services/api-key-service.js'
import { UsageError, runCommand } from './command.js'

const usage = `usage:
  npm run keys -- create --tenant NAME   create a key; prints it once, on the last line
  npm run keys -- list                   list active keys (ids and tenants)
  npm run keys -- revoke --id ID         revoke a key
The database must exist (npm run migrate creates it); a mistyped DATABASE_URL is refused.`

await runCommand({ usage, allowPositionals: true, options: { tenant: { type: 'string' }, id: { type: 'string' } } }, async ({ values, positionals, config }) => {
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'which command?' : `unexpected argument: ${positionals[1]}`)
  const pool = createPool(config.DATABASE_URL, { max: 1 })
  try {
    await runMigrations(pool)
    const keys = new ApiKeyService(pool)
    switch (positionals[0]) {
      case 'create': {
        const tenant = typeof values.tenant === 'string' ? values.tenant.trim() : ''
        if (!/^[A-Za-z0-9_.-]{1,64}$/.test(tenant)) throw new UsageError('--tenant must be 1-64 letters, digits, dot, dash or underscore')
        const created = await keys.create(tenant)
        console.log(`created key ${created.id} for tenant ${created.tenant}; it is shown only now:`)
        console.log(created.key)
        break
      }
      case 'list':
        for (const key of await keys.list()) console.log(`${key.id}\t${key.tenant}\t${key.createdAt.toISOString()}`)
        break
      case 'revoke':
        if (typeof values.id !== 'string') throw new UsageError('--id is required')
        if (!await keys.revoke(values.id)) throw new Error(`no active key with id ${values.id}`)
        console.log(`revoked ${values.id}`)
        break
      default:
        throw new UsageError(`unknown command: ${positionals[0]}`)
    }
  } finally {
    await pool.end()
  }
})
