import type { Queryable } from '../../db/pool.js'
import { ITEM_STATUS } from '../../states.js'
import { ITEM_COLUMNS, type ClaimedItem } from '../queue-item.js'
import { notPaused } from './not-paused.js'

/**
 * Claims a pending, due item for `workerId` with a lease of `leaseMs`. The conditional update is
 * the only gate to processing: a concurrent claimer gets nothing. In the same statement the
 * attempt is recorded, the worker's heartbeat row lists the item (so it vouches for it at once),
 * and the document flips to in progress. An item whose worker died is not claimed here: the
 * repair pass puts it back to pending first. Nor is an item of a paused scope (every tenant, or
 * its document's): the check is part of the update, so once a pause is committed no claim
 * that starts after it takes an item of that scope.
 */
export async function claimItem (db: Queryable, itemId: string, workerId: string, leaseMs: number): Promise<ClaimedItem | undefined> {
  const { rows } = await db.query<ClaimedItem>(`
    with q as (
      update queue_items q
         set status = '${ITEM_STATUS.inProgress}', attempts = q.attempts + 1, locked_by = $2,
             locked_until = now() + make_interval(secs => $3::float8 / 1000), started_at = now(), updated_at = now()
       where q.id = $1 and q.status = '${ITEM_STATUS.pending}' and q.run_at <= now() and ${notPaused('q.document_id')}
      returning q.id, q.document_id, q.operation, q.priority, q.status, q.attempts, q.max_attempts, q.run_at, q.locked_by, q.locked_until, q.wakeups
    ), attempt as (
      insert into queue_item_attempts (item_id, attempt, worker) select q.id, q.attempts, $2 from q
    ), vouched as (
      update workers w set held_items = array_append(w.held_items, q.id) from q where w.id = $2
    ), flipped as (
      update documents d set status = '${ITEM_STATUS.inProgress}', updated_at = now()
        from q where d.id = q.document_id and d.current_item_id = q.id
    )
    select ${ITEM_COLUMNS}, d.filename, d.declared_type as "declaredType", b.bytes
      from q
      join documents d on d.id = q.document_id
      join document_blobs b on b.document_id = q.document_id`,
  [itemId, workerId, leaseMs])
  return rows[0]
}
