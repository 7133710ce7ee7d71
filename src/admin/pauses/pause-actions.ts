import { AppError } from '../../errors.js'
import type { DocumentQueueService } from '../../queue/document-queue-service.js'
import type { QueuePause } from '../../queue/sql/pauses.js'
import { ADMIN_ROLE } from '../../states.js'
import { recordAudit } from '../admin-audit.js'
import { hasRole, type AdminIdentity } from '../admin-identity.js'

/** What a pause or resume applies to: one tenant, or every tenant (null). */
export interface PauseRequest {
  tenant: string | null
  reason: string | null
  address: string
}

/**
 * Refuses an account that may not pause or resume `tenant`: below operator, or limited to some
 * tenants and asking for another one or for every tenant (which would stop the others' work).
 */
function assertMayPause (admin: AdminIdentity, tenant: string | null): void {
  if (!hasRole(admin, ADMIN_ROLE.operator)) {
    throw new AppError('DOCQ_ADMIN_FORBIDDEN', `pausing needs the operator role; ${admin.name} is a ${admin.role}`)
  }
  if (admin.tenants === null) return
  if (tenant === null) throw new AppError('DOCQ_ADMIN_FORBIDDEN', `${admin.name} is limited to some tenants and may not pause every tenant`)
  if (!admin.tenants.includes(tenant)) throw new AppError('DOCQ_ADMIN_FORBIDDEN', `${admin.name} may not pause or resume this tenant`)
}

/** Pauses a scope as `admin`, the audit entry (`queue.pause`) in the same transaction. */
export async function pauseQueue (queue: DocumentQueueService, admin: AdminIdentity, request: PauseRequest): Promise<{ pause: QueuePause, created: boolean }> {
  assertMayPause(admin, request.tenant)
  return await queue.pause(request.tenant, admin.name, request.reason, async (tx) => {
    await recordAudit(tx, {
      accountId: admin.accountId, accountName: admin.name, action: 'queue.pause', targetFilter: { tenant: request.tenant }, reason: request.reason ?? undefined, address: request.address
    })
  })
}

/**
 * Resumes a scope as `admin`, the audit entry (`queue.resume`) in the same transaction, then
 * wakes what waited. Returns the pause lifted (undefined when there was none) and how many
 * items were woken.
 */
export async function resumeQueue (queue: DocumentQueueService, admin: AdminIdentity, request: PauseRequest): Promise<{ pause: QueuePause | undefined, woken: number }> {
  assertMayPause(admin, request.tenant)
  return await queue.resume(request.tenant, async (tx) => {
    await recordAudit(tx, {
      accountId: admin.accountId, accountName: admin.name, action: 'queue.resume', targetFilter: { tenant: request.tenant }, reason: request.reason ?? undefined, address: request.address
    })
  })
}
