import type { Queryable } from '../db/pool.js'

export interface AuditEntry {
  /** The account that acted; null for a failed login, which names an account it did not prove. */
  accountId: string | null
  accountName: string
  /** What was done, as `area.verb`: `login.succeeded`, `login.failed`, `logout`, ... */
  action: string
  /** The filter an action applied to, as the page's query had it. */
  targetFilter?: Record<string, unknown>
  targetItemIds?: string[]
  affected?: number
  reason?: string
  address: string
}

/** Writes one entry into the audit log; callers write it before they report success. */
export async function recordAudit (db: Queryable, entry: AuditEntry): Promise<void> {
  await db.query(`
    insert into admin_audit (account_id, account_name, action, target_filter, target_item_ids, affected, reason, address)
    values ($1, $2, $3, $4, $5, $6, $7, $8)`,
  [entry.accountId, entry.accountName, entry.action, entry.targetFilter ?? null, entry.targetItemIds ?? null,
    entry.affected ?? null, entry.reason ?? null, entry.address])
}
