import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Pool } from '../../db/pool.js'
import { commonErrors, errorResponse } from '../../routes/schemas.js'
import { dropBlankParams } from '../drop-blank-params.js'
import { renderPage } from '../render-page.js'
import { requireAdmin } from '../require-admin.js'
import { signedInAdmin } from '../signed-in-admin.js'
import { FailuresJson, FailuresQuery } from './failures-json.js'
import { failuresPageModel } from './failures-page-model.js'
import { loadFailureGroups } from './load-failure-groups.js'

export interface FailuresRoutesOptions {
  pool: Pool
}

/**
 * `GET /admin/failures`, failed documents grouped by code and normalised message, and its JSON
 * twin `GET /admin/api/failures`; both for viewers and up, within the account's tenants.
 */
export const failuresRoutes: FastifyPluginAsyncTypebox<FailuresRoutesOptions> = async (app, { pool }) => {
  app.get('/admin/api/failures', {
    preValidation: dropBlankParams,
    preHandler: requireAdmin('viewer'),
    schema: {
      tags: ['admin'],
      security: [{ adminSession: [] }],
      operationId: 'listAdminFailures',
      summary: 'Failed documents grouped by failure code and normalised error message, largest groups first',
      description: 'Groups the newest failed documents of the tenants the account sees. Each group\'s `code` and `group` filter ' +
        'GET /admin/api/documents (with status=failed) to every document of the group.',
      querystring: FailuresQuery,
      response: {
        ...commonErrors,
        200: FailuresJson,
        400: errorResponse('An unknown parameter, or a tenant or window that is not valid (DOCQ_REQUEST_INVALID)'),
        401: errorResponse('No admin session, or one that expired or was revoked (DOCQ_ADMIN_AUTH_REQUIRED)'),
        403: errorResponse('The account\'s role may not read the admin API (DOCQ_ADMIN_FORBIDDEN)'),
        503: errorResponse('The database is unavailable (DOCQ_DATABASE_UNAVAILABLE); retry shortly')
      }
    }
  }, async (request) => await loadFailureGroups(pool, request.query, signedInAdmin(request).tenants))

  app.get('/admin/failures', {
    preValidation: dropBlankParams,
    preHandler: requireAdmin('viewer'),
    schema: { hide: true, querystring: FailuresQuery }
  }, async (request, reply) => {
    const admin = signedInAdmin(request)
    const failures = await loadFailureGroups(pool, request.query, admin.tenants)
    return await renderPage(request, reply, 'failures', {
      title: 'Failures',
      nav: 'failures',
      tenants: admin.tenants,
      page: failuresPageModel(failures, request.query, admin),
      styles: ['documents.css']
    })
  })
}
