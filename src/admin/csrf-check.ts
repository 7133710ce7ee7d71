import type { FastifyInstance } from 'fastify'
import { LOGIN_PATH } from './login-redirect.js'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Every state-changing admin request must carry the CSRF token of its session (a form's
 * `_csrf` field, or an `X-CSRF-Token` header): a missing or wrong one answers 403
 * DOCQ_ADMIN_CSRF_INVALID. The secret lives in the session row (see admin-session-hook.ts), so
 * it ends with the session and no second cookie has to be trusted.
 *
 * A request without a session is left to its route's requireAdmin, which refuses it (there is
 * no session a forged request could ride on), except the login form's, which is checked
 * against the login form's own secret so that no other site can sign a browser in.
 */
export function requireCsrfToken (app: FastifyInstance): void {
  app.addHook('preHandler', (request, reply, done) => {
    if (SAFE_METHODS.has(request.method)) return done()
    if (request.admin === null && request.routeOptions.url !== LOGIN_PATH) return done()
    app.csrfProtection(request, reply, done)
  })
}
