import { Queue } from 'bullmq'
import { Redis } from 'ioredis'

/** A BullMQ queue held paused: its workers start and load their code without taking a job. */
export interface QueueGate {
  /** Resumes the queue: the workers take its jobs from now on. */
  release: () => Promise<void>
}

/**
 * Pauses the queue `name` of `prefix` until `release()`, so that a drain is timed with workers
 * that have finished starting. Both pipelines are held the same way; a paused job still counts
 * as waiting, so docqueue's reconciler sends no second wake-up meanwhile.
 */
export async function holdQueue (redisUrl: string, prefix: string, name: string): Promise<QueueGate> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null })
  const queue = new Queue(name, { connection, prefix })
  await queue.pause()
  return {
    release: async () => {
      try {
        await queue.resume()
      } finally {
        await queue.close()
        connection.disconnect()
      }
    }
  }
}
