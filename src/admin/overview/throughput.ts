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

/**
 * Attempts that completed and attempts that failed, per bucket, in the scope. Buckets are
 * aligned on the epoch (whole minutes, whole hours in UTC), so a page polling the series sees
 * the same buckets fill rather than slide. The range condition on `finished_at` lets the index
 * of migration 007 read only the window; a scope of some tenants joins each attempt there to
 * its item and document, so it reads the window's attempts and no others.
 */
export async function loadSeries (db: Queryable, scope: OverviewScope, window: SeriesWindow): Promise<Series> {
  const { rows } = await db.query<{ start: Date, completed: number, failed: number }>({
    name: 'admin-overview-series',
    text: `
    with bounds as (
      select date_bin(make_interval(secs => $2), now(), timestamptz 'epoch') as last_start
    ), buckets as (
      select generate_series(last_start - make_interval(secs => $2 * ($3 - 1)), last_start, make_interval(secs => $2)) as start
        from bounds
    ), finished as (
      select date_bin(make_interval(secs => $2), a.finished_at, timestamptz 'epoch') as start, a.outcome
        from queue_item_attempts a, bounds
       where a.finished_at >= bounds.last_start - make_interval(secs => $2 * ($3 - 1))
         and ($1::text[] is null or exists (
               select 1 from queue_items q join documents d on d.id = q.document_id
                where q.id = a.item_id and d.tenant = any($1::text[])))
    )
    select b.start,
           count(f.outcome) filter (where f.outcome = '${ATTEMPT_OUTCOME.completed}')::int as completed,
           count(f.outcome) filter (where f.outcome = any($4::text[]))::int as failed
      from buckets b left join finished f on f.start = b.start
     group by b.start
     order by b.start`,
    values: [scope.tenants, window.bucketSeconds, window.buckets, FAILED_OUTCOMES]
  })
  return {
    bucketSeconds: window.bucketSeconds,
    buckets: rows.map((row) => ({ start: row.start.toISOString(), completed: row.completed, failed: row.failed }))
  }
}
