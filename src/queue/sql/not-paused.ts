/**
 * The condition, for a statement over queue items, that the item at `documentIdColumn`'s
 * document belongs to no paused scope (see migration 008). The global check does not depend on
 * the row, so Postgres evaluates it once per statement; the tenant check looks a document up
 * only for the tenants paused, usually none.
 */
export function notPaused (documentIdColumn: string): string {
  return `not exists (select 1 from queue_pauses gp where gp.tenant is null)
     and not exists (select 1 from queue_pauses tp join documents pd on pd.tenant = tp.tenant where pd.id = ${documentIdColumn})`
}
