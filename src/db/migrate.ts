import { readdir, readFile } from 'node:fs/promises'
import type { Pool } from './pool.js'

const migrationsDir = new URL('./migrations/', import.meta.url)
// Any fixed number shared by all docqueue processes: serializes concurrent starts.
const MIGRATION_LOCK_ID = 4_242_001

/**
 * Applies the numbered SQL files in `migrations/` that have not run yet, in order, each in its
 * own transaction. Forward only: a landed file is never edited, a change is a new file.
 * Returns the names applied.
 */
export async function runMigrations (pool: Pool): Promise<string[]> {
  const files = (await readdir(migrationsDir)).filter((name) => /^\d{3}_[\w-]+\.sql$/.test(name)).sort()
  const client = await pool.connect()
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_ID])
    await client.query('create table if not exists schema_migrations (name text primary key, applied_at timestamptz not null default now())')
    const { rows } = await client.query<{ name: string }>('select name from schema_migrations')
    const done = new Set(rows.map((row) => row.name))
    const applied: string[] = []
    for (const name of files) {
      if (done.has(name)) continue
      const sql = await readFile(new URL(name, migrationsDir), 'utf8')
      try {
        await client.query('begin')
        await client.query(sql)
        await client.query('insert into schema_migrations (name) values ($1)', [name])
        await client.query('commit')
      } catch (error) {
        await client.query('rollback')
        throw new Error(`migration ${name} failed: ${(error as Error).message}`, { cause: error })
      }
      applied.push(name)
    }
    return applied
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => {})
    client.release()
  }
}
