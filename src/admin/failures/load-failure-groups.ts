import type { Queryable } from '../../db/pool.js'
import { ITEM_STATUS } from '../../states.js'
import { FAILURE_GROUP_LIMIT, FAILURE_SCAN_LIMIT, FAILURE_WINDOWS, type FailureGroup, type Failures, type FailuresQueryType } from './failures-json.js'

// Enough of the message to tell the group apart, however long its parser's complaint.
const SAMPLE_MESSAGE_LENGTH = 1000

/**
 * Failed documents within `tenants` (null = all) grouped by their current item's failure code
 * and normalised error message (copied onto the document with the item's other filter fields,
 * migration 016), the largest groups first. Only the {@link FAILURE_SCAN_LIMIT} newest failed
 * documents are read, from one index of the failed documents that holds every column the
 * grouping needs (migration 020), so the page answers in bounded time with any number of
 * failures; the time window then narrows those by when they failed (the document's
 * `updated_at`, written by the statement that failed it).
 */
export async function loadFailureGroups (db: Queryable, query: FailuresQueryType, tenants: string[] | null): Promise<Failures> {
  const { rows } = await db.query<{ examined: number, scanned: number, groups: Array<Omit<FailureGroup, 'firstSeenAt' | 'lastSeenAt'> & { firstSeenAt: string, lastSeenAt: string }> }>(`
    with newest as materialized (
      -- Materialized: the limit applies to the index walk, before the window and the grouping.
      select d.id, d.error_code, d.error_group, d.updated_at as failed_at from documents d
       where d.status = '${ITEM_STATUS.failed}'
         and ($1::text[] is null or d.tenant = any($1::text[])) and ($2::text is null or d.tenant = $2)
       order by d.created_at desc, d.id desc
       limit $4
    ), failed as (
      select * from newest where $3::interval is null or failed_at >= now() - $3::interval
    ), grouped as (
      -- Only each group's newest id is kept: building every document's sample to keep one cost
      -- most of the page's time with thousands of failures.
      select error_code as code, error_group as "group", count(*)::int as count,
             min(failed_at) as "firstSeenAt", max(failed_at) as "lastSeenAt",
             (array_agg(id order by failed_at desc, id desc))[1] as sample_id
        from failed group by 1, 2
       order by count desc, "lastSeenAt" desc
       limit $5
    ), described as (
      select g.code, g."group", g.count, g."firstSeenAt", g."lastSeenAt",
             json_build_object('documentId', d.id, 'tenant', d.tenant, 'filename', d.filename, 'message', left(d.last_error, ${SAMPLE_MESSAGE_LENGTH})) as sample
        from grouped g join documents d on d.id = g.sample_id
    )
    select (select count(*)::int from newest) as examined, (select count(*)::int from failed) as scanned,
           coalesce((select json_agg(g order by g.count desc, g."lastSeenAt" desc) from described g), '[]') as groups`,
  [tenants, query.tenant ?? null, query.window === undefined ? null : FAILURE_WINDOWS[query.window], FAILURE_SCAN_LIMIT, FAILURE_GROUP_LIMIT + 1])
  const { examined, scanned, groups } = rows[0]
  return {
    groups: groups.slice(0, FAILURE_GROUP_LIMIT).map((group) => ({
      ...group,
      firstSeenAt: new Date(group.firstSeenAt).toISOString(),
      lastSeenAt: new Date(group.lastSeenAt).toISOString()
    })),
    scanned,
    truncated: examined === FAILURE_SCAN_LIMIT,
    moreGroups: groups.length > FAILURE_GROUP_LIMIT
  }
}
