import type { Queryable } from '../../db/pool.js'
import { ITEM_STATUS } from '../../states.js'
import { FAILURE_GROUP_LIMIT, FAILURE_SCAN_LIMIT, FAILURE_WINDOWS, type FailureGroup, type Failures, type FailuresQueryType } from './failures-json.js'

// Enough of the message to tell the group apart, however long its parser's complaint.
const SAMPLE_MESSAGE_LENGTH = 1000

/**
 * Failed documents within `tenants` (null = all) grouped by their current item's failure code
 * and normalised error message (SQL `normalised_error`, migration 009), the largest groups
 * first. Only the {@link FAILURE_SCAN_LIMIT} newest failed documents are read, through the
 * status-and-creation indexes, so the page answers in bounded time with any number of failures.
 */
export async function loadFailureGroups (db: Queryable, query: FailuresQueryType, tenants: string[] | null): Promise<Failures> {
  const { rows } = await db.query<{ scanned: number, groups: Array<Omit<FailureGroup, 'firstSeenAt' | 'lastSeenAt'> & { firstSeenAt: string, lastSeenAt: string }> }>(`
    with failed as (
      select d.id, d.tenant, d.filename, q.error_code, q.last_error, coalesce(q.finished_at, q.updated_at) as failed_at
        from documents d join queue_items q on q.id = d.current_item_id
       where d.status = '${ITEM_STATUS.failed}'
         and ($1::text[] is null or d.tenant = any($1::text[])) and ($2::text is null or d.tenant = $2)
         and ($3::interval is null or coalesce(q.finished_at, q.updated_at) >= now() - $3::interval)
       order by d.created_at desc, d.id desc
       limit $4
    ), grouped as (
      select error_code as code, normalised_error(last_error) as "group", count(*)::int as count,
             min(failed_at) as "firstSeenAt", max(failed_at) as "lastSeenAt",
             (array_agg(json_build_object('documentId', id, 'tenant', tenant, 'filename', filename, 'message', left(last_error, ${SAMPLE_MESSAGE_LENGTH}))
                        order by failed_at desc, id desc))[1] as sample
        from failed group by 1, 2
       order by count desc, "lastSeenAt" desc
       limit $5
    )
    select (select count(*)::int from failed) as scanned,
           coalesce((select json_agg(g order by g.count desc, g."lastSeenAt" desc) from grouped g), '[]') as groups`,
  [tenants, query.tenant ?? null, query.window === undefined ? null : FAILURE_WINDOWS[query.window], FAILURE_SCAN_LIMIT, FAILURE_GROUP_LIMIT + 1])
  const { scanned, groups } = rows[0]
  return {
    groups: groups.slice(0, FAILURE_GROUP_LIMIT).map((group) => ({
      ...group,
      firstSeenAt: new Date(group.firstSeenAt).toISOString(),
      lastSeenAt: new Date(group.lastSeenAt).toISOString()
    })),
    scanned,
    truncated: scanned === FAILURE_SCAN_LIMIT,
    moreGroups: groups.length > FAILURE_GROUP_LIMIT
  }
}
