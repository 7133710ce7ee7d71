import type { Queryable } from '../../db/pool.js'
import { PAUSE_COLUMNS, type QueuePause } from './pauses.js'

/** Resumes a scope (`tenant`, or every tenant when null); returns its pause, undefined when it was not paused. */
export async function resumeScope (db: Queryable, tenant: string | null): Promise<QueuePause | undefined> {
  const { rows } = await db.query<QueuePause>(`
    delete from queue_pauses p where coalesce(p.tenant, '') = coalesce($1, '')
    returning ${PAUSE_COLUMNS}`,
  [tenant])
  return rows[0]
}
