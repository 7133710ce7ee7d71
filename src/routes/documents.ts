import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { priorityRanks } from '../queue/priority.js'
import type { DocumentService } from '../services/document-service.js'
import { receiveAtMinimumRate, type MinimumBodyRate } from './body-rate-guard.js'
import { readUpload, uploadReservation } from './read-upload.js'
import { UploadGate } from './upload-gate.js'
import { DocumentJson, DocumentParams, DocumentStatus, ErrorJson, Priority, authErrors, toDocumentDetailsJson, toDocumentJson } from './schemas.js'

export interface DocumentRoutesOptions {
  documents: DocumentService
  uploadMaxBytes: number
  uploadBufferBudgetBytes: number
  uploadTenantShare: number
  uploadMinRate: MinimumBodyRate
}

const tags = ['documents']
const security = [{ apiKey: [] }]

/** `/documents`: upload, read, list, reprocess and delete a tenant's documents. */
export const documentRoutes: FastifyPluginAsyncTypebox<DocumentRoutesOptions> = async (app, { documents, uploadMaxBytes, uploadBufferBudgetBytes, uploadTenantShare, uploadMinRate }) => {
  const gate = new UploadGate(uploadBufferBudgetBytes, uploadTenantShare)

  app.post('/documents', {
    schema: {
      tags,
      security,
      summary: 'Upload a document for processing',
      description: 'multipart/form-data with one file part `file` and an optional field `priority` (high | normal | low). ' +
        'Answers at once with 202 and the pending document; processing happens in the workers. ' +
        'With an `Idempotency-Key` header, a retried upload returns the first document (header `Idempotent-Replayed: true`).',
      consumes: ['multipart/form-data'],
      headers: Type.Object({
        'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$', description: 'Your unique key for this upload' }))
      }),
      response: { 202: DocumentJson, 400: ErrorJson, 408: ErrorJson, 413: ErrorJson, 415: ErrorJson, 422: ErrorJson, 503: ErrorJson, ...authErrors }
    }
  }, async (request, reply) => {
    const { document, replayed } = await gate.admit(request.tenant, uploadReservation(request, uploadMaxBytes), async () => {
      const upload = await receiveAtMinimumRate(request.raw, uploadMinRate, async () => await readUpload(request, uploadMaxBytes))
      return await documents.upload({ tenant: request.tenant, idempotencyKey: request.headers['idempotency-key'], ...upload })
    })
    request.log.info({ documentId: document.id, bytes: document.size, mediaType: document.mediaType, replayed }, replayed ? 'upload replayed' : 'document accepted')
    if (replayed) reply.header('idempotent-replayed', 'true')
    return reply.code(202).header('location', `/documents/${document.id}`).send(toDocumentJson(document))
  })

  app.get('/documents/:id', {
    schema: { tags, security, summary: 'Get a document, its processing status and the history of its attempts', params: DocumentParams, response: { 200: DocumentJson, 400: ErrorJson, 404: ErrorJson, ...authErrors } }
  }, async (request) => toDocumentDetailsJson(await documents.details(request.tenant, request.params.id)))

  app.get('/documents', {
    schema: {
      tags,
      security,
      summary: 'List documents, newest first',
      querystring: Type.Object({
        limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
        cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
        status: Type.Optional(DocumentStatus)
      }),
      response: { 200: Type.Object({ items: Type.Array(DocumentJson), nextCursor: Type.Union([Type.String(), Type.Null()]) }), 400: ErrorJson, ...authErrors }
    }
  }, async (request) => {
    const page = await documents.list(request.tenant, request.query)
    return { items: page.items.map(toDocumentJson), nextCursor: page.nextCursor }
  })

  app.post('/documents/:id/reprocess', {
    schema: {
      tags,
      security,
      summary: 'Process a document again',
      params: DocumentParams,
      body: Type.Object({ priority: Type.Optional(Priority) }, { additionalProperties: false, description: 'Optional; an empty body keeps the priority' }),
      response: { 202: DocumentJson, 400: ErrorJson, 404: ErrorJson, 409: ErrorJson, ...authErrors }
    },
    // A reprocess without options may come without a body at all.
    preValidation: async (request) => { request.body ??= {} }
  }, async (request, reply) => {
    const priority = request.body.priority
    const document = await documents.reprocess(request.tenant, request.params.id, priority === undefined ? undefined : priorityRanks[priority])
    request.log.info({ documentId: document.id }, 'document queued for reprocessing')
    return reply.code(202).header('location', `/documents/${document.id}`).send(toDocumentJson(document))
  })

  app.delete('/documents/:id', {
    schema: { tags, security, summary: 'Delete a document, its bytes and results', params: DocumentParams, response: { 204: Type.Null(), 400: ErrorJson, 404: ErrorJson, ...authErrors } }
  }, async (request, reply) => {
    await documents.delete(request.tenant, request.params.id)
    request.log.info({ documentId: request.params.id }, 'document deleted')
    return reply.code(204).send(null)
  })
}
