import pg from 'pg'

/** Drops a database, closing its other sessions first: the teardown of tests and benchmarks. */
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
