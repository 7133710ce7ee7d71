import type { Queryable } from '../../db/pool.js'
import { ATTEMPT_OUTCOME } from '../../states.js'
import type { Series } from './overview-json.js'
import type { OverviewScope } from './overview-scope.js'

/** A series' shape: buckets of `bucketSeconds`, the last one holding now. */
export interface SeriesWindow {
  bucketSeconds: number
  buckets: number
}

export const LAST_HOUR_BY_MINUTE: SeriesWindow = { bucketSeconds: 60, buckets: 60 }
export const LAST_DAY_BY_HOUR: SeriesWindow = { bucketSeconds: 3_600, buckets: 24 }

// Outcomes that mean the attempt failed; a released attempt was given back unfinished at a
// worker's shutdown and is neither a completion nor a failure.
const FAILED_OUTCOMES = [ATTEMPT_OUTCOME.failed, ATTEMPT_OUTCOME.retrying, ATTEMPT_OUTCOME.crashed]

// A scope of some tenants looks up the tenant of each attempt of the window, through its item
// and document (two primary-key reads). A scalar subquery, because Postgres runs it per row: as
// a join or an exists, the planner may rather read every item of the tenants (a hash join over
// queue_items), which grows with the history instead of the window.
const IN_SCOPE = `
         and (select d.tenant from queue_items q join documents d on d.id = q.document_id where q.id = a.item_id) = any($4::text[])`

// The window's buckets, of $1 seconds, $2 of them, the last one holding now. Written out where
// they are used rather than computed once in a CTE: the planner then estimates how few attempts
// the window holds, and starts from the index of migration 007.
const LAST_BUCKET_START = "date_bin(make_interval(secs => $1), now(), timestamptz 'epoch')"
const FIRST_BUCKET_START = `(${LAST_BUCKET_START} - make_interval(secs => $1 * ($2 - 1)))`

/**
 * Attempts that completed and attempts that failed, per bucket, in the scope. Buckets are
 * aligned on the epoch (whole minutes, whole hours in UTC), so a page polling the series sees
 * the same buckets fill rather than slide. The range condition on `finished_at` lets the index
 * of migration 007 read only the window, whatever the scope.
 */
export async function loadSeries (db: Queryable, scope: OverviewScope, window: SeriesWindow): Promise<Series> {
  const scoped = scope.tenants !== null
  const { rows } = await db.query<{ start: Date, completed: number, failed: number }>({
    name: scoped ? 'admin-overview-series-of-tenants' : 'admin-overview-series',
    text: `
    with finished as (
      select date_bin(make_interval(secs => $1), a.finished_at, timestamptz 'epoch') as start, a.outcome
        from queue_item_attempts a
       where a.finished_at >= ${FIRST_BUCKET_START}${scoped ? IN_SCOPE : ''}
    )
    select b.start,
           count(f.outcome) filter (where f.outcome = '${ATTEMPT_OUTCOME.completed}')::int as completed,
           count(f.outcome) filter (where f.outcome = any($3::text[]))::int as failed
      from generate_series(${FIRST_BUCKET_START}, ${LAST_BUCKET_START}, make_interval(secs => $1)) as b(start)
      left join finished f on f.start = b.start
     group by b.start
     order by b.start`,
    values: [window.bucketSeconds, window.buckets, FAILED_OUTCOMES, ...(scoped ? [scope.tenants] : [])]
  })
  return {
    bucketSeconds: window.bucketSeconds,
    buckets: rows.map((row) => ({ start: row.start.toISOString(), completed: row.completed, failed: row.failed }))
  }
}
