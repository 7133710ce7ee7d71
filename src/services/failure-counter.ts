import type { Redis } from 'ioredis'
import { redisCall } from '../queue/redis-call.js'

export interface FailureCount {
  /** Failures counted under the key in its current window (0 when none is open). */
  failures: number
  /** Milliseconds left of that window; 0 or less when none is open. */
  remainingMs: number
}

/**
 * Where a throttle keeps its counts: fixed windows per key, opened by the key's first failure.
 * Undefined answers mean "cannot count now", and the throttle then refuses nobody.
 */
export interface FailureCounter {
  read: (key: string) => Promise<FailureCount | undefined>
  /** Counts one failure under `key`, opening a window of `windowMs` if none is open. */
  add: (key: string, windowMs: number) => Promise<FailureCount | undefined>
}

/** Counts in Redis, shared by every API process; nothing while Redis is unreachable. */
export class RedisFailureCounter implements FailureCounter {
  constructor (readonly redis: Redis) {}

  async read (key: string): Promise<FailureCount | undefined> {
    const counted = await this.#call(async () => await this.redis.multi().get(key).pttl(key).exec())
    if (counted === undefined || counted === null) return undefined
    const [[, failures], [, remainingMs]] = counted as [[unknown, string | null], [unknown, number]]
    return { failures: Number(failures ?? 0), remainingMs }
  }

  async add (key: string, windowMs: number): Promise<FailureCount | undefined> {
    // One transaction, so a key never outlives its window without an expiry.
    const counted = await this.#call(async () => await this.redis.multi().incr(key).pexpire(key, windowMs, 'NX').pttl(key).exec())
    if (counted === undefined || counted === null) return undefined
    const [[, failures], , [, remainingMs]] = counted as [[unknown, number], unknown, [unknown, number]]
    return { failures, remainingMs }
  }

  async #call<T> (work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await redisCall(() => this.redis.status === 'ready', work)
    } catch {
      return undefined
    }
  }
}

// Enough for every client of a small install; past it the oldest window is forgotten, so a flood
// of made-up addresses costs bounded memory (and at worst resets some old counts early).
const MEMORY_MAX_KEYS = 100_000

/**
 * Counts in this process's memory: right where one process serves every request (the embedded
 * mode, which has no Redis). Windows are kept in the order they opened, and each counter serves
 * one throttle with one window length, so the first entries are always the first to end.
 */
export class MemoryFailureCounter implements FailureCounter {
  readonly #windows = new Map<string, { failures: number, endsAt: number }>()

  async read (key: string): Promise<FailureCount> {
    const window = this.#open(key)
    return { failures: window?.failures ?? 0, remainingMs: window === undefined ? 0 : window.endsAt - Date.now() }
  }

  async add (key: string, windowMs: number): Promise<FailureCount> {
    let window = this.#open(key)
    if (window === undefined) {
      this.#forgetEnded()
      if (this.#windows.size >= MEMORY_MAX_KEYS) this.#windows.delete(this.#windows.keys().next().value as string)
      window = { failures: 0, endsAt: Date.now() + windowMs }
      this.#windows.set(key, window)
    }
    window.failures += 1
    return { failures: window.failures, remainingMs: window.endsAt - Date.now() }
  }

  #open (key: string): { failures: number, endsAt: number } | undefined {
    const window = this.#windows.get(key)
    if (window === undefined || window.endsAt > Date.now()) return window
    this.#windows.delete(key)
    return undefined
  }

  #forgetEnded (): void {
    const now = Date.now()
    for (const [key, window] of this.#windows) {
      if (window.endsAt > now) return
      this.#windows.delete(key)
    }
  }
}
