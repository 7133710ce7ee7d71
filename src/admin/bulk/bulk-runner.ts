import type { Logger } from 'pino'
import { withTransaction, type Pool } from '../../db/pool.js'
import type { DocumentQueueService } from '../../queue/document-queue-service.js'
import { BULK_STATUS } from '../../states.js'
import { recordAudit } from '../admin-audit.js'
import type { BulkActionRecord } from './bulk-action-record.js'
import { bulkAuditEntry } from './bulk-audit.js'
import { batchMethodFor } from './batch-method.js'
import { claimBulkAction, finishBulkAction, recordBatch, releaseBulkAction } from './bulk-store.js'
import { nextBatch, type BatchKey } from './bulk-target.js'

export interface BulkRunnerDeps {
  pool: Pool
  queue: DocumentQueueService
  logger: Logger
  /** Who runs: the worker or sweeper id, written on the actions it holds. */
  runner: string
  /** How long a claimed action stays with this runner; extended by every batch. */
  leaseMs: number
  batchSize: number
}

export interface BulkRunOptions {
  /** At most this many batches in this call, over every action it takes. */
  maxBatches: number
  /** Asked between batches; true gives the action back at once (shutdown, leadership lost). */
  shouldStop?: () => boolean
}

/** The batch's record found the action cancelled or taken over: the batch is rolled back. */
class BatchRefused extends Error {
  override name = 'BatchRefused'
}

/**
 * Runs queued and running bulk actions, oldest first, in batches of `batchSize` in keyset order.
 * Each batch is one transaction: the queue's change and the action's new position and counts
 * commit together (the queue's `beforeCommit`), so a runner that stops or dies between or inside
 * batches leaves the position of the last committed batch, the next runner starts there, and no
 * batch is applied twice. Returns how many batches ran.
 */
export async function runBulkActions (deps: BulkRunnerDeps, options: BulkRunOptions): Promise<number> {
  const stopping = options.shouldStop ?? (() => false)
  let batches = 0
  while (batches < options.maxBatches && !stopping()) {
    const record = await claimBulkAction(deps.pool, deps.runner, deps.leaseMs)
    if (record === undefined) break
    batches += await runClaimed(deps, record, options.maxBatches - batches, stopping)
  }
  return batches
}

async function runClaimed (deps: BulkRunnerDeps, record: BulkActionRecord, budget: number, stopping: () => boolean): Promise<number> {
  const { pool, runner } = deps
  const log = deps.logger.child({ bulkActionId: record.id, action: record.action })
  const apply = batchMethodFor(deps.queue, record.target)
  const scope = { tenants: record.tenants, asOf: record.asOf }
  let position: BatchKey = record.position
  let ran = 0
  try {
    for (;;) {
      if (ran >= budget || stopping()) {
        await releaseBulkAction(pool, record.id, runner)
        return ran
      }
      const batch = await nextBatch(pool, record.target, scope, position, deps.batchSize)
      if (batch.ids.length === 0) {
        await finish(deps, record, BULK_STATUS.completed)
        return ran
      }
      await apply(batch.ids, record.tenants, async (tx, changedIds) => {
        const recorded = await recordBatch(tx, record.id, runner, deps.leaseMs, { end: batch.end, done: batch.ids.length, affected: changedIds.length })
        if (!recorded) throw new BatchRefused('the bulk action was cancelled or taken over')
      })
      ran += 1
      position = batch.end
    }
  } catch (error) {
    if (error instanceof BatchRefused) {
      log.info('bulk action stopped: cancelled, or run by another runner now')
      return ran
    }
    log.error({ err: error }, 'bulk action failed')
    await finish(deps, record, BULK_STATUS.failed, (error as Error).message).catch((finishError: Error) => {
      log.warn({ err: finishError.message }, 'bulk action not marked failed; its lease will run out and another runner resumes it')
    })
    return ran
  }
}

/** Ends the action and writes its `finished` audit entry in the same transaction. */
async function finish (deps: BulkRunnerDeps, record: BulkActionRecord, status: typeof BULK_STATUS.completed | typeof BULK_STATUS.failed, error: string | null = null): Promise<void> {
  await withTransaction(deps.pool, async (tx) => {
    const finished = await finishBulkAction(tx, record.id, deps.runner, status, error)
    if (finished === undefined) return
    await recordAudit(tx, bulkAuditEntry(finished, 'finished', { accountId: finished.accountId, accountName: finished.accountName, address: deps.runner }, finished.affected))
  })
  deps.logger.info({ bulkActionId: record.id, status }, 'bulk action finished')
}
