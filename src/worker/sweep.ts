import type { AnyInfrastructure } from '../infrastructure.js'
import { adminChoresOnce } from './admin-chores.js'
import { createConfiguredProcessor } from './configured-processor.js'
import { runQueueItem, type ItemRunnerDeps } from './run-queue-item.js'

export interface SweepResult {
  /** Items this sweep claimed and ran. */
  processed: number
  completed: number
  failed: number
  /** Failed transiently; their next attempt is scheduled. */
  retrying: number
  /** Poison items failed as `crashed` without running: their worker died on every attempt. */
  crashed: number
  /** Items of dead workers put back to pending (and then run here, unless raced for). */
  takenOver: number
  /** Due items that no live wake-up would deliver: what this sweep tried to run. */
  due: number
  /** Due items left to the wake-up Redis holds for them (of the `limit` looked at). */
  waitingOnWakeups: number
  /** Items in progress under a live worker, left alone. */
  heldByLiveWorkers: number
}

/**
 * A sweep: the repair pass (poison items failed, dead workers' items taken back), then each due
 * item that no live wake-up will deliver (never dispatched, wake-up lost with Redis data, taken
 * over from a dead worker) run in this process through the same path as the workers. For
 * deployments without worker processes (`npm run sweep` from cron, `POST /cron/process`), and
 * safe beside workers and other sweeps: claiming is atomic, so an item raced for is processed
 * once and `skipped` everywhere else.
 */
export async function sweep (deps: ItemRunnerDeps, options: { limit: number }): Promise<SweepResult> {
  const repair = await deps.queue.repair(options.limit)
  const result: SweepResult = {
    processed: 0,
    completed: 0,
    failed: 0,
    retrying: 0,
    crashed: repair.crashed,
    takenOver: repair.takenOver,
    due: repair.orphaned.length,
    waitingOnWakeups: repair.waitingOnWakeups,
    heldByLiveWorkers: repair.heldByLiveWorkers
  }
  for (const item of repair.orphaned) {
    const outcome = await runQueueItem(deps, item)
    if (outcome === 'skipped') continue
    result.processed += 1
    if (outcome === 'completed' || outcome === 'failed' || outcome === 'retrying') result[outcome] += 1
  }
  deps.logger.info(result, 'sweep finished')
  return result
}

export interface Sweeper {
  sweep: (limit: number) => Promise<SweepResult>
  /** Ends the extraction processes a sweep started. */
  close: () => Promise<void>
}

/**
 * Sweeps on an infrastructure, with an extraction processor of their own that starts its
 * processes only when a sweep first has an item to run. Where no worker leads, a sweep also
 * does the leader's admin work: some batches of the bulk actions, the retention policy.
 */
export function createSweeper (infra: AnyInfrastructure): Sweeper {
  const processor = createConfiguredProcessor(infra.config)
  const deps: ItemRunnerDeps = { queue: infra.queue, processor, logger: infra.logger, leaseMs: infra.config.LEASE_MS, active: new Set() }
  return {
    sweep: async (limit) => {
      const result = await sweep(deps, { limit })
      await adminChoresOnce(infra)
      return result
    },
    close: async () => { await processor.close() }
  }
}
