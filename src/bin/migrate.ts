import { runMigrations } from '../db/migrate.js'
import { createPool, ensureDatabase } from '../db/pool.js'
import { runCommand } from './command.js'

const usage = `usage: npm run migrate
Creates the database named in DATABASE_URL if it does not exist, then applies pending migrations.`

await runCommand({ usage }, async ({ config }) => {
  await ensureDatabase(config.DATABASE_URL)
  const pool = createPool(config.DATABASE_URL, { max: 1 })
  try {
    const applied = await runMigrations(pool)
    console.log(applied.length === 0 ? 'database is up to date' : `applied ${applied.join(', ')}`)
  } finally {
    await pool.end()
  }
})
