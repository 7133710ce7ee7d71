import type { Queryable } from '../../db/pool.js'
import { ITEM_STATUS } from '../../states.js'
import type { QueueItem } from '../queue-item.js'

/** Extends the lease of an item this worker holds to `leaseMs` from now; false when the claim was lost. */
export async function renewLease (db: Queryable, item: QueueItem, workerId: string, leaseMs: number): Promise<boolean> {
  const { rowCount } = await db.query(`
    update queue_items set locked_until = now() + make_interval(secs => $4::float8 / 1000)
     where id = $1 and status = '${ITEM_STATUS.inProgress}' and locked_by = $2 and attempts = $3`,
  [item.id, workerId, item.attempts, leaseMs])
  return rowCount === 1
}
