import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Pool } from '../../db/pool.js'
import { commonErrors, errorResponse } from '../../routes/schemas.js'
import { dropBlankParams } from '../drop-blank-params.js'
import { renderPage } from '../render-page.js'
import { requireAdmin } from '../require-admin.js'
import { signedInAdmin } from '../signed-in-admin.js'
import { DocumentListJson, DocumentListQuery } from './documents-json.js'
import { documentsPageModel } from './documents-page-model.js'
import { loadDocumentList } from './load-document-list.js'

export interface DocumentListRoutesOptions {
  pool: Pool
}

/**
 * `GET /admin/documents`, the documents list with filters, counts and bulk selection, and its
 * JSON twin `GET /admin/api/documents`; both for viewers and up, within the account's tenants.
 */
export const documentListRoutes: FastifyPluginAsyncTypebox<DocumentListRoutesOptions> = async (app, { pool }) => {
  app.get('/admin/api/documents', {
    preValidation: dropBlankParams,
    preHandler: requireAdmin('viewer'),
    schema: {
      tags: ['admin'],
      security: [{ adminSession: [] }],
      operationId: 'listAdminDocuments',
      summary: 'Documents of every tenant the account sees, filtered, newest first, with counts per status',
      description: 'Keyset pages: pass `nextCursor` as `after` with the same filter. An empty parameter means no filter on it. ' +
        '`q` needs at least 3 characters (the search uses trigram indexes).',
      querystring: DocumentListQuery,
      response: {
        ...commonErrors,
        200: DocumentListJson,
        400: errorResponse('An unknown parameter, a value outside its list, an impossible date, a q too short or long, or a cursor this API ' +
          'did not write (DOCQ_REQUEST_INVALID)'),
        401: errorResponse('No admin session, or one that expired or was revoked (DOCQ_ADMIN_AUTH_REQUIRED)'),
        403: errorResponse('The account\'s role may not read the admin API (DOCQ_ADMIN_FORBIDDEN)'),
        503: errorResponse('The database is unavailable (DOCQ_DATABASE_UNAVAILABLE); retry shortly')
      }
    }
  }, async (request) => await loadDocumentList(pool, request.query, signedInAdmin(request).tenants))

  app.get('/admin/documents', {
    preValidation: dropBlankParams,
    preHandler: requireAdmin('viewer'),
    schema: { hide: true, querystring: DocumentListQuery }
  }, async (request, reply) => {
    const admin = signedInAdmin(request)
    const list = await loadDocumentList(pool, request.query, admin.tenants)
    return await renderPage(request, reply, 'documents', {
      title: 'Documents',
      nav: 'documents',
      tenants: admin.tenants,
      page: documentsPageModel(list, request.query, admin),
      styles: ['documents.css'],
      scripts: ['select-rows.js']
    })
  })
}
