import type { AdminRole } from '../states.js'

/** The signed-in admin account a request acts as, read from its server-side session. */
export interface AdminIdentity {
  accountId: string
  name: string
  role: AdminRole
  /** The tenants the account sees and touches; null for every tenant. */
  tenants: string[] | null
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in admin, on routes under /admin; null when the request has no live session. */
    admin: AdminIdentity | null
  }
}

// Each role may do what the roles before it may.
const rank: Record<AdminRole, number> = { viewer: 0, operator: 1, admin: 2 }

/** Whether `identity` holds `role` or a higher one. */
export function hasRole (identity: AdminIdentity, role: AdminRole): boolean {
  return rank[identity.role] >= rank[role]
}
