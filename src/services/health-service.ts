import type { Redis } from 'ioredis'
import type { Pool } from '../db/pool.js'
import { withTimeout } from '../lib/with-timeout.js'
import { redisConfigurationProblems } from '../queue/redis.js'

export interface Readiness {
  ready: boolean
  postgres: 'up' | 'down'
  /** `not used` in the embedded mode, where wake-ups are dispatched in the process. */
  redis: 'up' | 'down' | 'not used'
  /** Configuration that works but endangers the queue, such as an evicting Redis. */
  warnings: string[]
}

const CHECK_TIMEOUT_MS = 2_000

async function answers (check: () => Promise<unknown>): Promise<'up' | 'down'> {
  try {
    return await withTimeout(check().then(() => 'up' as const), CHECK_TIMEOUT_MS, () => 'down' as const)
  } catch {
    return 'down'
  }
}

/** Whether the engines docqueue depends on answer, each within two seconds. */
export class HealthService {
  readonly #pool: Pool
  readonly #redis: Redis | undefined

  constructor (options: { pool: Pool, redis: Redis | undefined }) {
    this.#pool = options.pool
    this.#redis = options.redis
  }

  async readiness (): Promise<Readiness> {
    const redisConnection = this.#redis
    if (redisConnection === undefined) {
      const postgres = await answers(() => this.#pool.query('select 1'))
      return { ready: postgres === 'up', postgres, redis: 'not used', warnings: [] }
    }
    const [postgres, redis] = await Promise.all([
      answers(() => this.#pool.query('select 1')),
      answers(() => redisConnection.ping())
    ])
    const warnings = redis === 'up' ? await redisConfigurationProblems(redisConnection) : []
    return { ready: postgres === 'up' && redis === 'up', postgres, redis, warnings }
  }
}
