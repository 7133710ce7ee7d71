import type { Queryable } from '../../db/pool.js'
import { ATTEMPT_OUTCOME, ERROR_KIND, FAILURE_CODE, ITEM_STATUS } from '../../states.js'

// Both statements below pick the in-progress items that are abandoned: their worker went silent
// (heartbeat older than $1 ms), or their lease ran out and no live worker vouches for them.
// Heartbeats decide death: a live worker lists the items it works on in its heartbeat row (its
// claim adds the item at once), so an item is never taken from a worker that is slow, or whose
// event loop was blocked for less than the death threshold, even if the lease lapsed meanwhile.
// The lease is the fallback where no live worker lists the item: a sweep's in-process run (no
// heartbeat row), or a live worker that lost track of it (its finishing write failed), which
// waiting for its death would strand. Rows a racing repair pass holds are skipped.

/**
 * Fails abandoned items on their last attempt as `crashed`: poison documents that kill their
 * worker every time. Their open attempt is recorded as crashed with the reason, and their
 * document's status follows. Returns how many were failed.
 */
export async function failExhaustedCrashes (db: Queryable, deadAfterMs: number): Promise<number> {
  const { rowCount } = await db.query(`
    with gone as (
      select q.id, q.locked_until < now() as lease_expired from queue_items q
       where q.status = '${ITEM_STATUS.inProgress}' and q.attempts >= q.max_attempts
         and (exists (select 1 from workers w where w.id = q.locked_by and w.last_seen_at < now() - make_interval(secs => $1::float8 / 1000))
           or (q.locked_until < now()
             and not exists (select 1 from workers w
                              where w.id = q.locked_by and w.last_seen_at >= now() - make_interval(secs => $1::float8 / 1000)
                                and q.id = any(w.held_items))))
      for update of q skip locked
    ), ended as (
      update queue_items q
         set status = '${ITEM_STATUS.failed}', error_kind = '${ERROR_KIND.crashed}', error_code = '${FAILURE_CODE.crashed}',
             last_error = 'the worker stopped before finishing on each of ' || q.attempts || ' attempts', finished_at = now(),
             locked_by = null, locked_until = null, updated_at = now()
        from gone where q.id = gone.id
      returning q.id, q.document_id, q.attempts, gone.lease_expired
    ), attempt as (
      update queue_item_attempts a
         set outcome = '${ATTEMPT_OUTCOME.crashed}', finished_at = now(),
             error = case when ended.lease_expired then 'the worker stopped before finishing (lease expired)'
                          else 'the worker stopped before finishing (heartbeat lost)' end
        from ended where a.item_id = ended.id and a.attempt = ended.attempts and a.outcome is null
    ), d as (
      update documents d set status = '${ITEM_STATUS.failed}', error_kind = '${ERROR_KIND.crashed}', updated_at = now()
        from ended where d.id = ended.document_id and d.current_item_id = ended.id
    )
    select id from ended`,
  [deadAfterMs])
  return rowCount ?? 0
}

/**
 * Puts abandoned items with attempts left back to pending, due at once (their run_at has
 * passed), whatever their lease says: a crash is a transient failure (error code `crashed`),
 * retried like any other. Their open attempt is recorded as crashed with the reason, and their
 * document's status follows. The wake-up count moves on: the dead worker's
 * BullMQ job stays active until BullMQ's stall check, and must not pass for a live wake-up.
 * Returns how many were released.
 */
export async function releaseAbandonedItems (db: Queryable, deadAfterMs: number): Promise<number> {
  const { rowCount } = await db.query(`
    with gone as (
      select q.id, q.locked_until < now() as lease_expired from queue_items q
       where q.status = '${ITEM_STATUS.inProgress}' and q.attempts < q.max_attempts
         and (exists (select 1 from workers w where w.id = q.locked_by and w.last_seen_at < now() - make_interval(secs => $1::float8 / 1000))
           or (q.locked_until < now()
             and not exists (select 1 from workers w
                              where w.id = q.locked_by and w.last_seen_at >= now() - make_interval(secs => $1::float8 / 1000)
                                and q.id = any(w.held_items))))
      for update of q skip locked
    ), ended as (
      update queue_items q
         set status = '${ITEM_STATUS.pending}', wakeups = q.wakeups + 1,
             error_kind = '${ERROR_KIND.transient}', error_code = '${FAILURE_CODE.crashed}',
             last_error = case when gone.lease_expired then 'the worker stopped before finishing (lease expired)'
                               else 'the worker stopped before finishing (heartbeat lost)' end,
             locked_by = null, locked_until = null, updated_at = now()
        from gone where q.id = gone.id
      returning q.id, q.document_id, q.attempts, gone.lease_expired
    ), attempt as (
      update queue_item_attempts a
         set outcome = '${ATTEMPT_OUTCOME.crashed}', finished_at = now(),
             error = case when ended.lease_expired then 'the worker stopped before finishing (lease expired)'
                          else 'the worker stopped before finishing (heartbeat lost)' end
        from ended where a.item_id = ended.id and a.attempt = ended.attempts and a.outcome is null
    ), d as (
      update documents d set status = '${ITEM_STATUS.pending}', error_kind = '${ERROR_KIND.transient}', updated_at = now()
        from ended where d.id = ended.document_id and d.current_item_id = ended.id
    )
    select id from ended`,
  [deadAfterMs])
  return rowCount ?? 0
}
