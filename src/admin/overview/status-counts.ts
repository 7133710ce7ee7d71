import type { Queryable } from '../../db/pool.js'
import { foldCounts, type CountRow } from '../../queue/sql/queue-stats.js'
import type { StatusCounts } from './overview-json.js'
import type { OverviewScope } from './overview-scope.js'

/** How many tenants the per-tenant list holds at most: the page shows them all at once. */
export const TENANT_LIST_LIMIT = 100

export interface ScopeCounts {
  total: StatusCounts
  tenants: Array<{ tenant: string, counts: StatusCounts }>
  /** Whether more tenants have documents than {@link TENANT_LIST_LIMIT}. */
  truncated: boolean
}

/**
 * Documents by status in the scope, in total and for the first tenants by name that have any.
 * Read from `document_counts` (kept exact by triggers, migration 005), never from `documents`:
 * the cost grows with the number of tenants in the scope, not with their documents.
 */
export async function loadStatusCounts (db: Queryable, scope: OverviewScope): Promise<ScopeCounts> {
  const { rows } = await db.query<{ total: CountRow[], tenants: Array<{ tenant: string, counts: CountRow[] }> }>({
    name: 'admin-overview-status-counts',
    text: `
    with c as (
      select tenant, status, error_kind as "errorKind", sum(n)::int as n from document_counts
       where $1::text[] is null or tenant = any($1::text[])
       group by 1, 2, 3
    ), listed as (
      select tenant from c group by tenant having sum(n) > 0 order by tenant limit $2
    )
    select
      coalesce((select json_agg(t) from (select status, "errorKind", sum(n)::int as n from c group by 1, 2) t), '[]') as total,
      coalesce((select json_agg(json_build_object('tenant', l.tenant,
                  'counts', (select json_agg(json_build_object('status', status, 'errorKind', "errorKind", 'n', n)) from c where c.tenant = l.tenant))
                order by l.tenant) from listed l), '[]') as tenants`,
    values: [scope.tenants, TENANT_LIST_LIMIT + 1]
  })
  const listed = rows[0].tenants
  return {
    total: foldCounts(rows[0].total),
    tenants: listed.slice(0, TENANT_LIST_LIMIT).map(({ tenant, counts }) => ({ tenant, counts: foldCounts(counts) })),
    truncated: listed.length > TENANT_LIST_LIMIT
  }
}
