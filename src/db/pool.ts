import pg from 'pg'
import type { Logger } from 'pino'

export type Pool = pg.Pool
export type Client = pg.PoolClient
/** Anything a query function can run on: the pool, or a client inside a transaction. */
export type Queryable = pg.Pool | pg.PoolClient

/**
 * Creates a connection pool that fails fast instead of queueing forever while Postgres is down.
 * `logger` hears of every connection the pool loses. `connectionTimeoutMs` bounds the wait for
 * a connection, including one another query holds.
 */
export function createPool (connectionString: string, options: { max?: number, logger?: Logger, connectionTimeoutMs?: number } = {}): Pool {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000
  })
  // A client losing its connection (Postgres restarted) must not crash the process, so both
  // events have a listener. The pool drops an idle client that fails ('error' on the pool); a
  // checked-out client emits on itself, and its query in flight rejects, which is where the
  // failure is handled. An idle client's error reaches both listeners: it is logged once.
  const logged = new WeakSet<Error>()
  const warn = (error: Error): void => {
    if (logged.has(error)) return
    logged.add(error)
    options.logger?.warn({ err: error.message }, 'database connection lost')
  }
  pool.on('error', warn)
  pool.on('connect', (client) => { client.on('error', warn) })
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
