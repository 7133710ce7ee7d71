import type { Queryable } from '../../db/pool.js'
import { itemStatuses, type ItemStatus } from '../../states.js'
import { filterConditions, type DocumentFilter } from './document-filter.js'
import { COUNT_CAP, type StatusCount } from './documents-json.js'

/** Filters `document_counts` can answer: it counts by tenant, status and error kind only. */
function countedByTriggers (filter: DocumentFilter): boolean {
  return Object.entries(filter).every(([key, value]) => value === undefined || key === 'tenant' || key === 'status' || key === 'kind')
}

/** Exact counts from `document_counts` (migration 005): as cheap with 10^6 documents as with ten. */
async function exactCounts (db: Queryable, filter: DocumentFilter, tenants: string[] | null): Promise<Map<ItemStatus, number>> {
  const { rows } = await db.query<{ status: ItemStatus, n: number }>(`
    select status, sum(n)::int as n from document_counts
     where ($1::text[] is null or tenant = any($1::text[])) and ($2::text is null or tenant = $2) and ($3::text is null or error_kind = $3)
     group by status`, [tenants, filter.tenant ?? null, filter.kind ?? null])
  return new Map(rows.map((row) => [row.status, row.n]))
}

/**
 * Counts of any other filter, each status counted up to one past the cap and no further: the
 * cost is bounded by the cap, not by the table, however broad the filter. Each status is its own
 * branch with the status written out (they come from our own list, never from input), so that
 * the planner sees how many documents that status holds and picks per status between walking
 * the status index and the filter's own index (migration 016, which holds the status too): a
 * rare code among a million completed documents is found from the code's side, not by reading
 * them all.
 */
async function cappedCounts (db: Queryable, filter: DocumentFilter, tenants: string[] | null): Promise<Map<ItemStatus, number>> {
  const where = filterConditions(filter, tenants, 2)
  const perStatus = itemStatuses.map((status) => `
    select '${status}' as status,
           (select count(*)::int from (select from documents d where d.status = '${status}' and ${where.sql} limit $1) found) as n`)
  const { rows } = await db.query<{ status: ItemStatus, n: number }>(perStatus.join('\n union all '), [COUNT_CAP + 1, ...where.params])
  return new Map(rows.map((row) => [row.status, row.n]))
}

/**
 * How many documents each status holds under the filter's other conditions: the status filter
 * picks one of these counts, so it does not take part. Exact when `document_counts` can answer,
 * else capped at {@link COUNT_CAP}.
 */
export async function filteredStatusCounts (db: Queryable, filter: DocumentFilter, tenants: string[] | null): Promise<StatusCount[]> {
  const others: DocumentFilter = { ...filter, status: undefined }
  if (countedByTriggers(others)) {
    const counts = await exactCounts(db, others, tenants)
    return itemStatuses.map((status) => ({ status, count: counts.get(status) ?? 0, capped: false }))
  }
  const counts = await cappedCounts(db, others, tenants)
  return itemStatuses.map((status) => {
    const n = counts.get(status) ?? 0
    return { status, count: Math.min(n, COUNT_CAP), capped: n > COUNT_CAP }
  })
}
