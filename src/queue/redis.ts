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
async function evictionPolicyProblem (redis: Redis): Promise<string | undefined> {
  try {
    const [, policy] = await redis.config('GET', 'maxmemory-policy') as [string, string]
    return policy === 'noeviction' ? undefined : `redis maxmemory-policy is ${policy}; BullMQ needs noeviction`
  } catch {
    // Managed Redis services often forbid CONFIG; nothing to check then.
    return undefined
  }
}

/** BullMQ's own minimum; the wake-up queue skips BullMQ's check (see createWakeUpQueue). */
const MINIMUM_REDIS_VERSION = [5, 0, 0]

function isOlder (version: number[], than: number[]): boolean {
  const differs = than.findIndex((part, i) => (version[i] ?? 0) !== part)
  return differs !== -1 && (version[differs] ?? 0) < than[differs]
}

/** What is wrong with the Redis server's version, if anything. */
async function versionProblem (redis: Redis): Promise<string | undefined> {
  try {
    const version = /^redis_version:([\d.]+)/m.exec(await redis.info('server'))?.[1]
    if (version === undefined) return undefined
    if (!isOlder(version.split('.').map(Number), MINIMUM_REDIS_VERSION)) return undefined
    return `redis ${version} is older than ${MINIMUM_REDIS_VERSION.join('.')}, the oldest BullMQ supports`
  } catch {
    // A server that will not say (or does not answer yet) is checked again by /readyz.
    return undefined
  }
}

/** What is wrong with the Redis server's configuration for BullMQ: one sentence per problem. */
export async function redisConfigurationProblems (redis: Redis): Promise<string[]> {
  const problems = await Promise.all([evictionPolicyProblem(redis), versionProblem(redis)])
  return problems.filter((problem) => problem !== undefined)
}

/** Logs an error at start-up for each unsafe setting of the Redis server. */
export async function warnAboutRedisConfiguration (redis: Redis, logger: RedisLogger): Promise<void> {
  for (const problem of await redisConfigurationProblems(redis)) {
    logger.error({ problem }, 'unsafe redis configuration')
  }
}
