import { createHash, randomBytes } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import pg from 'pg'
import { runMigrations } from '../../src/db/migrate.js'
import { createPool } from '../../src/db/pool.js'

/**
 * Test databases are copies of a template migrated once, not migrated one by one: running every
 * migration costs seconds of Postgres work per database, and the suite makes over a hundred.
 * The template is named after a hash of the migration files, so a changed or added migration
 * makes (and uses) a new one; it is kept between runs, and templates of other migrations are
 * dropped once they are a day old.
 */

const migrationsDir = new URL('../../src/db/migrations/', import.meta.url)
const TEMPLATE_PREFIX = 'docq_template_'
const STALE_AFTER_MS = 24 * 60 * 60 * 1000
// Postgres error codes met while copying: the database exists already, the template is gone
// (another run dropped it as stale), or someone is connected to the template.
const DUPLICATE_DATABASE = '42P04'
const UNKNOWN_DATABASE = '3D000'
const TEMPLATE_IN_USE = '55006'

function pgCode (error: unknown): string | undefined {
  return (error as { code?: string }).code
}

function serverUrl (connectionString: string, database: string): string {
  const url = new URL(connectionString)
  url.pathname = `/${database}`
  return url.toString()
}

/** The template's name for the migration files as they are now. */
async function templateName (): Promise<string> {
  const hash = createHash('sha256')
  for (const name of (await readdir(migrationsDir)).filter((file) => file.endsWith('.sql')).sort()) {
    hash.update(`${name}\0`).update(await readFile(new URL(name, migrationsDir))).update('\0')
  }
  return `${TEMPLATE_PREFIX}${hash.digest('hex').slice(0, 16)}`
}

/**
 * Migrates a database of its own and renames it to `template`: nobody copies a half-migrated
 * template, and of two processes building it at once the second finds the name taken and drops
 * its copy.
 */
async function buildTemplate (admin: pg.Client, connectionString: string, template: string): Promise<void> {
  const building = `docq_template_build_${randomBytes(4).toString('hex')}`
  await admin.query(`create database ${pg.escapeIdentifier(building)}`)
  try {
    const pool = createPool(serverUrl(connectionString, building), { max: 1 })
    try {
      await runMigrations(pool)
    } finally {
      await pool.end()
    }
    await admin.query(`comment on database ${pg.escapeIdentifier(building)} is ${pg.escapeLiteral(new Date().toISOString())}`)
    await admin.query(`alter database ${pg.escapeIdentifier(building)} rename to ${pg.escapeIdentifier(template)}`)
  } catch (error) {
    await admin.query(`drop database if exists ${pg.escapeIdentifier(building)} with (force)`)
    if (pgCode(error) !== DUPLICATE_DATABASE) throw error
  }
  await dropStaleTemplates(admin, template)
}

/** Drops the templates of other migrations built over a day ago; one still being copied stays. */
async function dropStaleTemplates (admin: pg.Client, current: string): Promise<void> {
  const { rows } = await admin.query<{ name: string, built: string | null }>(
    "select datname as name, shobj_description(oid, 'pg_database') as built from pg_database where starts_with(datname, $1) and datname <> $2",
    [TEMPLATE_PREFIX, current]
  )
  for (const { name, built } of rows) {
    const age = Date.now() - Date.parse(built ?? '')
    // A template being built has no date yet: its age is not a number, and it is left alone.
    if (!(age > STALE_AFTER_MS)) continue
    // Without force: a run copying it right now keeps it, and a later one drops it.
    await admin.query(`drop database if exists ${pg.escapeIdentifier(name)}`).catch(() => {})
  }
}

/**
 * Creates the database `connectionString` names as a copy of the migrated template, unless it
 * exists already (a test made it another way, with the migrate command say).
 */
export async function createMigratedDatabase (connectionString: string): Promise<void> {
  const database = decodeURIComponent(new URL(connectionString).pathname.slice(1))
  const template = await templateName()
  const admin = new pg.Client({ connectionString: serverUrl(connectionString, 'postgres'), connectionTimeoutMillis: 5_000 })
  await admin.connect()
  try {
    for (let attempt = 1; ; attempt++) {
      const { rows } = await admin.query<{ datname: string }>('select datname from pg_database where datname = any($1)', [[database, template]])
      const existing = new Set(rows.map((row) => row.datname))
      if (existing.has(database)) return
      if (!existing.has(template)) await buildTemplate(admin, connectionString, template)
      try {
        await admin.query(`create database ${pg.escapeIdentifier(database)} template ${pg.escapeIdentifier(template)}`)
        return
      } catch (error) {
        const code = pgCode(error)
        if (code === DUPLICATE_DATABASE) return
        // Dropped or held by someone else in between: look again, a few times.
        if ((code !== UNKNOWN_DATABASE && code !== TEMPLATE_IN_USE) || attempt === 5) throw error
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt))
      }
    }
  } finally {
    await admin.end()
  }
}
