import type { Queryable } from '../../db/pool.js'

/**
 * Folds the count slots of database sessions that have ended into slot 0, so that the rows a
 * count is summed from stay as few as the live sessions. Only this statement writes slot 0, in
 * one sorted upsert; a session whose pid is reused meanwhile loses nothing (its row, deleted
 * here, is inserted anew by its next change). Returns how many slot rows were folded.
 */
export async function foldEndedSessionCounts (db: Queryable): Promise<number> {
  const { rows } = await db.query<{ folded: number }>(`
    with ended as (
      delete from document_counts c
       where c.slot <> 0 and not exists (select 1 from pg_stat_activity a where a.pid = c.slot)
      returning c.tenant, c.status, c.error_kind, c.n
    ), folded as (
      insert into document_counts as c (tenant, status, error_kind, slot, n)
      select tenant, status, error_kind, 0, sum(n) from ended group by 1, 2, 3 order by 1, 2, 3
      on conflict (tenant, status, error_kind, slot) do update set n = c.n + excluded.n
    )
    select count(*)::int as folded from ended`)
  return rows[0].folded
}
