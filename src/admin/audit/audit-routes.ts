import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import type { Pool } from '../../db/pool.js'
import { commonErrors, errorResponse } from '../../routes/schemas.js'
import type { AdminIdentity } from '../admin-identity.js'
import { renderPage } from '../render-page.js'
import { requireAdmin } from '../require-admin.js'
import { decodeAuditCursor } from './audit-cursor.js'
import { AUDIT_PAGE_SIZE, AuditPageJson, AuditQuery, type AuditPage, type AuditQueryType } from './audit-json.js'
import { auditRange } from './audit-range.js'
import { auditTargets } from './audit-targets.js'
import { listAuditEntries } from './list-audit-entries.js'

export interface AuditRoutesOptions {
  pool: Pool
}

/** The guard ran first: without an account the request never reaches a handler. */
function reader (request: FastifyRequest): AdminIdentity {
  if (request.admin === null) throw new Error('the admin guard did not run before an audit route')
  return request.admin
}

/** A non-empty query value; the page's form sends empty fields for filters left blank. */
function given (value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}

async function loadPage (pool: Pool, request: FastifyRequest, query: AuditQueryType): Promise<AuditPage> {
  const after = given(query.after)
  return await listAuditEntries(pool, reader(request), {
    accountName: given(query.account),
    action: given(query.action),
    range: auditRange(query.from, query.to),
    after: after === undefined ? undefined : decodeAuditCursor(after),
    limit: query.limit ?? AUDIT_PAGE_SIZE
  })
}

/** The page's links keep its filters and page size: the next page adds the cursor to them. */
function filterQuery (query: AuditQueryType): URLSearchParams {
  const params = new URLSearchParams()
  for (const name of ['account', 'action', 'from', 'to'] as const) {
    const value = given(query[name])
    if (value !== undefined) params.set(name, value)
  }
  if (query.limit !== undefined && query.limit !== AUDIT_PAGE_SIZE) params.set('limit', String(query.limit))
  return params
}

/**
 * `GET /admin/audit` and `GET /admin/api/audit`: who did what, when, on which filter or
 * documents, to how many, and why. Every role may read it (viewers included: it shows actions,
 * not documents); an account limited to some tenants reads only its own entries.
 */
export const auditRoutes: FastifyPluginAsyncTypebox<AuditRoutesOptions> = async (app, { pool }) => {
  app.get('/admin/audit', { preHandler: requireAdmin('viewer'), schema: { hide: true, querystring: AuditQuery } }, async (request, reply) => {
    const page = await loadPage(pool, request, request.query)
    const filters = filterQuery(request.query)
    const next = page.nextCursor === null ? null : `/admin/audit?${new URLSearchParams([...filters, ['after', page.nextCursor]]).toString()}`
    return await renderPage(request, reply, 'audit', {
      title: 'Audit log',
      nav: 'audit',
      query: request.query,
      ownOnly: reader(request).tenants !== null,
      rows: page.entries.map((entry) => ({ entry, targets: auditTargets(entry) })),
      newest: given(request.query.after) === undefined ? null : `/admin/audit?${filters.toString()}`,
      next
    })
  })

  app.get('/admin/api/audit', {
    preHandler: requireAdmin('viewer'),
    schema: {
      tags: ['admin'],
      security: [{ adminSession: [] }],
      operationId: 'getAdminAudit',
      querystring: AuditQuery,
      summary: 'The audit log of admin actions, newest first, filtered and paged by cursor',
      response: {
        ...commonErrors,
        200: AuditPageJson,
        401: errorResponse('No admin session, or one that expired or was revoked (DOCQ_ADMIN_AUTH_REQUIRED)'),
        503: errorResponse('The database is unavailable (DOCQ_DATABASE_UNAVAILABLE); retry shortly')
      }
    }
  }, async (request) => await loadPage(pool, request, request.query))
}
