import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { AppError } from '../../errors.js'
import { attachmentDisposition, servedContentType } from '../../routes/content-disposition.js'
import { DocumentParams, errorResponse, NoQuery, pathParamErrors } from '../../routes/schemas.js'
import { ADMIN_ROLE, type AdminAction } from '../../states.js'
import { adminApiErrors, CsrfHeaders } from '../admin-api-errors.js'
import { assertMayAct, takeDocumentAction } from '../actions/document-actions.js'
import { renderPage } from '../render-page.js'
import { requireAdmin } from '../require-admin.js'
import { signedInAdmin } from '../signed-in-admin.js'
import { AdminActionName, DocumentDetailJson } from './detail-json.js'
import { findDocumentBytes } from './document-bytes.js'
import { findAdminDocument } from './find-admin-document.js'
import { actionApplies, loadDocumentDetail, type DocumentDetailDeps } from './load-document-detail.js'

export interface DocumentDetailRoutesOptions {
  deps: DocumentDetailDeps
}

const Reason = Type.String({ maxLength: 1_000, description: 'Why, for the audit log' })
const DetailQuery = Type.Object({ done: Type.Optional(AdminActionName) }, { additionalProperties: false })
const ActionParams = Type.Object({ ...DocumentParams.properties, action: AdminActionName })
const ActionForm = Type.Object({
  // Checked by the CSRF hook, which answers 403 without it; optional here so that it can.
  _csrf: Type.Optional(Type.String({ maxLength: 200 })),
  reason: Type.Optional(Type.String({ maxLength: 1_000 })),
  // Deleting from a page asks for a ticked box: the confirmation step that needs no script.
  confirm: Type.Optional(Type.Literal('yes'))
})
const ActionBody = Type.Object({ action: AdminActionName, reason: Type.Optional(Reason) }, { additionalProperties: false })
const ActionResult = Type.Object({
  action: AdminActionName,
  documentId: Type.String({ format: 'uuid' }),
  affected: Type.Integer({ minimum: 1, maximum: 1, description: 'Always 1: an action that did not apply answers 409' })
})
const notFound = { 404: errorResponse('No such document among the account\'s tenants (DOCQ_DOCUMENT_NOT_FOUND)') }

function reasonOf (reason: string | undefined): string | null {
  const trimmed = reason?.trim() ?? ''
  return trimmed === '' ? null : trimmed
}

/**
 * The detail page of one document (`/admin/documents/:id`), its JSON twin, its download, and
 * the single-document actions as forms and as JSON. Every read and write is limited to the
 * account's tenants in SQL: another tenant's document is a 404, as if it did not exist.
 */
export const documentDetailRoutes: FastifyPluginAsyncTypebox<DocumentDetailRoutesOptions> = async (app, { deps }) => {
  /**
   * Runs `action` on one document for the request's account: 404 when the account cannot see
   * it, 409 when its state does not take the action (or changed meanwhile).
   */
  async function act (request: Parameters<typeof signedInAdmin>[0], id: string, action: AdminAction, reason: string | null): Promise<void> {
    const admin = signedInAdmin(request)
    assertMayAct(admin, action)
    const document = await findAdminDocument(deps.pool, id, admin.tenants)
    if (document === undefined) throw new AppError('DOCQ_DOCUMENT_NOT_FOUND', `no document ${id}`)
    const notApplicable = new AppError('DOCQ_ADMIN_ACTION_NOT_APPLICABLE', `${action} does not apply to a document that is ${document.status}`)
    if (!actionApplies(action, document.status)) throw notApplicable
    const changed = await takeDocumentAction(deps.queue, admin, { action, documentIds: [id], reason, address: request.ip })
    if (changed.length === 0) throw notApplicable
  }

  app.get('/admin/documents/:id', {
    preHandler: requireAdmin(ADMIN_ROLE.viewer),
    schema: { hide: true, params: DocumentParams, querystring: DetailQuery }
  }, async (request, reply) => {
    const detail = await loadDocumentDetail(deps, signedInAdmin(request), request.params.id)
    return await renderPage(request, reply, 'document', { title: `Document ${detail.document.filename}`, nav: 'documents', styles: ['actions.css'], detail, done: request.query.done ?? null })
  })

  app.get('/admin/documents/:id/download', {
    preHandler: requireAdmin(ADMIN_ROLE.viewer),
    schema: { hide: true, params: DocumentParams, querystring: NoQuery }
  }, async (request, reply) => {
    const content = await findDocumentBytes(deps.pool, request.params.id, signedInAdmin(request).tenants)
    if (content === undefined) throw new AppError('DOCQ_DOCUMENT_NOT_FOUND', `no document ${request.params.id}`)
    return await reply
      .type(servedContentType(content.mediaType))
      .header('content-disposition', attachmentDisposition(content.filename))
      .header('content-security-policy', "default-src 'none'; sandbox")
      .send(content.bytes)
  })

  app.post('/admin/documents/:id/:action', {
    preHandler: requireAdmin(ADMIN_ROLE.viewer),
    schema: { hide: true, params: ActionParams, body: ActionForm }
  }, async (request, reply) => {
    const { id, action } = request.params
    if (action === 'delete' && request.body.confirm !== 'yes') {
      throw new AppError('DOCQ_REQUEST_INVALID', 'tick the confirmation box to delete the document')
    }
    await act(request, id, action, reasonOf(request.body.reason))
    return await reply.redirect(action === 'delete' ? '/admin/documents?done=delete' : `/admin/documents/${id}?done=${action}`, 303)
  })

  app.get('/admin/api/documents/:id', {
    preHandler: requireAdmin(ADMIN_ROLE.viewer),
    schema: {
      tags: ['admin'],
      security: [{ adminSession: [] }],
      operationId: 'getAdminDocument',
      summary: 'One document with its items and attempts, audit entries, a preview, why it is pending, and the actions allowed',
      params: DocumentParams,
      querystring: NoQuery,
      response: { ...adminApiErrors, ...pathParamErrors, ...notFound, 200: DocumentDetailJson }
    }
  }, async (request) => await loadDocumentDetail(deps, signedInAdmin(request), request.params.id))

  app.post('/admin/api/documents/:id/actions', {
    preHandler: requireAdmin(ADMIN_ROLE.viewer),
    schema: {
      tags: ['admin'],
      security: [{ adminSession: [] }],
      operationId: 'takeAdminDocumentAction',
      summary: 'Retry, reprocess, cancel or delete one document; recorded in the audit log',
      description: 'retry takes a failed document, reprocess a completed or failed one, cancel a pending one (it ends failed, kind cancelled); ' +
        'delete (admin role) takes any. The others need the operator role.',
      params: DocumentParams,
      querystring: NoQuery,
      headers: CsrfHeaders,
      body: ActionBody,
      response: {
        ...adminApiErrors,
        ...pathParamErrors,
        ...notFound,
        409: errorResponse('The document\'s state does not take the action (DOCQ_ADMIN_ACTION_NOT_APPLICABLE)'),
        200: ActionResult
      }
    }
  }, async (request) => {
    const { action } = request.body
    await act(request, request.params.id, action, reasonOf(request.body.reason))
    return { action, documentId: request.params.id, affected: 1 }
  })
}
