import type { Queryable } from '../../db/pool.js'

/** An audit entry that named a document among its targets. */
export interface DocumentAuditRow {
  id: string
  at: Date
  accountName: string
  action: string
  affected: number | null
  reason: string | null
}

/** The latest audit entries naming `documentId` among their targets, newest first (by a GIN index, see migration 008). */
export async function listDocumentAudit (db: Queryable, documentId: string, limit: number): Promise<DocumentAuditRow[]> {
  const { rows } = await db.query<DocumentAuditRow>(`
    select id::text, at, account_name as "accountName", action, affected::int, reason
      from admin_audit where target_item_ids @> array[$1::uuid]
     order by at desc, id desc
     limit $2`,
  [documentId, limit])
  return rows
}
