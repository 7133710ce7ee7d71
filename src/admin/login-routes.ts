import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { Pool } from '../db/pool.js'
import { AdminAccounts } from './admin-accounts.js'
import { recordAudit } from './admin-audit.js'
import { adminCookie, LOGIN_CSRF_COOKIE, SESSION_COOKIE } from './admin-session-hook.js'
import type { AdminSessions, SessionLimits } from './admin-sessions.js'
import { LOGIN_PATH, safeNext } from './login-redirect.js'
import type { LoginThrottle } from './login-throttle.js'
import { decoyPasswordHash, verifyPassword } from './passwords.js'
import { renderPage } from './render-page.js'

export interface LoginRoutesOptions {
  pool: Pool
  sessions: AdminSessions
  limits: SessionLimits
  throttle: LoginThrottle
}

// One message for every refusal, so the form does not tell which account names exist.
const REFUSED = 'Wrong account name or password.'
const THROTTLED = 'Too many failed sign-ins. Try again later.'

const LoginQuery = Type.Object({ next: Type.Optional(Type.String({ maxLength: 2000 })) })
const LoginForm = Type.Object({
  name: Type.String({ maxLength: 200 }),
  password: Type.String({ maxLength: 1000 }),
  next: Type.Optional(Type.String({ maxLength: 2000 })),
  // Optional here, so that a form without it is answered 403 by the CSRF check, not 400.
  _csrf: Type.Optional(Type.String({ maxLength: 200 }))
})

async function loginForm (request: FastifyRequest, reply: FastifyReply, next: string, message?: string): Promise<FastifyReply> {
  // The form's CSRF secret is made on its first showing, and kept in a cookie until a session holds one.
  if (request.session._csrf === undefined) {
    reply.generateCsrf()
    reply.setCookie(LOGIN_CSRF_COOKIE, request.session._csrf ?? '', adminCookie(request, LOGIN_PATH))
  }
  return await renderPage(request, reply, 'login', { title: 'Sign in', next, message })
}

/** The login form, signing in (a session cookie) and signing out (the session row deleted). */
export const loginRoutes: FastifyPluginAsyncTypebox<LoginRoutesOptions> = async (app, { pool, sessions, limits, throttle }) => {
  const accounts = new AdminAccounts(pool)

  app.get(LOGIN_PATH, { schema: { hide: true, querystring: LoginQuery } }, async (request, reply) => {
    const next = safeNext(request.query.next)
    if (request.admin !== null) return await reply.redirect(next, 303)
    return await loginForm(request, reply, next)
  })

  app.post(LOGIN_PATH, { schema: { hide: true, body: LoginForm } }, async (request, reply) => {
    const { name, password } = request.body
    const next = safeNext(request.body.next)
    const retryAfter = await throttle.retryAfterSeconds(name, request.ip)
    if (retryAfter !== undefined) {
      reply.code(429).header('retry-after', String(retryAfter))
      return await loginForm(request, reply, next, THROTTLED)
    }
    const account = await accounts.findForLogin(name)
    // An unknown name costs a hash too, so timing does not tell which names exist.
    const matches = await verifyPassword(password, account?.passwordHash ?? await decoyPasswordHash)
    if (account === undefined || !matches || account.disabledAt !== null) {
      await throttle.recordFailure(name, request.ip)
      await recordAudit(pool, { accountId: account?.id ?? null, accountName: name, action: 'login.failed', address: request.ip })
      reply.code(401)
      return await loginForm(request, reply, next, REFUSED)
    }
    // A new session on every sign-in; one the browser still held is ended.
    const previous = request.cookies[SESSION_COOKIE]
    if (previous !== undefined) await sessions.end(previous)
    const token = await sessions.start(account.id)
    await recordAudit(pool, { accountId: account.id, accountName: account.name, action: 'login.succeeded', address: request.ip })
    reply.setCookie(SESSION_COOKIE, token, adminCookie(request, '/admin', Math.floor(limits.maxMs / 1000)))
    reply.clearCookie(LOGIN_CSRF_COOKIE, adminCookie(request, LOGIN_PATH))
    return await reply.redirect(next, 303)
  })

  app.post('/admin/logout', { schema: { hide: true } }, async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE]
    if (token !== undefined) await sessions.end(token)
    if (request.admin !== null) {
      await recordAudit(pool, { accountId: request.admin.accountId, accountName: request.admin.name, action: 'logout', address: request.ip })
    }
    reply.clearCookie(SESSION_COOKIE, adminCookie(request, '/admin'))
    return await reply.redirect(LOGIN_PATH, 303)
  })
}
