import { randomUUID } from 'node:crypto'
import { withTransaction, type Pool } from '../../db/pool.js'
import { AppError } from '../../errors.js'
import { recordAudit } from '../admin-audit.js'
import { hasRole, type AdminIdentity } from '../admin-identity.js'
import type { BulkActionRecord } from './bulk-action-record.js'
import { bulkAuditEntry } from './bulk-audit.js'
import { bulkActionRole, bulkTargetOf, type BulkRequest } from './bulk-request.js'
import { cancelBulkAction, getBulkAction, insertBulkAction, listBulkActions, transactionNow } from './bulk-store.js'
import { countTarget, type BulkTarget } from './bulk-target.js'

/** Who asks, from where: the signed-in account and the request's address. */
export interface Actor {
  admin: AdminIdentity
  address: string
}

const RECENT = 50

/**
 * The admin UI's bulk actions: dry runs, creation, reads and cancellation, each limited to the
 * account's tenants and checked against its role. Running them is the runner's job
 * (bulk-runner.ts), in the workers' leader or a sweep.
 */
export class BulkActions {
  constructor (readonly pool: Pool) {}

  /** How many documents the action would touch now, without storing anything. */
  async dryRun (admin: AdminIdentity, request: BulkRequest): Promise<{ target: BulkTarget, total: number }> {
    const target = this.#checked(admin, request)
    const total = await withTransaction(this.pool, async (tx) => await countTarget(tx, target, { tenants: admin.tenants, asOf: await transactionNow(tx) }))
    return { target, total }
  }

  /**
   * Stores a queued bulk action with its dry run's count, taken in the same transaction (the
   * action covers what was there at that moment), and its `created` audit entry.
   */
  async create ({ admin, address }: Actor, request: BulkRequest, reason: string | null): Promise<BulkActionRecord> {
    const target = this.#checked(admin, request)
    return await withTransaction(this.pool, async (tx) => {
      const total = await countTarget(tx, target, { tenants: admin.tenants, asOf: await transactionNow(tx) })
      const record = await insertBulkAction(tx, {
        id: randomUUID(), action: request.action, target, accountId: admin.accountId, accountName: admin.name, tenants: admin.tenants, reason, total
      })
      await recordAudit(tx, bulkAuditEntry(record, 'created', { accountId: admin.accountId, accountName: admin.name, address }, total))
      return record
    })
  }

  async get (admin: AdminIdentity, id: string): Promise<BulkActionRecord> {
    const record = await getBulkAction(this.pool, id, admin.tenants)
    if (record === undefined) throw new AppError('DOCQ_BULK_NOT_FOUND', 'no such bulk action among those this account may see')
    return record
  }

  async list (admin: AdminIdentity): Promise<BulkActionRecord[]> {
    return await listBulkActions(this.pool, admin.tenants, RECENT)
  }

  /** Cancels a queued or running action (operator): its runner stops before its next batch. */
  async cancel ({ admin, address }: Actor, id: string): Promise<BulkActionRecord> {
    return await withTransaction(this.pool, async (tx) => {
      const cancelled = await cancelBulkAction(tx, id, admin.tenants)
      if (cancelled === undefined) {
        const existing = await getBulkAction(tx, id, admin.tenants)
        if (existing === undefined) throw new AppError('DOCQ_BULK_NOT_FOUND', 'no such bulk action among those this account may see')
        throw new AppError('DOCQ_BULK_ENDED', `the bulk action is ${existing.status} already`)
      }
      await recordAudit(tx, bulkAuditEntry(cancelled, 'cancelled', { accountId: admin.accountId, accountName: admin.name, address }, cancelled.affected))
      return cancelled
    })
  }

  #checked (admin: AdminIdentity, request: BulkRequest): BulkTarget {
    const role = bulkActionRole(request.action)
    if (!hasRole(admin, role)) throw new AppError('DOCQ_ADMIN_FORBIDDEN', `${request.action} needs the ${role} role; ${admin.name} is a ${admin.role}`)
    return bulkTargetOf(request)
  }
}
