import { runMigrations } from '../db/migrate.js'
import { createPool, ensureDatabase } from '../db/pool.js'
import { runCommand } from './command.js'
import { migrateEmbeddedData } from './embedded-maintenance.js'
import { chooseStartMode } from './start-mode.js'

const usage = `usage: npm run migrate
Creates the database named in DATABASE_URL if it does not exist, then applies pending migrations.
In the embedded mode it does so in DATA_DIR, which the service must not be using.`

await runCommand({ usage }, async ({ config }) => {
  if (await chooseStartMode(config, process.env) === 'embedded') {
    await migrateEmbeddedData(config)
    return
  }
  await ensureDatabase(config.DATABASE_URL)
  const pool = createPool(config.DATABASE_URL, { max: 1 })
  try {
    const applied = await runMigrations(pool)
    console.log(applied.length === 0 ? 'database is up to date' : `applied ${applied.join(', ')}`)
  } finally {
    await pool.end()
  }
})
