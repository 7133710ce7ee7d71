import type { Queryable } from '../../db/pool.js'
import type { RetentionTarget } from '../../states.js'

/** Days to keep, per retention target; null keeps forever. */
export type RetentionPolicy = Record<RetentionTarget, number | null>

export interface RetentionPolicyRow {
  target: RetentionTarget
  keepDays: number | null
  updatedAt: Date
  updatedBy: string | null
}

/** The policy, one row per target (migration 010 writes every target's row). */
export async function readRetentionPolicy (db: Queryable): Promise<RetentionPolicyRow[]> {
  const { rows } = await db.query<RetentionPolicyRow>(`
    select target, keep_days as "keepDays", updated_at as "updatedAt", updated_by as "updatedBy"
      from admin_retention_policy order by target`)
  return rows
}

/** Sets every target's days; returns the policy as written. */
export async function writeRetentionPolicy (db: Queryable, policy: RetentionPolicy, updatedBy: string): Promise<RetentionPolicyRow[]> {
  const { rows } = await db.query<RetentionPolicyRow>(`
    update admin_retention_policy p set keep_days = v.keep_days, updated_at = now(), updated_by = $2
      from jsonb_each($1::jsonb) as e(target, value), lateral (select (e.value #>> '{}')::int as keep_days) v
     where p.target = e.target
    returning p.target, p.keep_days as "keepDays", p.updated_at as "updatedAt", p.updated_by as "updatedBy"`,
  [JSON.stringify(policy), updatedBy])
  return rows.sort((a, b) => a.target.localeCompare(b.target))
}

export function policyOf (rows: RetentionPolicyRow[]): RetentionPolicy {
  const policy: RetentionPolicy = { completed: null, failed: null, history: null }
  for (const row of rows) policy[row.target] = row.keepDays
  return policy
}
