import { parseArgs } from 'node:util'
import { loadConfig } from '../config.js'
import { runMigrations } from '../db/migrate.js'
import { createPool, ensureDatabase } from '../db/pool.js'
import { ApiKeyService } from '../services/api-key-service.js'

const usage = `usage:
  npm run keys -- create --tenant NAME   create a key; prints it once, on the last line
  npm run keys -- list                   list active keys (ids and tenants)
  npm run keys -- revoke --id ID         revoke a key`

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { tenant: { type: 'string' }, id: { type: 'string' } }
})
const config = loadConfig(process.env)
await ensureDatabase(config.DATABASE_URL)
const pool = createPool(config.DATABASE_URL, { max: 1 })
try {
  await runMigrations(pool)
  const keys = new ApiKeyService(pool)
  switch (positionals[0]) {
    case 'create': {
      const tenant = values.tenant?.trim() ?? ''
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(tenant)) throw new Error('--tenant must be 1-64 letters, digits, dot, dash or underscore')
      const created = await keys.create(tenant)
      console.log(`created key ${created.id} for tenant ${created.tenant}; it is shown only now:`)
      console.log(created.key)
      break
    }
    case 'list':
      for (const key of await keys.list()) console.log(`${key.id}\t${key.tenant}\t${key.createdAt.toISOString()}`)
      break
    case 'revoke':
      if (values.id === undefined) throw new Error('--id is required')
      if (!await keys.revoke(values.id)) throw new Error(`no active key with id ${values.id}`)
      console.log(`revoked ${values.id}`)
      break
    default:
      console.error(usage)
      process.exitCode = 2
  }
} catch (error) {
  console.error((error as Error).message)
  process.exitCode = 1
} finally {
  await pool.end()
}
