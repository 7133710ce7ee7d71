import { AppError } from '../../errors.js'
import type { Pool } from '../../db/pool.js'
import type { DocumentQueueService } from '../../queue/document-queue-service.js'
import { ADMIN_ROLE } from '../../states.js'
import { recordAudit } from '../admin-audit.js'
import { hasRole, type AdminIdentity } from '../admin-identity.js'

/** Due items looked at by one re-dispatch, as many as the reconciler's own pass takes. */
export const REDISPATCH_LIMIT = 500

export interface RedispatchResult {
  redispatched: number
  crashed: number
  takenOver: number
}

/**
 * The overview's answer to wake-up drift: the reconciler's pass run at once instead of at its
 * next tick. It takes back items of dead workers and sends a fresh wake-up to each due item that
 * Redis holds none for. Wake-ups are shared by every tenant, so only an operator over every
 * tenant may do it. The audit entry (`queue.redispatch`) is written before the answer.
 */
export async function redispatchWakeUps ({ queue, pool }: { queue: DocumentQueueService, pool: Pool }, admin: AdminIdentity, address: string): Promise<RedispatchResult> {
  if (!hasRole(admin, ADMIN_ROLE.operator)) {
    throw new AppError('DOCQ_ADMIN_FORBIDDEN', `re-dispatching needs the operator role; ${admin.name} is a ${admin.role}`)
  }
  if (admin.tenants !== null) {
    throw new AppError('DOCQ_ADMIN_FORBIDDEN', `${admin.name} is limited to some tenants; wake-ups are shared by every tenant`)
  }
  const result = await queue.reconcile(REDISPATCH_LIMIT)
  await recordAudit(pool, {
    accountId: admin.accountId, accountName: admin.name, action: 'queue.redispatch', affected: result.redispatched, address
  })
  return result
}
