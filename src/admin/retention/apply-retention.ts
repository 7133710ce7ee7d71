import type { Logger } from 'pino'
import type { Pool } from '../../db/pool.js'
import type { DocumentQueueService } from '../../queue/document-queue-service.js'
import { RETENTION_TARGET, retentionTargets, type RetentionTarget } from '../../states.js'
import { recordAudit } from '../admin-audit.js'
import { batchMethodFor } from '../bulk/batch-method.js'
import { transactionNow } from '../bulk/bulk-store.js'
import { nextBatch, START_KEY, type BulkTarget } from '../bulk/bulk-target.js'
import { policyOf, readRetentionPolicy } from './retention-policy.js'

/** The name the retention policy's deletions are audited under. */
export const RETENTION_ACCOUNT = 'retention-policy'

export interface RetentionDeps {
  pool: Pool
  queue: DocumentQueueService
  logger: Logger
  /** Who applies it, written as the audit entries' address. */
  runner: string
}

function targetOf (target: RetentionTarget, keepDays: number): BulkTarget {
  return target === RETENTION_TARGET.history
    ? { kind: 'history', olderThanDays: keepDays }
    : { kind: 'old-documents', status: target, olderThanDays: keepDays }
}

/**
 * One pass of the retention policy: for each target with a number of days, deletes what is
 * older, through the queue (so counts stay exact and wake-ups are cancelled), in at most
 * `maxBatches` batches of `batchSize` per target, so a pass stays short and a backlog is worked
 * off over the next passes. Each batch writes its audit entry (`retention.<target>.deleted`, by
 * `retention-policy`, with the count) in its own transaction. Returns the deletions per target.
 */
export async function applyRetention (deps: RetentionDeps, options: { batchSize: number, maxBatches: number }): Promise<Record<RetentionTarget, number>> {
  const policy = policyOf(await readRetentionPolicy(deps.pool))
  const deleted: Record<RetentionTarget, number> = { completed: 0, failed: 0, history: 0 }
  const asOf = await transactionNow(deps.pool)
  for (const name of retentionTargets) {
    const keepDays = policy[name]
    if (keepDays === null) continue
    const target = targetOf(name, keepDays)
    const remove = batchMethodFor(deps.queue, target)
    // The position moves on even past rows left in place (one that changed meanwhile), so a
    // pass never loops on them; the next pass starts over from the oldest.
    let position = START_KEY
    for (let batch = 0; batch < options.maxBatches; batch++) {
      const next = await nextBatch(deps.pool, target, { tenants: null, asOf }, position, options.batchSize)
      if (next.ids.length === 0) break
      const changed = await remove(next.ids, null, async (tx, changedIds) => {
        if (changedIds.length === 0) return
        await recordAudit(tx, {
          accountId: null,
          accountName: RETENTION_ACCOUNT,
          action: `retention.${name}.deleted`,
          targetFilter: { ...(target.kind === 'history' ? { what: 'history' } : { what: 'documents', status: name }), keepDays },
          affected: changedIds.length,
          address: deps.runner
        })
      })
      deleted[name] += changed.length
      position = next.end
    }
  }
  if (deleted.completed + deleted.failed + deleted.history > 0) deps.logger.info({ deleted }, 'retention policy applied')
  return deleted
}
