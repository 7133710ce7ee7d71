// Every file that uses a context is checked for what it leaves open; first, to see the most timers.
import './leak-check.js'
import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { loadConfig, type Config } from '../../src/config.js'
import { dropDatabase } from '../../src/db/pool.js'
import { createLogger } from '../../src/logger.js'
import { createRuntime, type Runtime } from '../../src/runtime.js'
import { startWorker, type RunningWorker } from '../../src/start-worker.js'
import { buildRuntimeApp } from '../../src/serve-api.js'

const postgresBase = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@localhost:5432/postgres'
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://localhost:6379'

/**
 * An isolated docqueue for one test file: its own database and BullMQ prefix, both removed at
 * teardown, with everything opened on it closed in reverse order.
 */
export class TestContext {
  readonly config: Config
  readonly #cleanups: Array<() => Promise<void>> = []

  private constructor (config: Config) {
    this.config = config
  }

  /** Creates the context and registers its teardown on `t`. */
  static create (t: Test, overrides: Record<string, string> = {}): TestContext {
    const suffix = randomBytes(4).toString('hex')
    const databaseUrl = new URL(postgresBase)
    databaseUrl.pathname = `/docq_test_${suffix}`
    const context = new TestContext(loadConfig({
      DATABASE_URL: databaseUrl.toString(),
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: `dqtest-${suffix}`,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...overrides
    }))
    context.#cleanups.push(async () => { await dropDatabase(context.config.DATABASE_URL) })
    t.teardown(async () => {
      // Every cleanup runs even if one fails, so no connection is left to hold the process open.
      const failures: unknown[] = []
      for (const cleanup of context.#cleanups.reverse()) await cleanup().catch((error: unknown) => failures.push(error))
      if (failures.length > 0) throw new AggregateError(failures, 'test cleanup failed')
    })
    return context
  }

  /** A runtime (pool, queue, services) on this context; the first one also migrates the database. */
  async runtime (overrides: Partial<Config> = {}): Promise<Runtime> {
    const config = { ...this.config, ...overrides }
    const runtime = await createRuntime(config, createLogger(config.LOG_LEVEL, 'test'))
    this.#cleanups.push(async () => {
      try {
        // A runtime pointed at an unreachable Redis has no queue data to remove, and BullMQ would wait.
        if (runtime.producer.status === 'ready') await runtime.queue.obliterate({ force: true })
      } finally {
        // Closed even when removing the queue data failed (a Redis command timed out, say):
        // its connections would otherwise keep the test process alive.
        await runtime.close()
      }
    })
    return runtime
  }

  /** The HTTP app on a runtime, not listening (use `inject`). */
  async app (runtime: Runtime): Promise<FastifyInstance> {
    const app = await buildRuntimeApp(runtime)
    this.#cleanups.push(async () => { await app.close() })
    return app
  }

  /** A BullMQ worker in this process on a runtime's queue. */
  worker (runtime: Runtime): RunningWorker {
    const worker = startWorker(runtime)
    this.#cleanups.push(async () => { await worker.close(5_000) })
    return worker
  }

  /** Registers another cleanup, run before the ones registered earlier. */
  onCleanup (cleanup: () => Promise<void>): void {
    this.#cleanups.push(cleanup)
  }
}

/** What most tests start from: a context of their own, a runtime on it, its app, and an API key. */
export interface TestService {
  context: TestContext
  runtime: Runtime
  app: FastifyInstance
  key: string
  auth: { authorization: string }
}

/**
 * A docqueue for `t` alone, torn down with it. A test that builds its own runs by itself
 * (`--grep`) and in any order: nothing another test left (items, workers, wake-ups) is counted
 * by its sweeps, repairs and stats.
 */
export async function isolatedService (t: Test, tenant: string, overrides: Record<string, string> = {}): Promise<TestService> {
  const context = TestContext.create(t, overrides)
  const runtime = await context.runtime()
  const app = await context.app(runtime)
  const { key } = await runtime.apiKeys.create(tenant)
  return { context, runtime, app, key, auth: { authorization: `Bearer ${key}` } }
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T> (probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
