import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AdminSessions } from './admin-sessions.js'

/** The session cookie: its token opens a row of admin_sessions. */
export const SESSION_COOKIE = 'docq_admin'
/** Holds the CSRF secret of the login form, before there is a session to hold it. */
export const LOGIN_CSRF_COOKIE = 'docq_admin_login'

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * Where @fastify/csrf-protection (in its `@fastify/session` mode) reads and keeps the CSRF
     * secret: the session's own, from Postgres, or the login form's, from its cookie.
     */
    session: { _csrf?: string }
  }
}

/** Cookie attributes for the admin UI: unreadable by scripts, never sent cross-site, Secure over TLS. */
export function adminCookie (request: FastifyRequest, path: string, maxAgeSeconds?: number): Parameters<FastifyReply['setCookie']>[2] {
  return { path, httpOnly: true, sameSite: 'strict', secure: request.protocol === 'https', maxAge: maxAgeSeconds }
}

/**
 * Reads every admin request's session cookie and sets `request.admin` (null without a live
 * session) and the CSRF secret. Bearer tokens are not looked at: a tenant's API key never opens
 * the admin UI.
 */
export function loadAdminSession (app: FastifyInstance, sessions: AdminSessions): void {
  app.decorateRequest('admin', null)
  app.decorateRequest('session', null as unknown as FastifyRequest['session'])
  app.addHook('onRequest', async (request) => {
    const token = request.cookies[SESSION_COOKIE]
    const session = token === undefined || token.length > 100 ? undefined : await sessions.resume(token)
    request.admin = session?.identity ?? null
    request.session = { _csrf: session?.csrfSecret ?? request.cookies[LOGIN_CSRF_COOKIE] }
  })
}
