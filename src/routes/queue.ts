import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { DocumentService } from '../services/document-service.js'
import { authErrors } from './schemas.js'

const QueueStatsJson = Type.Object({
  pending: Type.Integer(),
  inProgress: Type.Integer(),
  completed: Type.Integer(),
  failed: Type.Integer(),
  oldestPendingAgeSeconds: Type.Union([Type.Number(), Type.Null()], { description: 'Seconds the oldest pending document has waited; null when none is pending' })
})

/** `/queue/stats`: the tenant's documents by status. */
export const queueRoutes: FastifyPluginAsyncTypebox<{ documents: DocumentService }> = async (app, { documents }) => {
  app.get('/queue/stats', {
    schema: { tags: ['queue'], security: [{ apiKey: [] }], summary: 'Counts of your documents by status', response: { 200: QueueStatsJson, ...authErrors } }
  }, async (request) => await documents.stats(request.tenant))
}
