import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { searchCandidateLimit } from '../db/chunks.js'
import type { SearchService } from '../services/search-service.js'
import { authErrors } from './schemas.js'

const SearchResults = Type.Object({
  total: Type.Integer({ description: 'Matching documents in all pages; a lower bound when totalIsCapped' }),
  totalIsCapped: Type.Boolean({
    description: `True when the query matches more passages than one search reads (${searchCandidateLimit}): total then counts ` +
      'the documents among those (at least that many match), and results rank those passages only (a narrower query ranks the rest)'
  }),
  results: Type.Array(Type.Object({
    documentId: Type.String({ format: 'uuid' }),
    filename: Type.String(),
    title: Type.Union([Type.String(), Type.Null()]),
    rank: Type.Number(),
    hits: Type.Array(Type.Object({
      ordinal: Type.Integer(),
      page: Type.Union([Type.Integer(), Type.Null()]),
      rank: Type.Number(),
      snippet: Type.String({ description: 'HTML-escaped passage excerpt; matches wrapped in <mark>' })
    }))
  }))
})

/** `/search`: full-text search over the tenant's completed documents. */
export const searchRoutes: FastifyPluginAsyncTypebox<{ search: SearchService }> = async (app, { search }) => {
  app.get('/search', {
    schema: {
      tags: ['search'],
      security: [{ apiKey: [] }],
      operationId: 'searchDocuments',
      summary: 'Search your completed documents',
      description: 'Web-search syntax: words, "exact phrases", OR, -excluded. Words match by stem in the language detected for each document (exact words for languages without a stemmer).',
      querystring: Type.Object({
        q: Type.String({ minLength: 1, maxLength: 500 }),
        limit: Type.Integer({ minimum: 1, maximum: 50, default: 10 }),
        offset: Type.Integer({ minimum: 0, maximum: 10_000, default: 0 })
      }, { additionalProperties: false }),
      response: { ...authErrors, 200: SearchResults }
    }
  }, async (request) => await search.search(request.tenant, request.query.q, { limit: request.query.limit, offset: request.query.offset }))
}
