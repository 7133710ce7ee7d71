import type { Queryable } from './pool.js'

/**
 * Takes or extends the reconciler's leadership for `workerId` for `leaseMs`: granted when nobody
 * holds it, its holder's lease ran out, or `workerId` already holds it. Returns whether
 * `workerId` leads now.
 */
export async function takeReconcilerLeadership (db: Queryable, workerId: string, leaseMs: number): Promise<boolean> {
  const { rowCount } = await db.query(`
    insert into reconciler_leader (holder, until) values ($1, now() + make_interval(secs => $2::float8 / 1000))
    on conflict (singleton) do update set holder = excluded.holder, until = excluded.until
     where reconciler_leader.until < now() or reconciler_leader.holder = excluded.holder
    returning holder`, [workerId, leaseMs])
  return rowCount === 1
}

/** Gives the leadership up at once if `workerId` holds it, so another worker takes it at its next tick. */
export async function releaseReconcilerLeadership (db: Queryable, workerId: string): Promise<void> {
  await db.query('delete from reconciler_leader where holder = $1', [workerId])
}
