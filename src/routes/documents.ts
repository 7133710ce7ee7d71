import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { priorityRanks } from '../queue/priority.js'
import type { DocumentService } from '../services/document-service.js'
import type { WebhookService } from '../webhooks/webhook-service.js'
import { receiveAtMinimumRate, type MinimumBodyRate } from './body-rate-guard.js'
import { readUpload, uploadReservation } from './read-upload.js'
import { inRequestTrace } from './request-tracing.js'
import { UploadGate } from './upload-gate.js'
import {
  DocumentJson, DocumentParams, DocumentStatus, NoQuery, Priority, authErrors, bodyErrors, errorResponse, pathParamErrors, responseHeader, toDocumentDetailsJson, toDocumentJson
} from './schemas.js'

export interface DocumentRoutesOptions {
  documents: DocumentService
  webhooks: WebhookService
  uploadMaxBytes: number
  uploadBufferBudgetBytes: number
  uploadTenantShare: number
  uploadMinRate: MinimumBodyRate
}

const tags = ['documents']
const security = [{ apiKey: [] }]
const notFound = { 404: errorResponse('No such document for this tenant (DOCQ_DOCUMENT_NOT_FOUND)') }
const location = responseHeader(Type.String({ description: 'The document\'s URL: /documents/{id}' }), true)

