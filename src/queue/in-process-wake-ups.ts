import type { JobsOptions } from 'bullmq'
import type { WakeUpChannel, WakeUpData } from './wake-ups.js'

type State = 'prioritized' | 'delayed' | 'active'

interface Job {
  id: string
  data: WakeUpData
  priority: number
  /** Order of arrival among jobs of the same priority. */
  sequence: number
  state: State
  timer?: NodeJS.Timeout
}

/** Runs one wake-up's item; a rejection only drops the wake-up (the reconciler sends another). */
export type WakeUpHandler = (data: WakeUpData) => Promise<unknown>

/**
 * The wake-up channel of the embedded mode, where API and worker share one process and there
 * is no Redis: jobs live in this process's memory, named and reported exactly as BullMQ would
 * (job ids, `prioritized`/`delayed`/`active` states, ranges), and are handed to a handler here.
 *
 * Losing them is harmless, as with a Redis that loses its data: Postgres holds every item, and
 * after a restart the reconciler finds the due items that no wake-up will deliver and sends
 * new ones. A wake-up whose handler throws (Postgres unreachable at claim time) is dropped for
 * the same reason, instead of being retried here.
 */
export class InProcessWakeUps implements WakeUpChannel {
  readonly #jobs = new Map<string, Job>()
  #sequence = 0
  #handler: WakeUpHandler | undefined
  #concurrency = 1
  #fetching = false
  #closed = false
  readonly #running = new Set<Promise<void>>()
  readonly #onError: (error: Error, data: WakeUpData) => void

  constructor (options: { onError: (error: Error, data: WakeUpData) => void }) {
    this.#onError = options.onError
  }

  async addBulk (jobs: Array<{ name: string, data: WakeUpData, opts?: JobsOptions }>): Promise<void> {
    if (this.#closed) throw new Error('the in-process wake-up queue is closed')
    for (const { data, opts = {} } of jobs) {
      const id = opts.jobId ?? data.itemId
      // As in BullMQ, a job id still held by a job makes the add a no-op.
      if (this.#jobs.has(id)) continue
      const job: Job = { id, data, priority: opts.priority ?? 0, sequence: this.#sequence++, state: 'prioritized' }
      const delayMs = opts.delay ?? 0
      if (delayMs > 0) {
        job.state = 'delayed'
        job.timer = setTimeout(() => { job.state = 'prioritized'; this.#pump() }, delayMs)
        job.timer.unref()
      }
      this.#jobs.set(id, job)
    }
    this.#pump()
  }

  async getJobState (jobId: string): Promise<string> {
    return this.#jobs.get(jobId)?.state ?? 'unknown'
  }

  /** Without `processedOn`: an active job here runs in this very process, which cannot die without the channel. */
  async getJob (jobId: string): Promise<{ processedOn?: number } | undefined> {
    return this.#jobs.has(jobId) ? {} : undefined
  }

  async remove (jobId: string): Promise<number> {
    const job = this.#jobs.get(jobId)
    if (job === undefined || job.state === 'active') return 0
    clearTimeout(job.timer)
    this.#jobs.delete(jobId)
    return 1
  }

  async getRanges (types: Array<'wait' | 'prioritized' | 'delayed' | 'active'>, start = 0, end = -1, asc = false): Promise<string[]> {
    // Every job waits with a priority here, as BullMQ keeps jobs that have one: `wait` is empty.
    const wanted = new Set<string>(types)
    const ids = this.#ordered().filter((job) => wanted.has(job.state)).map((job) => job.id)
    if (!asc) ids.reverse()
    return ids.slice(start, end < 0 ? undefined : end + 1)
  }

  /** Starts handing waiting jobs to `handler`, at most `concurrency` at a time. */
  consume (handler: WakeUpHandler, concurrency: number): void {
    this.#handler = handler
    this.#concurrency = concurrency
    this.#fetching = true
    this.#pump()
  }

  /** Stops handing out jobs; those running go on (see {@link idle}). */
  stopFetching (): void {
    this.#fetching = false
  }

  /** Resolves once no job is running, those started meanwhile included. */
  async idle (): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running])
  }

  async close (): Promise<void> {
    this.#closed = true
    this.#fetching = false
    for (const job of this.#jobs.values()) clearTimeout(job.timer)
  }

  #ordered (): Job[] {
    return [...this.#jobs.values()].sort((a, b) => a.priority - b.priority || a.sequence - b.sequence)
  }

  #pump (): void {
    const handler = this.#handler
    if (!this.#fetching || handler === undefined) return
    for (const job of this.#ordered()) {
      if (this.#running.size >= this.#concurrency) return
      if (job.state !== 'prioritized') continue
      job.state = 'active'
      const run = handler(job.data)
        .then(() => {}, (error: unknown) => { this.#onError(error instanceof Error ? error : new Error(String(error)), job.data) })
        .finally(() => {
          this.#jobs.delete(job.id)
          this.#running.delete(run)
          this.#pump()
        })
      this.#running.add(run)
    }
  }
}
