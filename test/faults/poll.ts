/** Thrown when a polled condition did not come true before its deadline. */
export class DeadlineError extends Error {
  override name = 'DeadlineError'
}

export interface PollOptions {
  /** Gives up after this long. */
  timeoutMs: number
  /** Pause between probes; short, because it is the only sleep the harness allows itself. */
  intervalMs?: number
  /** Probe errors are expected (an engine is down): keep polling instead of failing. */
  tolerateErrors?: boolean
}

/** Resolves after `ms`; only for pacing inside polling loops and deliberate fault durations. */
export async function pause (ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Polls `probe` until it returns something other than undefined, and returns that. Throws a
 * {@link DeadlineError} naming `what` (and the last probe error, if any) after the deadline.
 */
export async function waitFor<T> (what: string, probe: () => Promise<T | undefined> | T | undefined, options: PollOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs
  const interval = options.intervalMs ?? 100
  let lastError: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (error) {
      if (options.tolerateErrors !== true) throw error
      lastError = error
    }
    if (Date.now() >= deadline) {
      const cause = lastError === undefined ? '' : ` (last error: ${(lastError as Error).message})`
      throw new DeadlineError(`timed out after ${options.timeoutMs} ms waiting for ${what}${cause}`)
    }
    await pause(Math.min(interval, Math.max(1, deadline - Date.now())))
  }
}

/** Runs `work` and rejects if it has not settled after `timeoutMs`. */
export async function withTimeout<T> (what: string, timeoutMs: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([work, new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new DeadlineError(`${what} did not finish within ${timeoutMs} ms`)), timeoutMs)
    })])
  } finally {
    clearTimeout(timer)
  }
}
