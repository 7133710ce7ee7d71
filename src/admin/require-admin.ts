import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import { AppError } from '../errors.js'
import type { AdminRole } from '../states.js'
import { hasRole } from './admin-identity.js'
import { loginPath } from './login-redirect.js'

/**
 * JSON routes, and the fragments that live updates fetch, answer with error bodies; every other
 * admin route is a page. A fragment redirected to the login form would put that form into the
 * page that polls it.
 */
export function isAdminApi (request: FastifyRequest): boolean {
  return request.url.startsWith('/admin/api/') || request.url.startsWith('/admin/fragments/')
}

/**
 * A preHandler that lets a request through only when its session's account holds `role` (or a
 * higher one). Without a session, a page redirects (303) to the login form, which returns to
 * it afterwards, and the JSON API answers 401; with too low a role, both answer 403.
 */
export function requireAdmin (role: AdminRole): preHandlerAsyncHookHandler {
  return async function checkAdmin (request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (request.admin === null) {
      if (isAdminApi(request)) throw new AppError('DOCQ_ADMIN_AUTH_REQUIRED', 'sign in at /admin/login first')
      await reply.redirect(loginPath(request.url), 303)
      return
    }
    if (!hasRole(request.admin, role)) {
      throw new AppError('DOCQ_ADMIN_FORBIDDEN', `this needs the ${role} role; ${request.admin.name} is a ${request.admin.role}`)
    }
  }
}
