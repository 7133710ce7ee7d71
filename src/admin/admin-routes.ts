import { fileURLToPath } from 'node:url'
import cookie from '@fastify/cookie'
import csrfProtection from '@fastify/csrf-protection'
import formbody from '@fastify/formbody'
import staticFiles from '@fastify/static'
import view from '@fastify/view'
import { Eta } from 'eta'
import type { FastifyPluginAsync } from 'fastify'
import type { Redis } from 'ioredis'
import type { Pool } from '../db/pool.js'
import { adminHeaders } from '../routes/security-headers.js'
import { loadAdminSession } from './admin-session-hook.js'
import { auditRoutes } from './audit/audit-routes.js'
import { BulkActions } from './bulk/bulk-actions.js'
import { bulkApiRoutes } from './bulk/bulk-api-routes.js'
import { bulkPages } from './bulk/bulk-pages.js'
import { documentListRoutes } from './documents/routes.js'
import { failuresRoutes } from './failures/routes.js'
import { AdminSessions, type SessionLimits } from './admin-sessions.js'
import { requireCsrfToken } from './csrf-check.js'
import { overviewFragment } from './live/overview-fragment.js'
import { documentDetailRoutes } from './documents/detail-routes.js'
import { loginRoutes } from './login-routes.js'
import { answerPageErrors } from './page-errors.js'
import { LoginThrottle } from './login-throttle.js'
import { redispatchRoutes } from './overview/redispatch-routes.js'
import { adminApiRoutes } from './overview/routes.js'
import type { OverviewDeps } from './overview/load-overview.js'
import { overviewPage } from './overview-page.js'
import { pauseRoutes } from './pauses/routes.js'
import { requireAdmin } from './require-admin.js'
import { retentionRoutes } from './retention/retention-routes.js'

export interface AdminRoutesOptions {
  pool: Pool
  /** Where failed logins are counted, shared by all API processes, under this key prefix. */
  redis: Redis | undefined
  redisPrefix: string
  sessionLimits: SessionLimits
  /** Failed logins per account name and per address per window before 429; 0 for no limit. */
  loginFailures: { maxFailures: number, windowMs: number }
  /** What the overview (page and JSON) reads. */
  overview: OverviewDeps
}

const viewsDir = fileURLToPath(new URL('./views/', import.meta.url))
const staticDir = fileURLToPath(new URL('./static/', import.meta.url))

/**
 * The admin UI under /admin: server-rendered pages behind a login, with server-side sessions
 * in Postgres. Its hooks, cookies and form parsing stay inside this plugin; the tenant API
 * around it takes none of them.
 */
export const adminRoutes: FastifyPluginAsync<AdminRoutesOptions> = async (app, options) => {
  const sessions = new AdminSessions(options.pool, options.sessionLimits)
  await app.register(cookie)
  await app.register(formbody)
  // In its `@fastify/session` mode the plugin keeps the secret in `request.session`, which
  // loadAdminSession fills from the session row: one secret per session, ended with it.
  await app.register(csrfProtection, { sessionPlugin: '@fastify/session' })
  await app.register(view, { engine: { eta: new Eta({ autoEscape: true }) }, root: viewsDir })
  await app.register(staticFiles, { root: staticDir, prefix: '/admin/static/', index: false })
  app.addHook('onRequest', async (_request, reply) => { reply.headers(adminHeaders) })
  loadAdminSession(app, sessions)
  requireCsrfToken(app)
  answerPageErrors(app)

  await app.register(loginRoutes, {
    pool: options.pool,
    sessions,
    limits: options.sessionLimits,
    throttle: new LoginThrottle({ redis: options.redis, prefix: options.redisPrefix, ...options.loginFailures })
  })
  await app.register(overviewPage, { overview: options.overview })
  await app.register(adminApiRoutes, { overview: options.overview, preHandler: requireAdmin('viewer') })
  await app.register(overviewFragment, { pool: options.pool })
  await app.register(auditRoutes, { pool: options.pool })
  await app.register(documentDetailRoutes, { deps: options.overview })
  await app.register(pauseRoutes, { queue: options.overview.queue })
  await app.register(redispatchRoutes, { overview: options.overview })
  const bulk = new BulkActions(options.pool)
  await app.register(bulkPages, { bulk })
  await app.register(bulkApiRoutes, { bulk })
  await app.register(retentionRoutes, { pool: options.pool })
  await app.register(documentListRoutes, { pool: options.pool })
  await app.register(failuresRoutes, { pool: options.pool })
}
