import { hostname } from 'node:os'
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { retryPolicies, type Config } from './config.js'
import { runMigrations } from './db/migrate.js'
import { createPool, ensureDatabase, type Pool } from './db/pool.js'
import type { ListenForEvents } from './events/event-hub.js'
import { newWorkerIdentity, type WorkerIdentity } from './db/workers.js'
import { DocumentQueueService } from './queue/document-queue-service.js'
import { redisCall } from './queue/redis-call.js'
import { createProducerConnection, waitForConnection, warnAboutRedisConfiguration } from './queue/redis.js'
import { createWakeUpQueue, type WakeUpChannel, type WakeUpQueue } from './queue/wake-ups.js'

/**
 * What every docqueue process stands on, API and worker alike: the configuration, the logger,
 * the Postgres pool, the Redis producer connection with the wake-up queue on it, and the queue.
 * The embedded mode (see embedded/embedded-infrastructure.ts) has no Redis and an in-process
 * wake-up channel: code that serves both takes an {@link AnyInfrastructure}.
 */
export interface Infrastructure<Channel extends WakeUpChannel = WakeUpQueue, RedisConnection extends Redis | undefined = Redis> {
  config: Config
  logger: Logger
  pool: Pool
  /** Undefined in the embedded mode, which runs without Redis. */
  redis: RedisConnection
  wakeUps: Channel
  queue: DocumentQueueService
  /** How the API hears document events; undefined: a LISTEN connection of its own to DATABASE_URL. */
  listenForEvents?: ListenForEvents
  /** This process: whose leases it writes, and (in a worker) whose heartbeat it sends. */
  identity: WorkerIdentity
  /** Closes the connections; call once everything built on them has stopped. */
  close: () => Promise<void>
}

/** The queue of a process with this identity, sending wake-ups on `wakeUps`. */
export function createQueue (options: { config: Config, logger: Logger, pool: Pool, wakeUps: WakeUpChannel, identity: WorkerIdentity, isConnected: () => boolean, copyUploads?: boolean }): DocumentQueueService {
  const { config, identity, ...rest } = options
  return new DocumentQueueService({
    ...rest,
    workerId: identity.id,
    leaseMs: config.LEASE_MS,
    deadAfterMs: config.WORKER_DEAD_AFTER_MS,
    retry: retryPolicies(config)
  })
}

/** The infrastructure of either mode: on Postgres and Redis, or embedded in one process. */
export type AnyInfrastructure = Infrastructure<WakeUpChannel, Redis | undefined>

const REDIS_STARTUP_WAIT_MS = 3_000

/**
 * Migrates the database, connects to Redis (not fatal when it is down: uploads are kept in
 * Postgres and dispatched once Redis answers) and builds the queue. Only `createDatabase`
 * creates a missing database (`npm start` and `npm run migrate` do): elsewhere a mistyped
 * DATABASE_URL must fail, not start on a new, empty database.
 */
export async function openInfrastructure (config: Config, logger: Logger, options: { createDatabase?: boolean } = {}): Promise<Infrastructure> {
  if (options.createDatabase === true) await ensureDatabase(config.DATABASE_URL)
  const pool = createPool(config.DATABASE_URL, { max: 10 + config.WORKER_CONCURRENCY, logger })
  const applied = await runMigrations(pool)
  if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated')

  const redis = createProducerConnection(config.REDIS_URL, logger)
  if (await waitForConnection(redis, REDIS_STARTUP_WAIT_MS)) {
    await warnAboutRedisConfiguration(redis, logger)
  } else {
    logger.warn({ redis: config.REDIS_URL.replace(/\/\/[^@]*@/, '//***@') }, 'redis is not reachable yet; starting without it')
  }
  const wakeUps = createWakeUpQueue(redis, config.QUEUE_PREFIX)
  wakeUps.on('error', (error) => logger.warn({ err: error.message }, 'wake-up queue error'))
  const identity = newWorkerIdentity(hostname(), process.pid)
  const queue = createQueue({ config, logger, pool, wakeUps, identity, isConnected: () => redis.status === 'ready' })
  let closing: Promise<void> | undefined
  return {
    config,
    logger,
    pool,
    redis,
    wakeUps,
    queue,
    identity,
    close: async () => {
      closing ??= (async () => {
        await redisCall(() => redis.status === 'ready', async () => { await wakeUps.close() }).catch(() => {})
        redis.disconnect()
        if (!pool.ended) await pool.end()
      })()
      await closing
    }
  }
}
