import type { Operation } from '../states.js'

/** How often and how patiently an operation is retried after transient failures. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number
  /** The backoff cap after the first failure; doubles with each further failure. */
  baseMs: number
  /** No backoff exceeds this. */
  maxMs: number
}

export type RetryPolicies = Record<Operation, RetryPolicy>

/**
 * Exponential backoff with full jitter: a uniform delay between 0 and
 * min(maxMs, baseMs × 2^(attempt − 1)). Jitter spreads the retries of many items that failed
 * together (an outage) instead of sending them back in one wave.
 */
export function backoffDelayMs (policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.floor(random() * ceiling)
}
