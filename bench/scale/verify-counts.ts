import type { Pool } from '../../src/db/pool.js'

/**
 * Throws unless the kept counts (document_counts, migration 005) equal a full recount of the
 * documents, and every document mirrors its current item's status and error kind: the
 * invariants the service keeps, checked after each bulk load.
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
  const { rows: [mirror] } = await pool.query<{ n: number }>(`
    select count(*)::int as n from documents d join queue_items q on q.id = d.current_item_id
     where d.status <> q.status or d.error_kind is distinct from q.error_kind or q.document_id <> d.id`)
  if (mirror.n !== 0) throw new Error(`${mirror.n} documents do not mirror their current item`)
}
