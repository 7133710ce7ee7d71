import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type, type Static } from 'typebox'
import type { Pool } from '../../db/pool.js'
import { AppError } from '../../errors.js'
import { NoQuery, commonErrors, errorResponse } from '../../routes/schemas.js'
import { retentionTargets } from '../../states.js'
import { hasRole, type AdminIdentity } from '../admin-identity.js'
import { renderPage } from '../render-page.js'
import { requireAdmin } from '../require-admin.js'
import { MAX_OLDER_THAN_DAYS } from '../bulk/bulk-request.js'
import { policyOf, readRetentionPolicy, type RetentionPolicy, type RetentionPolicyRow } from './retention-policy.js'
import { updateRetentionPolicy } from './update-retention.js'

export interface RetentionRoutesOptions {
  pool: Pool
}

// `nullable` rather than a union with null: the validator's type coercion would turn a 0 into
// the union's null (keep forever) instead of refusing it.
const KeepDays = Type.Unsafe<number | null>({ type: 'integer', minimum: 1, maximum: MAX_OLDER_THAN_DAYS, nullable: true, description: 'Days to keep; null keeps forever' })

const RetentionPolicyBody = Type.Object({
  completed: KeepDays,
  failed: KeepDays,
  history: KeepDays
}, { additionalProperties: false, description: 'Completed and failed documents are kept this many days after they reached that status; history is finished items no longer current, with their attempts' })

const RetentionPolicyJson = Type.Object({
  policy: RetentionPolicyBody,
  updatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'When the policy was last set; null if never' }),
  updatedBy: Type.Union([Type.String(), Type.Null()])
})

// The policy's form: each field a number of days, or empty for "keep forever".
const PolicyForm = Type.Object({
  _csrf: Type.Optional(Type.String()),
  completed: Type.String({ pattern: '^[0-9]{0,5}$' }),
  failed: Type.String({ pattern: '^[0-9]{0,5}$' }),
  history: Type.String({ pattern: '^[0-9]{0,5}$' })
}, { additionalProperties: false })

const SavedQuery = Type.Object({ saved: Type.Optional(Type.Literal('1')) }, { additionalProperties: false })

function toJson (rows: RetentionPolicyRow[]): Static<typeof RetentionPolicyJson> {
  const changed = rows.filter((row) => row.updatedBy !== null).sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime())[0]
  return { policy: policyOf(rows), updatedAt: changed?.updatedAt.toISOString() ?? null, updatedBy: changed?.updatedBy ?? null }
}

function signedIn (request: FastifyRequest): AdminIdentity {
  if (request.admin === null) throw new Error('the admin guard did not run before a retention route')
  return request.admin
}

/** The retention policy applies to every tenant: only an account over every tenant sets it. */
function allTenantAdmin (request: FastifyRequest): AdminIdentity {
  const admin = signedIn(request)
  if (admin.tenants !== null) throw new AppError('DOCQ_ADMIN_FORBIDDEN', 'the retention policy covers every tenant; an account limited to some tenants may not set it')
  return admin
}

function daysOf (field: string): number | null {
  if (field === '') return null
  const days = Number(field)
  if (days < 1 || days > MAX_OLDER_THAN_DAYS) throw new AppError('DOCQ_REQUEST_INVALID', `days must be from 1 to ${MAX_OLDER_THAN_DAYS}, or empty to keep forever`)
  return days
}

/**
 * `/admin/retention`: clearing old entries now (forms to the bulk confirmation page, action
 * `clear`) and the automatic retention policy that the workers' leader applies; its JSON twin
 * `GET/PUT /admin/api/retention`.
 */
export const retentionRoutes: FastifyPluginAsyncTypebox<RetentionRoutesOptions> = async (app, { pool }) => {
  app.get('/admin/retention', { preHandler: requireAdmin('viewer'), schema: { hide: true, querystring: SavedQuery } }, async (request, reply) => {
    const admin = signedIn(request)
    const rows = await readRetentionPolicy(pool)
    return await renderPage(request, reply, 'retention', {
      title: 'Retention',
      nav: 'retention',
      styles: ['bulk.css'],
      policy: toJson(rows),
      targets: retentionTargets,
      canClear: hasRole(admin, 'admin'),
      canSetPolicy: hasRole(admin, 'admin') && admin.tenants === null,
      saved: request.query.saved === '1'
    })
  })

  app.post('/admin/retention', { preHandler: requireAdmin('admin'), schema: { hide: true, querystring: NoQuery, body: PolicyForm } }, async (request, reply) => {
    const admin = allTenantAdmin(request)
    const policy: RetentionPolicy = { completed: daysOf(request.body.completed), failed: daysOf(request.body.failed), history: daysOf(request.body.history) }
    await updateRetentionPolicy(pool, { admin, address: request.ip }, policy)
    return await reply.redirect('/admin/retention?saved=1', 303)
  })

  const common = { tags: ['admin'], security: [{ adminSession: [] }], querystring: NoQuery }
  const errors = {
    ...commonErrors,
    401: errorResponse('No admin session, or one that expired or was revoked (DOCQ_ADMIN_AUTH_REQUIRED)'),
    503: errorResponse('The database is unavailable (DOCQ_DATABASE_UNAVAILABLE); retry shortly')
  }

  app.get('/admin/api/retention', {
    preHandler: requireAdmin('viewer'),
    schema: {
      ...common,
      operationId: 'getAdminRetention',
      summary: 'The retention policy: days kept per finished status and for queue history',
      response: { ...errors, 200: RetentionPolicyJson, 403: errorResponse('The account\'s role may not read the admin API (DOCQ_ADMIN_FORBIDDEN)') }
    }
  }, async () => toJson(await readRetentionPolicy(pool)))

  app.put('/admin/api/retention', {
    preHandler: requireAdmin('admin'),
    schema: {
      ...common,
      operationId: 'putAdminRetention',
      summary: 'Set the retention policy; the workers\' leader applies it about once a minute',
      body: RetentionPolicyBody,
      response: {
        ...errors,
        200: RetentionPolicyJson,
        403: errorResponse('Not an admin over every tenant, or no CSRF token (DOCQ_ADMIN_FORBIDDEN, DOCQ_ADMIN_CSRF_INVALID)')
      }
    }
  }, async (request) => toJson(await updateRetentionPolicy(pool, { admin: allTenantAdmin(request), address: request.ip }, request.body)))
}
