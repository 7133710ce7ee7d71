import type { Queryable } from '../../db/pool.js'
import { ATTEMPT_OUTCOME, ERROR_KIND, FAILURE_CODE, ITEM_STATUS } from '../../states.js'

/**
 * Takes back the in-progress items that are abandoned: their worker went silent (heartbeat
 * older than `deadAfterMs`), or their lease ran out and no live worker vouches for them.
 * Heartbeats decide death: a live worker lists the items it works on in its heartbeat row (its
 * claim adds the item at once), so an item is never taken from a worker that is slow, or whose
 * event loop was blocked for less than the death threshold, even if the lease lapsed meanwhile.
 * The lease is the fallback where no live worker lists the item: a sweep's in-process run (no
 * heartbeat row), or a live worker that lost track of it (its finishing write failed), which
 * waiting for its death would strand.
 *
 * An item with attempts left goes back to pending, due at once (its run_at has passed), as a
 * transient failure with the code `crashed`; its wake-up count moves on, because the dead
 * worker's BullMQ job stays active until BullMQ's stall check and must not pass for a live
 * wake-up. An item on its last attempt fails for good as `crashed`: a poison document that kills
 * its worker every time. Either way the open attempt is recorded as crashed with the reason, and
 * the document's status follows. Rows a racing repair pass holds are skipped.
 */
export async function takeBackAbandonedItems (db: Queryable, deadAfterMs: number): Promise<{ crashed: number, takenOver: number }> {
  const { rows } = await db.query<{ crashed: number, takenOver: number }>(`
    with gone as (
      select q.id, q.locked_until < now() as lease_expired, q.attempts >= q.max_attempts as last_attempt
        from queue_items q
       where q.status = '${ITEM_STATUS.inProgress}'
         and (exists (select 1 from workers w where w.id = q.locked_by and w.last_seen_at < now() - make_interval(secs => $1::float8 / 1000))
           or (q.locked_until < now()
             and not exists (select 1 from workers w
                              where w.id = q.locked_by and w.last_seen_at >= now() - make_interval(secs => $1::float8 / 1000)
                                and q.id = any(w.held_items))))
      for update of q skip locked
    ), ended as (
      update queue_items q
         set status = case when gone.last_attempt then '${ITEM_STATUS.failed}' else '${ITEM_STATUS.pending}' end,
             error_kind = case when gone.last_attempt then '${ERROR_KIND.crashed}' else '${ERROR_KIND.transient}' end,
             error_code = '${FAILURE_CODE.crashed}',
             last_error = case when gone.last_attempt then 'the worker stopped before finishing on each of ' || q.attempts || ' attempts'
                               when gone.lease_expired then 'the worker stopped before finishing (lease expired)'
                               else 'the worker stopped before finishing (heartbeat lost)' end,
             wakeups = case when gone.last_attempt then q.wakeups else q.wakeups + 1 end,
             finished_at = case when gone.last_attempt then now() else q.finished_at end,
             locked_by = null, locked_until = null, updated_at = now()
        from gone where q.id = gone.id
      returning q.id, q.document_id, q.attempts, q.status, q.error_kind, q.error_code, q.last_error, q.error_group, gone.lease_expired
    ), attempt as (
      update queue_item_attempts a
         set outcome = '${ATTEMPT_OUTCOME.crashed}', finished_at = now(),
             error = case when ended.lease_expired then 'the worker stopped before finishing (lease expired)'
                          else 'the worker stopped before finishing (heartbeat lost)' end
        from ended where a.item_id = ended.id and a.attempt = ended.attempts and a.outcome is null
    ), d as (
      update documents d
         set status = ended.status, error_kind = ended.error_kind, error_code = ended.error_code, last_error = ended.last_error,
             error_group = ended.error_group, updated_at = now()
        from ended where d.id = ended.document_id and d.current_item_id = ended.id
    )
    select count(*) filter (where status = '${ITEM_STATUS.failed}')::int as crashed,
           count(*) filter (where status = '${ITEM_STATUS.pending}')::int as "takenOver"
      from ended`,
  [deadAfterMs])
  return rows[0]
}