/** `/documents`: upload, read, list, reprocess and delete a tenant's documents. */
export const documentRoutes: FastifyPluginAsyncTypebox<DocumentRoutesOptions> = async (app, { documents, webhooks, uploadMaxBytes, uploadBufferBudgetBytes, uploadTenantShare, uploadMinRate }) => {
  const gate = new UploadGate(uploadBufferBudgetBytes, uploadTenantShare)

  app.post('/documents', {
    schema: {
      tags,
      security,
      summary: 'Upload a document for processing',
      description: 'multipart/form-data with one file part `file`, an optional field `priority` (high | normal | low) and an optional field ' +
        '`callbackUrl` (http or https: the document\'s events are POSTed there, signed with the callback secret). ' +
        'Answers at once with 202 and the pending document; processing happens in the workers. ' +
        'With an `Idempotency-Key` header, a retried upload returns the first document (header `Idempotent-Replayed: true`).',
      operationId: 'uploadDocument',
      consumes: ['multipart/form-data'],
      querystring: NoQuery,
      headers: Type.Object({
        'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$', description: 'Your unique key for this upload' }))
      }),
      response: {
        ...authErrors,
        202: {
          ...DocumentJson,
          description: 'Accepted: the document, pending',
          headers: {
            location,
            'idempotent-replayed': responseHeader(Type.String({ enum: ['true'], description: 'Only on a replay: the first upload with this Idempotency-Key is returned' }), false)
          }
        },
        400: errorResponse('No file part, an empty file, more than one file, a bad priority or Idempotency-Key, a malformed multipart body ' +
          '(DOCQ_UPLOAD_NO_FILE, DOCQ_UPLOAD_EMPTY, DOCQ_UPLOAD_TOO_MANY_FILES, DOCQ_UPLOAD_TOO_MANY_PARTS, DOCQ_UPLOAD_MALFORMED, DOCQ_REQUEST_INVALID, ' +
          'DOCQ_REQUEST_MALFORMED)'),
        404: errorResponse('The document of this Idempotency-Key was deleted while the retry arrived (DOCQ_DOCUMENT_NOT_FOUND); retry to upload anew'),
        408: errorResponse('The body arrived slower than the minimum upload rate (DOCQ_UPLOAD_TOO_SLOW), or the request outlasted the ' +
          'server\'s deadline (DOCQ_REQUEST_TIMEOUT); the connection is closed'),
        413: errorResponse('The file is over the upload limit (DOCQ_UPLOAD_TOO_LARGE); nothing is stored'),
        415: errorResponse('The body is not multipart/form-data (DOCQ_UPLOAD_NOT_MULTIPART, DOCQ_REQUEST_UNSUPPORTED_TYPE)'),
        422: errorResponse('This Idempotency-Key was used for different content (DOCQ_IDEMPOTENCY_MISMATCH)'),
        503: {
          ...errorResponse('The database is unavailable, or too many uploads are in progress (DOCQ_DATABASE_UNAVAILABLE, DOCQ_UPLOAD_SATURATED); retry shortly'),
          headers: { 'retry-after': responseHeader(Type.Integer({ description: 'Seconds until a retry may succeed (uploads saturated)' }), false) }
        }
      }
    }
  }, async (request, reply) => {
    const { document, replayed } = await gate.admit(request.tenant, uploadReservation(request, uploadMaxBytes), async () => {
      const { callbackUrl, ...upload } = await receiveAtMinimumRate(request.raw, uploadMinRate, async () => await readUpload(request, uploadMaxBytes))
      const accepted = await inRequestTrace(request, async () => await documents.upload({ tenant: request.tenant, idempotencyKey: request.headers['idempotency-key'], ...upload }))
      if (callbackUrl !== undefined) await webhooks.addCallback(request.tenant, accepted.document.id, callbackUrl)
      return accepted
    })
    request.log.info({ documentId: document.id, bytes: document.size, mediaType: document.mediaType, replayed }, replayed ? 'upload replayed' : 'document accepted')
    if (replayed) reply.header('idempotent-replayed', 'true')
    return reply.code(202).header('location', `/documents/${document.id}`).send(toDocumentJson(document))
  })

  app.get('/documents/:id', {
    schema: {
      tags,
      security,
      operationId: 'getDocument',
      summary: 'Get a document, its processing status and the history of its attempts',
      params: DocumentParams,
      querystring: NoQuery,
      response: { ...authErrors, ...pathParamErrors, ...notFound, 200: { ...DocumentJson, description: 'The document with the history of its attempts' } }
    }
  }, async (request) => toDocumentDetailsJson(await documents.details(request.tenant, request.params.id)))

  app.get('/documents', {
    schema: {
      tags,
      security,
      operationId: 'listDocuments',
      summary: 'List documents, newest first',
      querystring: Type.Object({
        limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
        cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
        status: Type.Optional(DocumentStatus)
      }, { additionalProperties: false }),
      response: {
        ...authErrors,
        200: Type.Object({
          items: Type.Array(DocumentJson),
          nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as cursor for the next page; null on the last page' })
        }, { description: 'A page of documents' })
      }
    }
  }, async (request) => {
    const page = await documents.list(request.tenant, request.query)
    return { items: page.items.map(toDocumentJson), nextCursor: page.nextCursor }
  })

  app.post('/documents/:id/reprocess', {
    schema: {
      tags,
      security,
      operationId: 'reprocessDocument',
      summary: 'Process a document again',
      params: DocumentParams,
      querystring: NoQuery,
      body: Type.Object({ priority: Type.Optional(Priority) }, { additionalProperties: false, description: 'Optional; no body, or no priority, keeps the priority' }),
      // The OpenAPI transform makes the request body optional: see the preValidation below.
      'x-body-optional': true,
      response: {
        ...authErrors,
        ...bodyErrors,
        ...pathParamErrors,
        ...notFound,
        202: { ...DocumentJson, description: 'Queued again: the document, pending', headers: { location } },
        409: errorResponse('The document is pending or in progress (DOCQ_DOCUMENT_BUSY)')
      }
    },
    // A reprocess without options may come without a body at all.
    preValidation: async (request) => { request.body ??= {} }
  }, async (request, reply) => {
    const priority = request.body.priority
    const document = await inRequestTrace(request, async () => await documents.reprocess(request.tenant, request.params.id, priority === undefined ? undefined : priorityRanks[priority]))
    request.log.info({ documentId: document.id }, 'document queued for reprocessing')
    return reply.code(202).header('location', `/documents/${document.id}`).send(toDocumentJson(document))
  })

  app.delete('/documents/:id', {
    schema: {
      tags,
      security,
      operationId: 'deleteDocument',
      summary: 'Delete a document, its bytes and results',
      params: DocumentParams,
      querystring: NoQuery,
      response: { ...authErrors, ...pathParamErrors, ...notFound, 204: Type.Null({ description: 'Deleted' }) }
    }
  }, async (request, reply) => {
    await documents.delete(request.tenant, request.params.id)
    request.log.info({ documentId: request.params.id }, 'document deleted')
    return reply.code(204).send(null)
  })
}
