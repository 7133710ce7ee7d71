import { runQueueItem, type ItemRunnerDeps } from './run-queue-item.js'

export interface SweepResult {
  /** Items this sweep ran through the pipeline (claimed or found already taken). */
  processed: number
  completed: number
  failed: number
}

/**
 * The sweeper: finds items that are due and that no live wake-up will deliver (never dispatched,
 * wake-up lost with Redis data, or a dead worker's expired lease) and runs each through the
 * same path as the workers. Safe to run beside workers and other sweepers: claiming is atomic,
 * so an item raced for is processed once and `skipped` everywhere else.
 */
export async function processDocumentQueue (deps: ItemRunnerDeps, options: { limit: number }): Promise<SweepResult> {
  const items = await deps.queue.getPendingItems(options.limit)
  const result: SweepResult = { processed: 0, completed: 0, failed: 0 }
  for (const item of items) {
    const outcome = await runQueueItem(deps, item)
    if (outcome === 'skipped') continue
    result.processed += 1
    if (outcome === 'completed') result.completed += 1
    if (outcome === 'failed') result.failed += 1
  }
  deps.logger.info(result, 'sweep finished')
  return result
}
