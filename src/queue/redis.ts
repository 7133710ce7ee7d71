import { Redis } from 'ioredis'

export interface RedisLogger {
  warn: (object: object, message: string) => void
  error: (object: object, message: string) => void
}

// Reconnect quickly at first, then every 2 s at most, forever: a Redis restart must heal itself.
function retryStrategy (times: number): number {
  return Math.min(times * 100, 2_000)
}

function logErrors (redis: Redis, logger: RedisLogger, role: string): Redis {
  let lastLogged = 0
  redis.on('error', (error: Error) => {
    // A down Redis emits an error per reconnect attempt; one line every 10 s is enough.
    if (Date.now() - lastLogged < 10_000) return
    lastLogged = Date.now()
    logger.warn({ role, err: error.message }, 'redis connection error')
  })
  return redis
}

/**
 * The API's connection for adding jobs. It fails fast (no offline queue, a command timeout),
 * because an upload must not hang when Redis is down: Postgres already holds the item.
 */
export function createProducerConnection (url: string, logger: RedisLogger): Redis {
  return logErrors(new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 2_000,
    retryStrategy
  }), logger, 'producer')
}

/** A connection for BullMQ workers: they must wait through outages, so no per-request retry limit. */
export function createWorkerConnection (url: string, logger: RedisLogger): Redis {
  return logErrors(new Redis(url, { maxRetriesPerRequest: null, retryStrategy }), logger, 'worker')
}

/** Whether `redis` is (or becomes within `timeoutMs`) ready for commands. */
export async function waitForConnection (redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return true
  return await new Promise((resolve) => {
    const timer = setTimeout(() => { redis.off('ready', onReady); resolve(false) }, timeoutMs)
    function onReady (): void { clearTimeout(timer); resolve(true) }
    redis.once('ready', onReady)
  })
}

/**
 * What is wrong with the Redis server's eviction policy, if anything. BullMQ needs
 * `maxmemory-policy noeviction`: with an evicting policy Redis silently drops jobs and locks
 * under memory pressure. Postgres still recovers the items, but an operator must know.
 */
export async function evictionPolicyProblem (redis: Redis): Promise<string | undefined> {
  try {
    const [, policy] = await redis.config('GET', 'maxmemory-policy') as [string, string]
    return policy === 'noeviction' ? undefined : `redis maxmemory-policy is ${policy}; BullMQ needs noeviction`
  } catch {
    // Managed Redis services often forbid CONFIG; nothing to check then.
    return undefined
  }
}

/** Logs an error at start-up when the eviction policy is unsafe. */
export async function warnAboutEvictionPolicy (redis: Redis, logger: RedisLogger): Promise<void> {
  const problem = await evictionPolicyProblem(redis)
  if (problem !== undefined) logger.error({ problem }, 'unsafe redis configuration: jobs can be evicted')
}
