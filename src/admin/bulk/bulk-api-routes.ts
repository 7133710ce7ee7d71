import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { NoQuery, commonErrors, errorResponse, pathParamErrors } from '../../routes/schemas.js'
import type { AdminIdentity } from '../admin-identity.js'
import { requireAdmin } from '../require-admin.js'
import type { BulkActions } from './bulk-actions.js'
import { BulkActionBody, BulkActionJson, BulkActionListJson, BulkActionParams, BulkDryRunJson, toBulkActionJson } from './bulk-json.js'

export interface BulkApiRoutesOptions {
  bulk: BulkActions
}

/** The account the admin guard let through; the guard runs first on every route here. */
export function signedIn (request: FastifyRequest): AdminIdentity {
  if (request.admin === null) throw new Error('the admin guard did not run before a bulk action route')
  return request.admin
}

const common = {
  tags: ['admin'],
  security: [{ adminSession: [] }]
}
const errors = {
  ...commonErrors,
  401: errorResponse('No admin session, or one that expired or was revoked (DOCQ_ADMIN_AUTH_REQUIRED)'),
  503: errorResponse('The database is unavailable (DOCQ_DATABASE_UNAVAILABLE); retry shortly')
}

/** The bulk actions' JSON API: create (or dry-run), list, read, cancel. */
export const bulkApiRoutes: FastifyPluginAsyncTypebox<BulkApiRoutesOptions> = async (app, { bulk }) => {
  app.post('/admin/api/bulk-actions', {
    preHandler: requireAdmin('operator'),
    schema: {
      ...common,
      operationId: 'createAdminBulkAction',
      summary: 'Run an action over every document of a filter or over selected ones, or clear old entries; with dryRun, only count',
      querystring: NoQuery,
      body: BulkActionBody,
      response: {
        ...errors,
        200: { ...BulkDryRunJson, description: 'The dry run: how many documents the action would touch now' },
        201: { ...BulkActionJson, description: 'The action, queued for a runner; follow it at GET /admin/api/bulk-actions/{id}' },
        400: errorResponse('The body is malformed, or its target is not valid for the action (DOCQ_REQUEST_INVALID, DOCQ_BULK_TARGET_INVALID)'),
        403: errorResponse('The account\'s role may not run this action, or the CSRF token is missing (DOCQ_ADMIN_FORBIDDEN, DOCQ_ADMIN_CSRF_INVALID)')
      }
    }
  }, async (request, reply) => {
    const admin = signedIn(request)
    const { reason, dryRun, ...target } = request.body
    if (dryRun === true) {
      const { total } = await bulk.dryRun(admin, target)
      return await reply.code(200).send({ dryRun: true as const, action: target.action, total })
    }
    const record = await bulk.create({ admin, address: request.ip }, target, reason === undefined || reason.trim() === '' ? null : reason.trim())
    return await reply.code(201).header('location', `/admin/api/bulk-actions/${record.id}`).send(toBulkActionJson(record))
  })

  app.get('/admin/api/bulk-actions', {
    preHandler: requireAdmin('viewer'),
    schema: {
      ...common,
      operationId: 'listAdminBulkActions',
      summary: 'The most recent bulk actions the account may see',
      querystring: NoQuery,
      response: { ...errors, 200: BulkActionListJson, 403: errorResponse('The account\'s role may not read the admin API (DOCQ_ADMIN_FORBIDDEN)') }
    }
  }, async (request) => ({ bulkActions: (await bulk.list(signedIn(request))).map(toBulkActionJson) }))

  app.get('/admin/api/bulk-actions/:id', {
    preHandler: requireAdmin('viewer'),
    schema: {
      ...common,
      operationId: 'getAdminBulkAction',
      summary: 'One bulk action and its progress',
      params: BulkActionParams,
      querystring: NoQuery,
      response: {
        ...errors,
        ...pathParamErrors,
        200: BulkActionJson,
        403: errorResponse('The account\'s role may not read the admin API (DOCQ_ADMIN_FORBIDDEN)'),
        404: errorResponse('No such bulk action among those the account may see (DOCQ_BULK_NOT_FOUND)')
      }
    }
  }, async (request) => toBulkActionJson(await bulk.get(signedIn(request), request.params.id)))

  app.post('/admin/api/bulk-actions/:id/cancel', {
    preHandler: requireAdmin('operator'),
    schema: {
      ...common,
      operationId: 'cancelAdminBulkAction',
      summary: 'Cancel a queued or running bulk action; a batch running now finishes',
      params: BulkActionParams,
      querystring: NoQuery,
      response: {
        ...errors,
        ...pathParamErrors,
        200: BulkActionJson,
        403: errorResponse('The account\'s role may not cancel, or the CSRF token is missing (DOCQ_ADMIN_FORBIDDEN, DOCQ_ADMIN_CSRF_INVALID)'),
        404: errorResponse('No such bulk action among those the account may see (DOCQ_BULK_NOT_FOUND)'),
        409: errorResponse('The bulk action has ended already (DOCQ_BULK_ENDED)')
      }
    }
  }, async (request) => toBulkActionJson(await bulk.cancel({ admin: signedIn(request), address: request.ip }, request.params.id)))
}
