import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import type { BenchChild } from './child-process.js'
import { cpuSnapshot, waitUntilIdle, type CpuSnapshot } from './cpu-usage.js'
import { processTree } from './process-tree.js'

/** Where a pipeline's workers take their jobs: a BullMQ queue on Redis. */
export interface QueueAddress { redisUrl: string, prefix: string, name: string }

/** Workers that have finished starting, and the CPU snapshots at their spawn and at the queue's release. */
export interface StartedWorkers { workers: BenchChild[], spawned: CpuSnapshot, released: CpuSnapshot }

/** The workers' processes with their children (a docqueue worker's extraction processes). */
export function workerTrees (workers: BenchChild[]): number[] {
  return workers.flatMap((worker) => processTree(worker.pid))
}

/** Throws when one of the workers has exited. */
export function assertRunning (workers: BenchChild[]): void {
  const exited = workers.find((worker) => !worker.running)
  if (exited !== undefined) throw new Error(`${exited.name} exited:\n${exited.output()}`)
}

/**
 * Pauses the queue, starts the workers with `spawn`, waits until their processes are idle
 * (code loaded, parsers and extraction processes started), then resumes the queue: a drain
 * timed from the release is that of workers that have finished starting, as a long-running
 * deployment has them. Both pipelines are held the same way; a paused job still counts as
 * waiting, so docqueue's reconciler sends no second wake-up meanwhile. On a failure the queue
 * is resumed all the same (its connection would keep the process from exiting) and the workers
 * started are stopped.
 */
export async function startOnHeldQueue (queue: QueueAddress, spawn: () => BenchChild[]): Promise<StartedWorkers> {
  const connection = new Redis(queue.redisUrl, { maxRetriesPerRequest: null })
  const held = new Queue(queue.name, { connection, prefix: queue.prefix })
  let workers: BenchChild[] = []
  try {
    await held.pause()
    const spawned = await cpuSnapshot()
    workers = spawn()
    await waitUntilIdle(() => workerTrees(workers), { idleCores: 0.05 * workers.length, windowMs: 1_000, timeoutMs: 120_000, check: () => { assertRunning(workers) } })
    const released = await cpuSnapshot()
    await held.resume()
    return { workers, spawned, released }
  } catch (error) {
    await held.resume().catch(() => {})
    await Promise.all(workers.map(async (worker) => { await worker.stop() }))
    throw error
  } finally {
    await held.close()
    connection.disconnect()
  }
}
