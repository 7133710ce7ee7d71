import type { Pool } from '../../src/db/pool.js'
import { EPOCH } from './load-documents.js'

// What operators leave behind while a deployment grows: audit entries (one per 100 documents)
// and bulk actions (one per 20,000), spread over the same weeks as the documents.
const AUDIT_ACTIONS = ['login.succeeded', 'logout', 'document.retry', 'document.reprocess', 'document.cancel', 'queue.pause', 'queue.resume',
  'bulk.retry.started', 'bulk.retry.finished', 'login.failed']
const BULK_ACTIONS = ['retry', 'reprocess', 'cancel', 'delete']

/**
 * Audit entries and bulk actions for documents from..to, as their writers store them
 * (recordAudit, the bulk store); a document action names a current item of those documents.
 */
export async function loadAdminHistory (pool: Pool, from: number, to: number): Promise<void> {
  await pool.query(`
    insert into admin_audit (at, account_id, account_name, action, target_filter, target_item_ids, affected, reason, address)
    select d.created_at + interval '1 hour', null, 'operator-' || (k % 7), a.action,
           case when a.action like 'queue.%' then json_build_object('tenant', d.tenant)::jsonb end,
           case when a.action like 'document.%' then array[d.current_item_id] end,
           case when a.action like 'document.%' then 1 end,
           case when k % 5 = 0 then 'ticket ' || k end, '10.0.' || (k % 200) || '.' || (k % 250)
      from generate_series($1::bigint, $2::bigint) as k
      cross join lateral (select ($3::text[])[1 + (k / 100) % cardinality($3::text[])] as action) a
      join documents d on d.created_at = timestamptz '${EPOCH}' + k * interval '15 seconds'
     where k % 100 = 0`, [from, to, AUDIT_ACTIONS])
  await pool.query(`
    insert into admin_bulk_actions (id, action, target_filter, account_name, status, total, done, affected,
                                    created_at, started_at, finished_at, updated_at)
    select gen_random_uuid(), ($3::text[])[1 + (k / 20000) % cardinality($3::text[])],
           json_build_object('status', 'failed', 'code', 'corrupt')::jsonb, 'operator-' || (k % 7), 'completed', 40 + k % 900, 40 + k % 900, 40 + k % 900,
           timestamptz '${EPOCH}' + k * interval '15 seconds', timestamptz '${EPOCH}' + k * interval '15 seconds' + interval '1 second',
           timestamptz '${EPOCH}' + k * interval '15 seconds' + interval '1 minute', timestamptz '${EPOCH}' + k * interval '15 seconds' + interval '1 minute'
      from generate_series($1::bigint, $2::bigint) as k where k % 20000 = 0`, [from, to, BULK_ACTIONS])
}
