import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { supportedMediaTypes } from '../processing/index.js'
import type { DocumentService } from '../services/document-service.js'
import { attachmentDisposition, servedContentType } from './content-disposition.js'
import { DocumentParams, INT32_MAX, NoQuery, authErrors, errorResponse, pathParamErrors, responseHeader } from './schemas.js'

const tags = ['documents']
// Which result the text or passages belong to (the document's `version`): during a reprocess
// readers get the last good result, and a client paging through passages can tell if it changed.
const VERSION_HEADER = 'x-document-version'
const security = [{ apiKey: [] }]
const notFound = { 404: errorResponse('No such document for this tenant (DOCQ_DOCUMENT_NOT_FOUND)') }
const notReady = { 409: errorResponse('The document has never completed, so it has no result yet (DOCQ_DOCUMENT_NOT_READY)') }
const versionHeader = {
  [VERSION_HEADER]: responseHeader(Type.Integer({ minimum: 1, description: 'The version of the result served: the last good one while a reprocess waits, runs or failed' }), true)
}

// The stored bytes go out under their detected type, or as octet-stream when a browser would run them.
const Bytes = { schema: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }) }
const servedTypes = [...new Set([...supportedMediaTypes.map(servedContentType), 'application/octet-stream'])]

/** What processing produced for a document (text, passages) and its original bytes. */
export const documentResultRoutes: FastifyPluginAsyncTypebox<{ documents: DocumentService }> = async (app, { documents }) => {
  app.get('/documents/:id/text', {
    schema: {
      tags,
      security,
      operationId: 'getDocumentText',
      summary: 'The extracted plain text',
      params: DocumentParams,
      querystring: NoQuery,
      response: {
        ...authErrors,
        ...pathParamErrors,
        ...notFound,
        ...notReady,
        200: { description: 'The extracted text, UTF-8', headers: versionHeader, content: { 'text/plain': { schema: Type.String() } } }
      }
    }
  }, async (request, reply) => {
    const { text, version } = await documents.text(request.tenant, request.params.id)
    return reply.type('text/plain; charset=utf-8').header(VERSION_HEADER, String(version)).send(text)
  })

  app.get('/documents/:id/chunks', {
    schema: {
      tags,
      security,
      operationId: 'listDocumentChunks',
      summary: 'The passages of the extracted text, in order',
      params: DocumentParams,
      querystring: Type.Object({
        limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
        after: Type.Integer({ minimum: -1, maximum: INT32_MAX, default: -1, description: 'nextAfter of the previous page' })
      }, { additionalProperties: false }),
      response: {
        ...authErrors,
        ...pathParamErrors,
        ...notFound,
        ...notReady,
        200: {
          ...Type.Object({
            items: Type.Array(Type.Object({
              ordinal: Type.Integer(),
              page: Type.Union([Type.Integer(), Type.Null()], { description: '1-based page for PDFs' }),
              text: Type.String()
            })),
            nextAfter: Type.Union([Type.Integer(), Type.Null()], { description: 'Pass as after for the next page; null on the last page' })
          }, { description: 'A page of passages' }),
          headers: versionHeader
        }
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
      operationId: 'getDocumentContent',
      summary: 'The original bytes, as a download',
      description: 'Served with the detected type, except types a browser would render or run (HTML, SVG, XML), which are served as ' +
        'application/octet-stream; a file of any other detected type (`*/*`) comes with that type.',
      params: DocumentParams,
      querystring: NoQuery,
      response: {
        ...authErrors,
        ...pathParamErrors,
        ...notFound,
        200: {
          description: 'The bytes as uploaded',
          headers: {
            'content-disposition': responseHeader(Type.String({ description: 'attachment, with an ASCII filename and an RFC 5987 filename*' }), true),
            'content-security-policy': responseHeader(Type.String({ description: 'Sandboxes the bytes should a browser open them' }), true)
          },
          content: Object.fromEntries([...servedTypes, '*/*'].map((type) => [type, Bytes]))
        }
      }
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
