import type { Queryable } from '../../db/pool.js'
import { AppError } from '../../errors.js'
import type { BeforeCommit, DocumentQueueService } from '../../queue/document-queue-service.js'
import { ADMIN_ACTION, type AdminAction } from '../../states.js'
import { recordAudit } from '../admin-audit.js'
import { hasRole, type AdminIdentity } from '../admin-identity.js'

/**
 * The queue method behind each action: all take document ids and a tenant limit, change only
 * the documents the action applies to, run `beforeCommit` in their transaction, and return the
 * ids they changed. Bulk actions run the same methods batch by batch.
 */
export const documentActionMethods: Record<AdminAction, (queue: DocumentQueueService, documentIds: string[], tenants: string[] | null, beforeCommit?: BeforeCommit) => Promise<string[]>> = {
  retry: async (queue, ids, tenants, beforeCommit) => await queue.retryFailed(ids, tenants, beforeCommit),
  reprocess: async (queue, ids, tenants, beforeCommit) => await queue.reprocessMany(ids, tenants, beforeCommit),
  cancel: async (queue, ids, tenants, beforeCommit) => await queue.cancelPending(ids, tenants, beforeCommit),
  delete: async (queue, ids, tenants, beforeCommit) => await queue.removeMany(ids, tenants, beforeCommit)
}

/** The audit log's name of an action on documents. */
export function auditActionName (action: AdminAction): string {
  return `document.${action}`
}

/** Refuses an account whose role may not take `action` (403 DOCQ_ADMIN_FORBIDDEN). */
export function assertMayAct (admin: AdminIdentity, action: AdminAction): void {
  const { role } = ADMIN_ACTION[action]
  if (!hasRole(admin, role)) throw new AppError('DOCQ_ADMIN_FORBIDDEN', `${action} needs the ${role} role; ${admin.name} is a ${admin.role}`)
}

/** The actions `admin` may take, whatever the document's state. */
export function actionsAllowed (admin: AdminIdentity): AdminAction[] {
  return (Object.keys(ADMIN_ACTION) as AdminAction[]).filter((action) => hasRole(admin, ADMIN_ACTION[action].role))
}

export interface DocumentActionRequest {
  action: AdminAction
  documentIds: string[]
  reason: string | null
  /** The client's address, for the audit log. */
  address: string
}

/**
 * Takes an action on documents as `admin`: checks the role, runs the queue method limited to
 * the account's tenants, and writes the audit entry (`document.retry`, ...: the ids asked for,
 * how many changed, the reason, the address) in the same transaction as the change, so no
 * change goes unrecorded and no record claims a change that was rolled back. Returns the ids
 * changed.
 */
export async function takeDocumentAction (queue: DocumentQueueService, admin: AdminIdentity, request: DocumentActionRequest): Promise<string[]> {
  assertMayAct(admin, request.action)
  const audit = async (tx: Queryable, changed: string[]): Promise<void> => {
    await recordAudit(tx, {
      accountId: admin.accountId,
      accountName: admin.name,
      action: auditActionName(request.action),
      targetItemIds: request.documentIds,
      affected: changed.length,
      reason: request.reason ?? undefined,
      address: request.address
    })
  }
  return await documentActionMethods[request.action](queue, request.documentIds, admin.tenants, audit)
}
