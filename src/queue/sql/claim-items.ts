import type { Queryable } from '../../db/pool.js'
import { ITEM_STATUS } from '../../states.js'
import { ITEM_COLUMNS, type ClaimedItem } from '../queue-item.js'
import { notPaused } from './not-paused.js'

/**
 * Claims those of `itemIds` that are pending and due for `workerId`, each with a lease of
 * `leaseMs`, in one statement. The conditional update is the only gate to processing: a
 * concurrent claimer of the same item gets nothing, whichever batch it came in. In the same
 * statement each claimed item's attempt is recorded, the worker's heartbeat row lists the items
 * (so it vouches for them at once), and their documents flip to in progress. An item whose
 * worker died is not claimed here: the repair pass puts it back to pending first. Nor is an item
 * of a paused scope (every tenant, or its document's): the check is part of the update, so once a
 * pause is committed no claim that starts after it takes an item of that scope. Returns the
 * items claimed, in no particular order; the ids are taken in sorted order, so that concurrent
 * batches lock shared rows in the same order.
 */
export async function claimItems (db: Queryable, itemIds: string[], workerId: string, leaseMs: number): Promise<ClaimedItem[]> {
  // Prepared once per connection (named): Postgres spent about 1 ms planning these CTEs at every
  // claim, more than running them for a few items.
  const { rows } = await db.query<ClaimedItem>({
    name: 'claim-items',
    text: `
    with q as (
      update queue_items q
         set status = '${ITEM_STATUS.inProgress}', attempts = q.attempts + 1, locked_by = $2,
             locked_until = now() + make_interval(secs => $3::float8 / 1000), started_at = now(), updated_at = now()
       where q.id = any($1::uuid[]) and q.status = '${ITEM_STATUS.pending}' and q.run_at <= now() and ${notPaused('q.document_id')}
      returning q.id, q.document_id, q.operation, q.priority, q.status, q.attempts, q.max_attempts, q.run_at, q.locked_by, q.locked_until, q.wakeups, q.traceparent
    ), attempt as (
      insert into queue_item_attempts (item_id, attempt, worker) select q.id, q.attempts, $2 from q
    ), vouched as (
      -- One update of the row for the whole batch: an update joined to several rows of q would
      -- append only one of them.
      update workers w set held_items = w.held_items || array(select q.id from q)
       where w.id = $2 and exists (select 1 from q)
    ), flipped as (
      update documents d set status = '${ITEM_STATUS.inProgress}', updated_at = now()
        from q where d.id = q.document_id and d.current_item_id = q.id
    )
    select ${ITEM_COLUMNS}, q.traceparent, d.filename, d.declared_type as "declaredType", b.bytes
      from q
      join documents d on d.id = q.document_id
      join document_blobs b on b.document_id = q.document_id`,
    values: [[...new Set(itemIds)].sort(), workerId, leaseMs]
  })
  return rows
}
