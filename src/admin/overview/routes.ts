import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest, preHandlerAsyncHookHandler, preHandlerHookHandler } from 'fastify'
import { NoQuery, commonErrors, errorResponse } from '../../routes/schemas.js'
import { loadOverview, type OverviewDeps } from './load-overview.js'
import { OverviewJson } from './overview-json.js'
import type { OverviewScope } from './overview-scope.js'

export interface AdminApiRoutesOptions {
  overview: OverviewDeps
  /**
   * The admin guard, `requireAdmin('viewer')`: refuses the request, or lets it through with
   * `request.admin` holding the tenants the account may see.
   */
  preHandler: preHandlerHookHandler | preHandlerAsyncHookHandler
}

/** What the admin guard leaves on a request it lets through. */
interface AdminAccess {
  tenants: string[] | null
}

function isAdminAccess (value: unknown): value is AdminAccess {
  if (typeof value !== 'object' || value === null || !('tenants' in value)) return false
  const { tenants } = value
  return tenants === null || (Array.isArray(tenants) && tenants.every((tenant) => typeof tenant === 'string'))
}

/**
 * The tenants the guard allowed. Without the guard's mark the request fails rather than falling
 * back to a scope: a route registered without its guard must not show every tenant.
 */
function scopeOf (request: FastifyRequest): OverviewScope {
  const admin = 'admin' in request ? request.admin : undefined
  if (!isAdminAccess(admin)) throw new Error('the admin guard did not run before an admin route')
  return { tenants: admin.tenants }
}

/** The admin JSON API, under `/admin/api`; every route behind the admin guard. */
export const adminApiRoutes: FastifyPluginAsyncTypebox<AdminApiRoutesOptions> = async (app, { overview, preHandler }) => {
  app.get('/admin/api/overview', {
    preHandler,
    schema: {
      tags: ['admin'],
      // The admin session cookie; its scheme is declared with the login routes.
      security: [{ adminSession: [] }],
      operationId: 'getAdminOverview',
      querystring: NoQuery,
      summary: 'The queue at a glance: counts, throughput, oldest waits, workers, health, wake-up drift',
      response: {
        ...commonErrors,
        200: OverviewJson,
        401: errorResponse('No admin session, or one that expired or was revoked (DOCQ_ADMIN_AUTH_REQUIRED)'),
        403: errorResponse('The account\'s role may not read the admin API (DOCQ_ADMIN_FORBIDDEN)'),
        503: errorResponse('The database is unavailable (DOCQ_DATABASE_UNAVAILABLE); retry shortly')
      }
    }
  }, async (request) => await loadOverview(overview, scopeOf(request)))
}
