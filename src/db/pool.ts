import pg from 'pg'

export type Pool = pg.Pool
export type Client = pg.PoolClient
/** Anything a query function can run on: the pool, or a client inside a transaction. */
export type Queryable = pg.Pool | pg.PoolClient

/** Creates a connection pool that fails fast instead of queueing forever while Postgres is down. */
export function createPool (connectionString: string, options: { max?: number } = {}): Pool {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000
  })
  // A client losing its connection (Postgres restarted) must not crash the process. The pool
  // handles idle clients ('error' on the pool) and drops them; a checked-out client emits on
  // itself, and its query in flight rejects, which is where the failure is handled.
  pool.on('error', () => {})
  pool.on('connect', (client) => { client.on('error', () => {}) })
  return pool
}

/** Runs `work` in one transaction; commits if it resolves, rolls back if it throws. */
export async function withTransaction<T> (pool: Pool, work: (client: Client) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  try {
    await client.query('begin')
    const result = await work(client)
    await client.query('commit')
    return result
  } catch (error) {
    await client.query('rollback').catch(() => {})
    throw error
  } finally {
    client.release()
  }
}

/**
 * Creates the database named in `connectionString` when it does not exist yet, by connecting
 * to the server's `postgres` maintenance database. A newcomer's first `npm start` needs nothing else.
 */
export async function ensureDatabase (connectionString: string): Promise<void> {
  const url = new URL(connectionString)
  const database = decodeURIComponent(url.pathname.slice(1))
  if (database === '') return
  url.pathname = '/postgres'
  const admin = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 5_000 })
  await admin.connect()
  try {
    const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [database])
    if (rowCount === 0) {
      await admin.query(`create database ${pg.escapeIdentifier(database)}`).catch((error: { code?: string }) => {
        // Another process created it between our check and our create.
        if (error.code !== '42P04') throw error
      })
    }
  } finally {
    await admin.end()
  }
}

/** Drops a database, closing its other sessions first. Used by tests and tooling. */
export async function dropDatabase (connectionString: string): Promise<void> {
  const url = new URL(connectionString)
  const database = decodeURIComponent(url.pathname.slice(1))
  url.pathname = '/postgres'
  const admin = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 5_000 })
  await admin.connect()
  try {
    await admin.query(`drop database if exists ${pg.escapeIdentifier(database)} with (force)`)
  } finally {
    await admin.end()
  }
}
