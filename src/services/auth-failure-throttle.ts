import type { Redis } from 'ioredis'
import { redisCall } from '../queue/redis-call.js'

export interface AuthFailureThrottleOptions {
  /** Shared by every API process, so the count holds whichever process a client reaches. */
  redis: Redis
  /** Key prefix, e.g. the queue prefix. */
  prefix: string
  /** Failures per address per window before the address is refused; 0 turns the throttle off. */
  maxFailures: number
  windowMs: number
}

export interface RecordedFailure {
  /** Failures of this address in the current window, 0 when they could not be counted. */
  failures: number
  /** True for the one failure that reached the limit: the moment worth a log line. */
  reachedLimit: boolean
}

// Local memory of refused addresses, so that a client hammering while refused costs no Redis call.
const BLOCKED_MAX_ENTRIES = 10_000

/**
 * Counts failed authentications per client address in fixed windows, in Redis, and refuses an
 * address that reached the limit until its window ends. Every failure a client can cause for
 * free (a made-up key) otherwise costs us a database query and a log line.
 *
 * When Redis is unreachable nothing is counted and nobody is refused: an outage of the counter
 * must not lock out every client. Unknown keys are still cached, so a repeated fake key costs
 * one query per cache period even then.
 */
export class AuthFailureThrottle {
  readonly #options: AuthFailureThrottleOptions
  readonly #blockedUntil = new Map<string, number>()

  constructor (options: AuthFailureThrottleOptions) {
    this.#options = options
  }

  /** Seconds until `address` may try again, or undefined when it is not refused. */
  async retryAfterSeconds (address: string): Promise<number | undefined> {
    if (this.#options.maxFailures === 0) return undefined
    const until = this.#blockedUntil.get(address)
    if (until !== undefined) {
      if (until > Date.now()) return Math.ceil((until - Date.now()) / 1000)
      this.#blockedUntil.delete(address)
    }
    const counted = await this.#call(address, async (redis, key) => await redis.multi().get(key).pttl(key).exec())
    if (counted === undefined || counted === null) return undefined
    const [[, failures], [, ttlMs]] = counted as [[unknown, string | null], [unknown, number]]
    if (Number(failures ?? 0) < this.#options.maxFailures || ttlMs <= 0) return undefined
    this.#block(address, ttlMs)
    return Math.ceil(ttlMs / 1000)
  }

  /** Counts one failed authentication of `address`. */
  async recordFailure (address: string): Promise<RecordedFailure> {
    if (this.#options.maxFailures === 0) return { failures: 0, reachedLimit: false }
    const windowMs = this.#options.windowMs
    // One transaction, so a key never outlives its window without an expiry.
    const counted = await this.#call(address, async (redis, key) => await redis.multi().incr(key).pexpire(key, windowMs, 'NX').pttl(key).exec())
    if (counted === undefined || counted === null) return { failures: 0, reachedLimit: false }
    const [[, failures], , [, ttlMs]] = counted as [[unknown, number], unknown, [unknown, number]]
    if (failures >= this.#options.maxFailures) this.#block(address, ttlMs > 0 ? ttlMs : windowMs)
    return { failures, reachedLimit: failures === this.#options.maxFailures }
  }

  #block (address: string, ms: number): void {
    if (this.#blockedUntil.size >= BLOCKED_MAX_ENTRIES) this.#blockedUntil.delete(this.#blockedUntil.keys().next().value as string)
    this.#blockedUntil.set(address, Date.now() + ms)
  }

  async #call<T> (address: string, work: (redis: Redis, key: string) => Promise<T>): Promise<T | undefined> {
    const { redis, prefix } = this.#options
    const key = `${prefix}:auth-failures:${address}`
    try {
      return await redisCall(() => redis.status === 'ready', async () => await work(redis, key))
    } catch {
      return undefined
    }
  }
}
