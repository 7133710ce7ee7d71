import { runQueueItem, type ItemRunnerDeps } from './run-queue-item.js'

export interface SweepResult {
  /** Items this sweep claimed and ran. */
  processed: number
  completed: number
  failed: number
  /** Failed transiently; their next attempt is scheduled. */
  retrying: number
}

/**
 * The sweeper: finds items that are due and that no live wake-up will deliver (never dispatched,
 * wake-up lost with Redis data, or a dead worker's expired lease) and runs each through the
 * same path as the workers. Safe beside workers and other sweepers: claiming is atomic, so an
 * item raced for is processed once and `skipped` everywhere else.
 */
export async function processDocumentQueue (deps: ItemRunnerDeps, options: { limit: number }): Promise<SweepResult> {
  const items = await deps.queue.getPendingItems(options.limit)
  const result: SweepResult = { processed: 0, completed: 0, failed: 0, retrying: 0 }
  for (const item of items) {
    const outcome = await runQueueItem(deps, item)
    if (outcome === 'skipped') continue
    result.processed += 1
    if (outcome === 'completed' || outcome === 'failed' || outcome === 'retrying') result[outcome] += 1
  }
  deps.logger.info(result, 'sweep finished')
  return result
}
