import { hostname } from 'node:os'
import { resolve } from 'node:path'
import type { Logger } from 'pino'
import type { Config } from '../config.js'
import { runMigrations } from '../db/migrate.js'
import { createPool } from '../db/pool.js'
import { newWorkerIdentity } from '../db/workers.js'
import { createQueue, type Infrastructure } from '../infrastructure.js'
import { InProcessWakeUps } from '../queue/in-process-wake-ups.js'
import { lockDataDir } from './data-dir-lock.js'
import { startEmbeddedPostgres } from './embedded-postgres.js'
import { listenThroughPool } from './session-notifications.js'

export type EmbeddedInfrastructure = Infrastructure<InProcessWakeUps, undefined> & {
  /** The absolute folder holding the data. */
  dataDir: string
  /** The migrations this opening applied (all of them on a new database). */
  migrations: string[]
}

// Every query of the process waits for the one connection: under a burst of uploads, or while
// a large result is written, a wait of several seconds is normal here.
const CONNECTION_WAIT_MS = 60_000

/**
 * The infrastructure of `npm start` on a machine without PostgreSQL or Redis: PGlite in this
 * process with its files under DATA_DIR, reached through ONE pooled connection (PGlite is a
 * single session, see embedded-postgres.ts), and wake-ups handed over in memory instead of
 * through Redis. The queue, its SQL and its states are the same as on real servers.
 */
export async function openEmbeddedInfrastructure (config: Config, logger: Logger): Promise<EmbeddedInfrastructure> {
  const dataDir = resolve(config.DATA_DIR)
  const unlock = await lockDataDir(dataDir)
  const postgres = await startEmbeddedPostgres(dataDir).catch(async (error: unknown) => {
    await unlock()
    throw error
  })
  const pool = createPool(postgres.connectionString, { max: 1, logger, connectionTimeoutMs: CONNECTION_WAIT_MS })
  // Before the pool's first connection, which must be heard too.
  const listenForEvents = listenThroughPool(pool)
  const close = async (): Promise<void> => {
    await wakeUps.close()
    if (!pool.ended) await pool.end()
    await postgres.close()
    await unlock()
  }
  const wakeUps = new InProcessWakeUps({
    onError: (error, data) => logger.warn({ itemId: data.itemId, err: error.message }, 'wake-up failed; the reconciler sends another')
  })
  let migrations: string[]
  try {
    migrations = await runMigrations(pool)
    if (migrations.length > 0) logger.info({ migrations }, 'database migrated')
  } catch (error) {
    await close()
    throw error
  }
  const identity = newWorkerIdentity(hostname(), process.pid)
  const queue = createQueue({ config, logger, pool, wakeUps, identity, isConnected: () => true, copyUploads: false })
  let closing: Promise<void> | undefined
  return {
    // Where the database answers, for anything that names or reaches it by DATABASE_URL.
    config: { ...config, DATABASE_URL: postgres.connectionString },
    listenForEvents,
    logger,
    pool,
    redis: undefined,
    wakeUps,
    queue,
    identity,
    dataDir,
    migrations,
    close: async () => {
      closing ??= close()
      await closing
    }
  }
}
