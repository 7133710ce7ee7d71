import type { AuditEntry } from '../admin-audit.js'
import { storedTarget, type BulkActionRecord } from './bulk-action-record.js'

/**
 * The audit entry of a step in a bulk action's life (`bulk.<action>.created`, `.cancelled`,
 * `.finished`): the creator's account (or the one that cancelled), the filter or the selected
 * ids, how many, and the reason typed at creation.
 */
export function bulkAuditEntry (record: BulkActionRecord, step: 'created' | 'cancelled' | 'finished', by: { accountId: string | null, accountName: string, address: string }, affected: number): AuditEntry {
  const target = storedTarget(record.target)
  return {
    ...by,
    action: `bulk.${record.action}.${step}`,
    targetFilter: { ...(target.filter ?? {}), bulkActionId: record.id },
    targetItemIds: target.documentIds ?? undefined,
    affected,
    reason: record.reason ?? undefined
  }
}
