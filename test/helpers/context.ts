// Every file that uses a context is checked for what it leaves open; first, to see the most timers.
import './leak-check.js'
import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { buildApiApp, createApiServices, type ApiServices } from '../../src/api-process.js'
import { loadConfig, type Config } from '../../src/config.js'
import { dropDatabase } from './database.js'
import { deleteRedisKeys } from './redis-keys.js'
import { createMigratedDatabase } from './template-database.js'
import { openInfrastructure, type Infrastructure } from '../../src/infrastructure.js'
import { createLogger } from '../../src/logger.js'
import { createConfiguredProcessor } from '../../src/worker/configured-processor.js'
import type { ItemRunnerDeps, RunnerHooks } from '../../src/worker/run-queue-item.js'
import { sweep, type SweepResult } from '../../src/worker/sweep.js'
import { startWorkerProcess, type WorkerProcess } from '../../src/worker-process.js'
import { createFaultInjector } from '../faults/fault-injector.js'

const postgresBase = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@localhost:5432/postgres'
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://localhost:6379'

/**
 * Everything a test drives a docqueue through: the infrastructure, the API's services, and a
 * runner (with an extraction processor of its own) to run items or sweeps by hand.
 */
export interface TestStack extends Infrastructure, ApiServices {
  runner: ItemRunnerDeps
  sweep: (limit: number) => Promise<SweepResult>
}

/**
 * An isolated docqueue for one test file: its own database and Redis prefix, both removed at
 * teardown, with everything opened on it closed in reverse order.
 */
// The stack's Redis connection gives a command 2 s (REDIS commandTimeout in src/queue/redis.ts);
// on a loaded machine removing a queue's keys can take longer, so the cleanup tries again.
const OBLITERATE_ATTEMPTS = 5

async function obliterateOnLoadedRedis (stack: TestStack): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await stack.wakeUps.obliterate({ force: true })
      return
    } catch (error) {
      if ((error as Error).message !== 'Command timed out' || attempt === OBLITERATE_ATTEMPTS) throw error
    }
  }
}

export class TestContext {
  readonly config: Config
  /** The runner hooks of every stack and worker of this context: the fault injector, or none. */
  readonly hooks: RunnerHooks | undefined
  readonly #cleanups: Array<() => Promise<void>> = []
  #database: Promise<void> | undefined

  private constructor (config: Config, hooks: RunnerHooks | undefined) {
    this.config = config
    this.hooks = hooks
  }

  /**
   * Creates the context and registers its teardown on `t`. With `faults`, documents named with
   * fault markers misbehave in its runners and workers (see test/faults/fault-injector.ts).
   */
  static create (t: Test, overrides: Record<string, string> = {}, options: { faults?: boolean } = {}): TestContext {
    const suffix = randomBytes(4).toString('hex')
    const databaseUrl = new URL(postgresBase)
    databaseUrl.pathname = `/docq_test_${suffix}`
    const context = new TestContext(loadConfig({
      DATABASE_URL: databaseUrl.toString(),
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: `dqtest-${suffix}`,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...overrides
    }), options.faults === true ? createFaultInjector() : undefined)
    context.#cleanups.push(async () => { await dropDatabase(context.config.DATABASE_URL) })
    // Runs after everything opened on the context is closed, so nothing writes a key afterwards.
    context.#cleanups.push(async () => { await deleteRedisKeys(redisUrl, `${context.config.QUEUE_PREFIX}:*`) })
    t.teardown(async () => {
      // Every cleanup runs even if one fails, so no connection is left to hold the process open.
      const failures: unknown[] = []
      for (const cleanup of context.#cleanups.reverse()) await cleanup().catch((error: unknown) => failures.push(error))
      if (failures.length > 0) throw new AggregateError(failures, 'test cleanup failed')
    })
    return context
  }

  /**
   * A stack on this context, as one more process would have it. The first one creates the
   * database as a copy of the migrated template (unless the test made it already), so its
   * migration pass finds nothing left to apply.
   */
  async stack (overrides: Partial<Config> = {}): Promise<TestStack> {
    const config = { ...this.config, ...overrides }
    this.#database ??= createMigratedDatabase(this.config.DATABASE_URL)
    await this.#database
    const infra = await openInfrastructure(config, createLogger(config.LOG_LEVEL, 'test'), { createDatabase: true })
    const processor = createConfiguredProcessor(config)
    const runner: ItemRunnerDeps = { queue: infra.queue, processor, logger: infra.logger, leaseMs: config.LEASE_MS, active: new Set(), hooks: this.hooks }
    const stack: TestStack = {
      ...infra,
      ...createApiServices(infra),
      runner,
      sweep: async (limit) => await sweep(runner, { limit }),
      close: async () => {
        await processor.close()
        await infra.close()
      }
    }
    this.#cleanups.push(async () => {
      try {
        // A stack pointed at an unreachable Redis has no queue data to remove, and BullMQ would wait.
        if (stack.redis.status === 'ready') await obliterateOnLoadedRedis(stack)
      } finally {
        // Closed even when removing the queue data failed (a Redis command timed out, say):
        // its connections would otherwise keep the test process alive.
        await stack.close()
      }
    })
    return stack
  }

  /** The HTTP app on a stack, not listening (use `inject`). */
  async app (stack: TestStack): Promise<FastifyInstance> {
    const app = await buildApiApp(stack, stack)
    this.#cleanups.push(async () => { await app.close() })
    return app
  }

  /** A worker in this process on a stack's infrastructure, with the context's runner hooks unless told otherwise. */
  worker (stack: TestStack, hooks = this.hooks): WorkerProcess {
    const worker = startWorkerProcess(stack, { hooks })
    this.#cleanups.push(async () => { await worker.close(5_000) })
    return worker
  }

  /** Registers another cleanup, run before the ones registered earlier. */
  onCleanup (cleanup: () => Promise<void>): void {
    this.#cleanups.push(cleanup)
  }
}

/** What most tests start from: a context of their own, a stack on it, its app, and an API key. */
export interface TestService {
  context: TestContext
  stack: TestStack
  app: FastifyInstance
  key: string
  auth: { authorization: string }
}

/**
 * A docqueue for `t` alone, torn down with it. A test that builds its own runs by itself
 * (`--grep`) and in any order: nothing another test left (items, workers, wake-ups) is counted
 * by its sweeps, repairs and stats.
 */
export async function isolatedService (t: Test, tenant: string, overrides: Record<string, string> = {}, options: { faults?: boolean } = {}): Promise<TestService> {
  const context = TestContext.create(t, overrides, options)
  const stack = await context.stack()
  const app = await context.app(stack)
  const { key } = await stack.apiKeys.create(tenant)
  return { context, stack, app, key, auth: { authorization: `Bearer ${key}` } }
}

/**
 * Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`: a
 * bound for a hang, not a speed budget, so it is generous (a cold extraction process on a busy
 * 2-core machine takes seconds).
 */
export async function waitFor<T> (probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
