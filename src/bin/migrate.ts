import { loadConfig } from '../config.js'
import { runMigrations } from '../db/migrate.js'
import { createPool, ensureDatabase } from '../db/pool.js'

// `npm run migrate`: creates the database if needed and applies pending migrations.
const config = loadConfig(process.env)
await ensureDatabase(config.DATABASE_URL)
const pool = createPool(config.DATABASE_URL, { max: 1 })
try {
  const applied = await runMigrations(pool)
  console.log(applied.length === 0 ? 'database is up to date' : `applied ${applied.join(', ')}`)
} finally {
  await pool.end()
}
