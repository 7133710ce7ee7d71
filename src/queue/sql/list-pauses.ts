import type { Queryable } from '../../db/pool.js'
import { PAUSE_COLUMNS, type QueuePause } from './pauses.js'

/**
 * The paused scopes that apply to `tenants` (null: every tenant): the global pause, if any,
 * first, then the tenants' own, by tenant.
 */
export async function listPauses (db: Queryable, tenants: string[] | null): Promise<QueuePause[]> {
  const { rows } = await db.query<QueuePause>(`
    select ${PAUSE_COLUMNS} from queue_pauses p
     where p.tenant is null or $1::text[] is null or p.tenant = any($1::text[])
     order by p.tenant nulls first`,
  [tenants])
  return rows
}
