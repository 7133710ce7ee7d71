import type { FastifyRequest } from 'fastify'
import type { AdminIdentity } from './admin-identity.js'

/**
 * The account of a request that requireAdmin let through. A route registered without the guard
 * fails here rather than acting for nobody.
 */
export function signedInAdmin (request: FastifyRequest): AdminIdentity {
  if (request.admin === null) throw new Error('the admin guard did not run before an admin route')
  return request.admin
}
