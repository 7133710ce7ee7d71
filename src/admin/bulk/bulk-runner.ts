import type { Logger } from 'pino'
import { withTransaction } from '../../db/pool.js'
import { BULK_STATUS } from '../../states.js'
import { recordAudit } from '../admin-audit.js'
import type { BulkActionRecord } from './bulk-action-record.js'
import { bulkAuditEntry } from './bulk-audit.js'
import { batchMethodFor, type BatchMethodDeps } from './batch-method.js'
import { claimBulkAction, finishBulkAction, journalBatch, recordBatch, releaseBulkAction } from './bulk-store.js'
import { nextBatch, untouchedSince, type BatchKey } from './bulk-target.js'

export interface BulkRunnerDeps extends BatchMethodDeps {
  logger: Logger
  /** Who runs: the worker or sweeper id, written on the actions it holds. */
  runner: string
  /** How long a claimed action stays with this runner without a batch; extended at every batch. */
  leaseMs: number
  batchSize: number
}

export interface BulkRunOptions {
  /** At most this many batches in this call, over every action it takes. */
  maxBatches: number
  /** Asked between batches; true gives the action back at once (shutdown, leadership lost). */
  shouldStop?: () => boolean
}

/**
 * Runs queued and running bulk actions, oldest first, in batches. Each batch is journaled in
 * the action's row before it runs and recorded after, with the position it ends at: a runner
 * that stops between batches hands over the exact position, and one that dies inside a batch
 * is followed (after its lease) by one that repeats that batch only on the documents nothing
 * touched since it began. Returns how many batches ran.
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
  const apply = batchMethodFor(record.target, deps)
  const scope = { tenants: record.tenants, asOf: record.asOf }
  let position: BatchKey = record.position
  // A batch journaled by a runner that stopped before recording it: repeated first.
  let batch = record.batch === null ? null : { ...record.batch, resumed: true }
  let ran = 0
  try {
    for (;;) {
      if (batch === null) {
        if (ran >= budget || stopping()) {
          await releaseBulkAction(pool, record.id, runner)
          return ran
        }
        const next = await nextBatch(pool, record.target, scope, position, deps.batchSize)
        if (next.ids.length === 0) {
          await finish(deps, record, BULK_STATUS.completed)
          return ran
        }
        const startedAt = await journalBatch(pool, record.id, runner, deps.leaseMs, next)
        if (startedAt === undefined) return ran
        batch = { ...next, startedAt, resumed: false }
      }
      const ids = batch.resumed ? await untouchedSince(pool, record.target, batch.ids, batch.startedAt) : batch.ids
      const changed = ids.length === 0 ? [] : await apply(ids, record.tenants)
      const status = await recordBatch(pool, record.id, runner, { done: batch.ids.length, affected: changed.length })
      ran += 1
      position = batch.end
      batch = null
      if (status !== BULK_STATUS.running) {
        if (status === BULK_STATUS.cancelled) await releaseBulkAction(pool, record.id, runner)
        log.info({ status }, 'bulk action stopped')
        return ran
      }
    }
  } catch (error) {
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
