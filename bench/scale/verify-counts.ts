import type { Pool } from '../../src/db/pool.js'
import { documentsOffTheirItem } from '../../test/helpers/mirrored-item.js'

/**
 * Throws unless the kept counts (document_counts, migration 005) equal a full recount of the
 * documents, and every document mirrors its current item (status, when it was queued, operation,
 * priority and error): the invariants the service keeps, checked after each bulk load.
 */
export async function verifyInvariants (pool: Pool): Promise<void> {
  const { rows: [counts] } = await pool.query<{ differences: number }>(`
    with kept as (
      select tenant, status, error_kind, sum(n)::bigint as n from document_counts group by 1, 2, 3 having sum(n) <> 0
    ), recount as (
      select tenant, status, coalesce(error_kind, '') as error_kind, count(*)::bigint as n from documents group by 1, 2, 3
    )
    select (select count(*) from (select * from kept except select * from recount) a)::int
         + (select count(*) from (select * from recount except select * from kept) b)::int as differences`)
  if (counts.differences !== 0) throw new Error(`document_counts differs from a recount in ${counts.differences} rows`)
  const drift = await documentsOffTheirItem(pool)
  if (drift.length !== 0) throw new Error(`${drift.length} documents do not mirror their current item, such as ${JSON.stringify(drift[0])}`)
}
