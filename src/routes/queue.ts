import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { DocumentService } from '../services/document-service.js'
import { NoQuery, authErrors } from './schemas.js'

const QueueStatsJson = Type.Object({
  pending: Type.Integer(),
  inProgress: Type.Integer(),
  completed: Type.Integer(),
  failed: Type.Integer(),
  retrying: Type.Integer({ description: 'Pending documents waiting for a retry after a failed attempt' }),
  failedByKind: Type.Record(Type.String(), Type.Integer(), { description: 'Failed documents by errorKind: permanent, exhausted, timeout, crashed' }),
  oldestPendingAgeSeconds: Type.Union([Type.Number(), Type.Null()], { description: 'Seconds the oldest pending document has waited; null when none is pending' }),
  oldestInProgressAgeSeconds: Type.Union([Type.Number(), Type.Null()], { description: 'Seconds the longest-running attempt has run; null when none runs' })
}, { description: 'The counts' })

/** `/queue/stats`: the tenant's documents by status. */
export const queueRoutes: FastifyPluginAsyncTypebox<{ documents: DocumentService }> = async (app, { documents }) => {
  app.get('/queue/stats', {
    schema: {
      tags: ['queue'],
      security: [{ apiKey: [] }],
      operationId: 'getQueueStats',
      querystring: NoQuery,
      summary: 'Counts of your documents by status',
      response: { ...authErrors, 200: QueueStatsJson }
    }
  }, async (request) => await documents.stats(request.tenant))
}
