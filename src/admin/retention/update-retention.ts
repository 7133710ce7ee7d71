import { withTransaction, type Pool } from '../../db/pool.js'
import { recordAudit } from '../admin-audit.js'
import type { AdminIdentity } from '../admin-identity.js'
import { writeRetentionPolicy, type RetentionPolicy, type RetentionPolicyRow } from './retention-policy.js'

/**
 * Sets the retention policy (admin), with its audit entry `retention.policy.updated` in the same
 * transaction. The policy covers every tenant's documents, so an account limited to some tenants
 * may not set it: the caller checks that.
 */
export async function updateRetentionPolicy (pool: Pool, by: { admin: AdminIdentity, address: string }, policy: RetentionPolicy): Promise<RetentionPolicyRow[]> {
  return await withTransaction(pool, async (tx) => {
    const rows = await writeRetentionPolicy(tx, policy, by.admin.name)
    await recordAudit(tx, { accountId: by.admin.accountId, accountName: by.admin.name, action: 'retention.policy.updated', targetFilter: policy, address: by.address })
    return rows
  })
}
