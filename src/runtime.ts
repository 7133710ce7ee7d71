import { hostname } from 'node:os'
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { retryPolicies, type Config } from './config.js'
import { runMigrations } from './db/migrate.js'
import { createPool, ensureDatabase, type Pool } from './db/pool.js'
import { newWorkerIdentity, type WorkerIdentity } from './db/workers.js'
import { createDocumentProcessor, type DocumentProcessor } from './processing/index.js'
import { createDocumentQueue, type DocumentQueue } from './queue/document-jobs.js'
import { DocumentQueueService } from './queue/document-queue-service.js'
import { redisCall } from './queue/redis-call.js'
import { createProducerConnection, waitForConnection, warnAboutEvictionPolicy } from './queue/redis.js'
import { ApiKeyService } from './services/api-key-service.js'
import { DocumentService } from './services/document-service.js'
import { HealthService } from './services/health-service.js'
import { SearchService } from './services/search-service.js'
import { createFaultInjector } from './workers/fault-injection.js'
import type { ItemRunnerDeps } from './workers/run-queue-item.js'
import { processDocumentQueue, type SweepResult } from './workers/sweeper.js'

/** Everything a docqueue process runs on, wired once from the configuration. */
export interface Runtime {
  config: Config
  logger: Logger
  pool: Pool
  producer: Redis
  queue: DocumentQueue
  queueService: DocumentQueueService
  /** This process as a worker: whose leases it writes and whose heartbeat it sends. */
  worker: WorkerIdentity
  documents: DocumentService
  apiKeys: ApiKeyService
  health: HealthService
  search: SearchService
  processor: DocumentProcessor
  runnerDeps: ItemRunnerDeps
  /** Runs the sweeper once. */
  sweep: (limit: number) => Promise<SweepResult>
  /** Closes connections and extraction processes; call after the HTTP server and workers stopped. */
  close: () => Promise<void>
}

const REDIS_STARTUP_WAIT_MS = 3_000

/**
 * This process's worker identity: an id that tells operators which host and process holds a
 * lease, and a random public id, the only part tenants see.
 */
export function createWorkerId (): WorkerIdentity {
  return newWorkerIdentity(hostname(), process.pid)
}

/** Creates the database if needed, migrates it, and wires pool, Redis, queue and services. */
export async function createRuntime (config: Config, logger: Logger): Promise<Runtime> {
  await ensureDatabase(config.DATABASE_URL)
  const pool = createPool(config.DATABASE_URL, { max: 10 + config.WORKER_CONCURRENCY, logger })
  const applied = await runMigrations(pool)
  if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated')

  const producer = createProducerConnection(config.REDIS_URL, logger)
  if (await waitForConnection(producer, REDIS_STARTUP_WAIT_MS)) {
    await warnAboutEvictionPolicy(producer, logger)
  } else {
    // Not fatal: uploads are kept in Postgres and dispatched once Redis answers.
    logger.warn({ redis: config.REDIS_URL.replace(/\/\/[^@]*@/, '//***@') }, 'redis is not reachable yet; starting without it')
  }
  const queue = createDocumentQueue(producer, config.QUEUE_PREFIX)
  queue.on('error', (error) => logger.warn({ err: error.message }, 'queue error'))
  const worker = createWorkerId()
  const queueService = new DocumentQueueService({
    pool,
    queue,
    isConnected: () => producer.status === 'ready',
    logger,
    workerId: worker.id,
    leaseMs: config.LEASE_MS,
    deadAfterMs: config.WORKER_DEAD_AFTER_MS,
    retry: retryPolicies(config)
  })
  const processor = createDocumentProcessor(
    {
      timeoutMs: config.PROCESSING_TIMEOUT_MS,
      maxMemoryMb: config.PROCESSING_MAX_MEMORY_MB,
      maxPages: config.PROCESSING_MAX_PAGES,
      maxCharacters: config.PROCESSING_MAX_CHARACTERS,
      maxZipEntries: config.DOCX_MAX_ENTRIES,
      maxPartBytes: config.DOCX_MAX_PART_BYTES,
      maxUncompressedBytes: config.DOCX_MAX_UNCOMPRESSED_BYTES
    },
    { threads: config.WORKER_CONCURRENCY }
  )
  const runnerDeps: ItemRunnerDeps = { queue: queueService, processor, logger, leaseMs: config.LEASE_MS, active: new Set() }
  if (config.FAULT_INJECTION) {
    logger.warn('FAULT_INJECTION is on: documents with fault markers in their names will misbehave')
    runnerDeps.faults = createFaultInjector()
  }
  let closing: Promise<void> | undefined

  return {
    config,
    logger,
    pool,
    producer,
    queue,
    queueService,
    worker,
    documents: new DocumentService({ pool, queue: queueService }),
    apiKeys: new ApiKeyService(pool, { cacheMs: config.API_KEY_CACHE_MS }),
    health: new HealthService({ pool, redis: producer }),
    search: new SearchService(pool),
    processor,
    runnerDeps,
    sweep: async (limit) => await processDocumentQueue(runnerDeps, { limit }),
    close: async () => {
      closing ??= (async () => {
        await processor.close()
        await redisCall(() => producer.status === 'ready', async () => { await queue.close() }).catch(() => {})
        producer.disconnect()
        if (!pool.ended) await pool.end()
      })()
      await closing
    }
  }
}
