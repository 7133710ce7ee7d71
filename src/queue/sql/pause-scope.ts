import type { Queryable } from '../../db/pool.js'
import { PAUSE_COLUMNS, type QueuePause } from './pauses.js'

/**
 * Pauses a scope (`tenant`, or every tenant when null). Pausing a scope already paused changes
 * nothing: the first pause, with its author, time and reason, stands and is returned.
 */
export async function pauseScope (db: Queryable, tenant: string | null, pausedBy: string, reason: string | null): Promise<{ pause: QueuePause, created: boolean }> {
  const { rows } = await db.query<QueuePause & { created: boolean }>(`
    with p as (
      insert into queue_pauses (tenant, paused_by, reason) values ($1, $2, $3)
      on conflict ((coalesce(tenant, ''))) do nothing
      returning *
    )
    select ${PAUSE_COLUMNS}, true as created from p
    union all
    select ${PAUSE_COLUMNS}, false as created from queue_pauses p
     where coalesce(p.tenant, '') = coalesce($1, '') and not exists (select 1 from p)`,
  [tenant, pausedBy, reason])
  const { created, ...pause } = rows[0]
  return { pause, created }
}
