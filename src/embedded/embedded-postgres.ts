import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { pg_trgm as pgTrgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'

export interface EmbeddedPostgres {
  /** A `postgres://` URL that `pg` connects to like to any server (on 127.0.0.1, a free port). */
  connectionString: string
  /** The folder holding the database files. */
  dataDir: string
  /** Stops listening and closes the database (its files are flushed). */
  close: () => Promise<void>
}

function databaseFolder (dataDir: string): string {
  return resolve(join(dataDir, 'postgres'))
}

/** Whether `dataDir` holds a database already: PGlite writes PostgreSQL's own files, PG_VERSION first among them. */
export function embeddedDatabaseExists (dataDir: string): boolean {
  return existsSync(join(databaseFolder(dataDir), 'PG_VERSION'))
}

/**
 * PostgreSQL compiled to WebAssembly (PGlite), in this process, with its files in
 * `<dataDir>/postgres`, served on a local port through the Postgres wire protocol so that the
 * rest of docqueue talks to it with `pg` as to a real server.
 *
 * PGlite is ONE database session: every connection to the socket shares it, and the socket runs
 * one protocol message at a time, keeping an explicit transaction's messages together but not a
 * query's Parse/Bind/Execute/Sync sequence. Use it through one connection only (a pool of one,
 * see openEmbeddedInfrastructure): then no two transactions or statements can interleave.
 * The socket does not speak COPY FROM STDIN either: it loses the protocol's synchronisation,
 * and then the socket's queue stops for good, so nothing here may use COPY.
 */
export async function startEmbeddedPostgres (dataDir: string): Promise<EmbeddedPostgres> {
  const folder = databaseFolder(dataDir)
  await mkdir(folder, { recursive: true })
  // pg_trgm: the admin pages' file-name and error search indexes (migration 009). PGlite ships
  // it as a contrib module that must be loaded here before `create extension` can find it.
  const db = await PGlite.create({ dataDir: folder, extensions: { pg_trgm: pgTrgm } })
  // A few connections, not one: a pool replacing a lost connection, or a stray client such as
  // `psql` for a look, must not be turned away while the old socket closes.
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 })
  try {
    await server.start()
  } catch (error) {
    await db.close()
    throw error
  }
  let closing: Promise<void> | undefined
  return {
    connectionString: `postgres://postgres@${server.getServerConn()}/postgres`,
    dataDir: folder,
    close: async () => {
      closing ??= (async () => {
        await server.stop()
        await db.close()
      })()
      await closing
    }
  }
}
