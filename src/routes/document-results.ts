import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { DocumentService } from '../services/document-service.js'
import { attachmentDisposition, servedContentType } from './content-disposition.js'
import { DocumentParams, ErrorJson, authErrors } from './schemas.js'

const tags = ['documents']
// Which result the text or passages belong to (the document's `version`): during a reprocess
// readers get the last good result, and a client paging through passages can tell if it changed.
const VERSION_HEADER = 'x-document-version'
const security = [{ apiKey: [] }]

/** What processing produced for a document (text, passages) and its original bytes. */
export const documentResultRoutes: FastifyPluginAsyncTypebox<{ documents: DocumentService }> = async (app, { documents }) => {
  app.get('/documents/:id/text', {
    schema: {
      tags,
      security,
      summary: 'The extracted plain text',
      produces: ['text/plain'],
      params: DocumentParams,
      response: { 200: Type.String(), 400: ErrorJson, 404: ErrorJson, 409: ErrorJson, ...authErrors }
    }
  }, async (request, reply) => {
    const { text, version } = await documents.text(request.tenant, request.params.id)
    return reply.type('text/plain; charset=utf-8').header(VERSION_HEADER, String(version)).send(text)
  })

  app.get('/documents/:id/chunks', {
    schema: {
      tags,
      security,
      summary: 'The passages of the extracted text, in order',
      params: DocumentParams,
      querystring: Type.Object({
        limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
        after: Type.Integer({ minimum: -1, default: -1, description: 'nextAfter of the previous page' })
      }),
      response: {
        200: Type.Object({
          items: Type.Array(Type.Object({
            ordinal: Type.Integer(),
            page: Type.Union([Type.Integer(), Type.Null()], { description: '1-based page for PDFs' }),
            text: Type.String()
          })),
          nextAfter: Type.Union([Type.Integer(), Type.Null()])
        }),
        400: ErrorJson,
        404: ErrorJson,
        409: ErrorJson,
        ...authErrors
      }
    }
  }, async (request, reply) => {
    const { items, nextAfter, version } = await documents.chunks(request.tenant, request.params.id, request.query.after, request.query.limit)
    reply.header(VERSION_HEADER, String(version))
    return { items, nextAfter }
  })

  app.get('/documents/:id/content', {
    schema: {
      tags,
      security,
      summary: 'The original bytes, as a download',
      params: DocumentParams,
      response: { 200: Type.Unknown({ description: 'The bytes as uploaded' }), 400: ErrorJson, 404: ErrorJson, ...authErrors }
    }
  }, async (request, reply) => {
    const content = await documents.content(request.tenant, request.params.id)
    return reply
      .type(servedContentType(content.mediaType))
      .header('content-disposition', attachmentDisposition(content.filename))
      .header('content-security-policy', "default-src 'none'; sandbox")
      .send(content.bytes)
  })
}
