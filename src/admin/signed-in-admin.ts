import type { FastifyRequest } from 'fastify'
import type { AdminIdentity } from './admin-identity.js'

/**
 * The account a guarded admin route acts for; its `tenants` (null = all) go into the SQL of
 * every read and write. Without an account the request fails rather than falling back to a
 * scope: a route registered without `requireAdmin` must not show every tenant.
 */
export function signedInAdmin (request: FastifyRequest): AdminIdentity {
  if (request.admin === null) throw new Error('the admin guard did not run before an admin route')
  return request.admin
}
