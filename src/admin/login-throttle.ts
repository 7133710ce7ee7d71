import type { Redis } from 'ioredis'
import { AuthFailureThrottle } from '../services/auth-failure-throttle.js'

export interface LoginThrottleOptions {
  /** Undefined in the embedded mode (no Redis, one process): counted in this process's memory. */
  redis: Redis | undefined
  prefix: string
  /** Failed logins per account name, and per address, per window; 0 turns both off. */
  maxFailures: number
  windowMs: number
}

/**
 * Failed admin logins counted twice, in Redis (in memory in the embedded mode): per account
 * name, so that guessing one account's password from many addresses stops, and per address, so
 * that one client cannot try many accounts. The price of the first: anyone can lock an account out for one window by failing
 * on purpose, so the window (ADMIN_LOGIN_WINDOW_MS) is a matter of minutes.
 */
export class LoginThrottle {
  readonly #byAccount: AuthFailureThrottle
  readonly #byAddress: AuthFailureThrottle

  constructor (options: LoginThrottleOptions) {
    // Names are matched exactly at login, but counted without case, so `Root` and `root` share a count.
    this.#byAccount = new AuthFailureThrottle({ ...options, scope: 'admin-login-account', bucket: (name) => name.toLowerCase() })
    this.#byAddress = new AuthFailureThrottle({ ...options, scope: 'admin-login-address' })
  }

  /** Seconds until this account name from this address may try again, or undefined when it may now. */
  async retryAfterSeconds (name: string, address: string): Promise<number | undefined> {
    const [account, client] = await Promise.all([this.#byAccount.retryAfterSeconds(name), this.#byAddress.retryAfterSeconds(address)])
    if (account === undefined) return client
    return Math.max(account, client ?? 0)
  }

  async recordFailure (name: string, address: string): Promise<void> {
    await Promise.all([this.#byAccount.recordFailure(name), this.#byAddress.recordFailure(address)])
  }
}
