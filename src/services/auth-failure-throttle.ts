import { isIPv6 } from 'node:net'
import type { Redis } from 'ioredis'
import { MemoryFailureCounter, RedisFailureCounter, type FailureCounter } from './failure-counter.js'

export interface AuthFailureThrottleOptions {
  /**
   * Shared by every API process, so the count holds whichever process a client reaches.
   * Undefined in the embedded mode (no Redis, one process): counted in this process's memory.
   */
  redis: Redis | undefined
  /** Key prefix, e.g. the queue prefix. */
  prefix: string
  /** Failures per address per window before the address is refused; 0 turns the throttle off. */
  maxFailures: number
  windowMs: number
  /** What is counted, in the key: `auth-failures` (API keys per address) unless given. */
  scope?: string
  /** Whose failures count together; {@link addressBucket} unless given (another subject, such as an account name). */
  bucket?: (subject: string) => string
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
 * Whose failures count together: an IPv4 address, or the /64 network of an IPv6 address, since
 * one IPv6 client usually holds a whole /64 and could take a fresh address for every attempt.
 */
export function addressBucket (address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped !== null) return mapped[1]
  if (!isIPv6(address)) return address
  const [head, tail] = address.split('%')[0].toLowerCase().split('::')
  const split = (part: string | undefined): string[] => part === undefined || part === '' ? [] : part.split(':')
  // A dotted IPv4 tail stands for two groups.
  const width = (parts: string[]): number => parts.reduce((sum, part) => sum + (part.includes('.') ? 2 : 1), 0)
  const before = split(head)
  const after = split(tail)
  const groups = tail === undefined ? before : [...before, ...Array<string>(8 - width(before) - width(after)).fill('0'), ...after]
  return `${groups.slice(0, 4).map((group) => parseInt(group, 16).toString(16)).join(':')}::/64`
}

/**
 * Counts failed authentications per client address in fixed windows, in Redis (or, in the
 * embedded mode, in memory), and refuses an address that reached the limit until its window
 * ends. Every failure a client can cause for free (a made-up key) otherwise costs us a database
 * query and a log line.
 *
 * When Redis is unreachable nothing is counted and nobody is refused: an outage of the counter
 * must not lock out every client. Unknown keys are still cached, so a repeated fake key costs
 * one query per cache period even then.
 */
export class AuthFailureThrottle {
  readonly #options: AuthFailureThrottleOptions
  readonly #counter: FailureCounter
  readonly #blockedUntil = new Map<string, number>()

  constructor (options: AuthFailureThrottleOptions) {
    this.#options = options
    this.#counter = options.redis === undefined ? new MemoryFailureCounter() : new RedisFailureCounter(options.redis)
  }

  /** Seconds until `address` may try again, or undefined when it is not refused. */
  async retryAfterSeconds (address: string): Promise<number | undefined> {
    if (this.#options.maxFailures === 0) return undefined
    const bucket = this.#bucket(address)
    const until = this.#blockedUntil.get(bucket)
    if (until !== undefined) {
      if (until > Date.now()) return Math.ceil((until - Date.now()) / 1000)
      this.#blockedUntil.delete(bucket)
    }
    const counted = await this.#counter.read(this.#key(bucket))
    if (counted === undefined || counted.failures < this.#options.maxFailures || counted.remainingMs <= 0) return undefined
    this.#block(bucket, counted.remainingMs)
    return Math.ceil(counted.remainingMs / 1000)
  }

  /** Counts one failed authentication of `address`. */
  async recordFailure (address: string): Promise<RecordedFailure> {
    if (this.#options.maxFailures === 0) return { failures: 0, reachedLimit: false }
    const windowMs = this.#options.windowMs
    const bucket = this.#bucket(address)
    const counted = await this.#counter.add(this.#key(bucket), windowMs)
    if (counted === undefined) return { failures: 0, reachedLimit: false }
    const { failures, remainingMs } = counted
    if (failures >= this.#options.maxFailures) this.#block(bucket, remainingMs > 0 ? remainingMs : windowMs)
    return { failures, reachedLimit: failures === this.#options.maxFailures }
  }

  #bucket (subject: string): string {
    return (this.#options.bucket ?? addressBucket)(subject)
  }

  #block (bucket: string, ms: number): void {
    if (this.#blockedUntil.size >= BLOCKED_MAX_ENTRIES) this.#blockedUntil.delete(this.#blockedUntil.keys().next().value as string)
    this.#blockedUntil.set(bucket, Date.now() + ms)
  }

  #key (bucket: string): string {
    const { prefix, scope = 'auth-failures' } = this.#options
    return `${prefix}:${scope}:${bucket}`
  }
}
