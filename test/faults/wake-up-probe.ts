import { Redis } from 'ioredis'
import { createWakeUpQueue, WAKE_UP_QUEUE_NAME, wakeUpJobId, wakeUpOptions, type WakeUpQueue as BullWakeUpQueue } from '../../src/queue/wake-ups.js'

/** One entry of BullMQ's event stream of the documents queue. */
export interface QueueEvent {
  /** The stream id: entries are in the order Redis applied them. */
  id: string
  event: string
  jobId: string | undefined
  fields: Record<string, string>
}

/** Where a job id's lifetimes begin and end in the event stream. */
const BORN = new Set(['added'])
const GONE = new Set(['completed', 'failed', 'removed'])

/**
 * The job ids whose lifetimes overlapped: a second `added` before the first job of that id
 * completed, failed or was removed. Empty when BullMQ kept at most one job per id at a time.
 */
export function overlappingJobs (events: QueueEvent[]): string[] {
  const alive = new Set<string>()
  const overlapping = new Set<string>()
  for (const entry of events) {
    if (entry.jobId === undefined) continue
    if (BORN.has(entry.event)) {
      if (alive.has(entry.jobId)) overlapping.add(entry.jobId)
      alive.add(entry.jobId)
    } else if (GONE.has(entry.event)) {
      alive.delete(entry.jobId)
    }
  }
  return [...overlapping]
}

/**
 * The harness's own producer and reader on a deployment's BullMQ queue, connected straight to
 * Redis (never through a scenario's proxy): it adds wake-ups exactly as the service names them
 * and reads the event stream that records what BullMQ did with them.
 */
export class WakeUpProbe {
  readonly #connection: Redis
  readonly #queue: BullWakeUpQueue
  readonly #eventsKey: string

  constructor (redisUrl: string, prefix: string) {
    this.#connection = new Redis(redisUrl, { maxRetriesPerRequest: null })
    this.#connection.on('error', () => {})
    this.#queue = createWakeUpQueue(this.#connection, prefix)
    this.#queue.on('error', () => {})
    this.#eventsKey = `${prefix}:${WAKE_UP_QUEUE_NAME}:events`
  }

  /** Adds the wake-up the service would send for an item; returns the job id BullMQ answered. */
  async add (item: { itemId: string, documentId: string, priority: number, wakeups: number }): Promise<string | undefined> {
    const jobId = wakeUpJobId(item.itemId, item.wakeups)
    const job = await this.#queue.add('process', { itemId: item.itemId, documentId: item.documentId }, wakeUpOptions(jobId, item.priority))
    return job.id
  }

  /** The BullMQ state of a job id, `unknown` when no such job exists. */
  async state (jobId: string): Promise<string> {
    return await this.#queue.getJobState(jobId)
  }

  /** Removes a job (not one that is active). */
  async remove (jobId: string): Promise<void> {
    await this.#queue.remove(jobId)
  }

  /** How many jobs the queue holds, whatever their state. */
  async jobCount (): Promise<number> {
    const counts = await this.#queue.getJobCounts()
    return Object.values(counts).reduce((sum, count) => sum + count, 0)
  }

  /** Jobs a worker is running right now (or holds without a live lock, until the stall check). */
  async activeCount (): Promise<number> {
    return (await this.#queue.getJobCounts('active')).active ?? 0
  }

  /** The event stream, oldest first, optionally only the entries of job ids `jobIds`. */
  async events (jobIds?: Set<string>): Promise<QueueEvent[]> {
    const entries = await this.#connection.xrange(this.#eventsKey, '-', '+')
    const events = entries.map(([id, flat]) => {
      const fields: Record<string, string> = {}
      for (let index = 0; index + 1 < flat.length; index += 2) fields[flat[index]] = flat[index + 1]
      return { id, event: fields.event, jobId: fields.jobId, fields }
    })
    return jobIds === undefined ? events : events.filter((entry) => entry.jobId !== undefined && jobIds.has(entry.jobId))
  }

  async close (): Promise<void> {
    await this.#queue.close().catch(() => {})
    this.#connection.disconnect()
  }
}
