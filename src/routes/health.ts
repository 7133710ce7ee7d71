import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { HealthService } from '../services/health-service.js'
import { NoQuery, commonErrors } from './schemas.js'

const Engine = Type.Enum(['up', 'down'])
const ReadinessJson = Type.Object({
  status: Type.Enum(['ready', 'degraded', 'not_ready'], { description: 'degraded: serving, but see warnings' }),
  postgres: Engine,
  redis: Type.Enum(['up', 'down', 'not used'], { description: '`not used` in the embedded mode, which dispatches in its one process' }),
  warnings: Type.Array(Type.String())
})

/** `/healthz` (the process answers) and `/readyz` (Postgres and Redis answer too). No API key needed. */
export const healthRoutes: FastifyPluginAsyncTypebox<{ health: HealthService }> = async (app, { health }) => {
  app.get('/healthz', {
    schema: {
      tags: ['health'],
      security: [],
      operationId: 'getLiveness',
      querystring: NoQuery,
      summary: 'Liveness: the process is up',
      response: { ...commonErrors, 200: Type.Object({ status: Type.Literal('ok') }, { description: 'The process is up' }) }
    }
  }, async () => ({ status: 'ok' as const }))

  app.get('/readyz', {
    schema: {
      tags: ['health'],
      security: [],
      operationId: 'getReadiness',
      querystring: NoQuery,
      summary: 'Readiness: Postgres and Redis answer (503 if not); degraded when a setting endangers the queue',
      response: {
        ...commonErrors,
        200: { ...ReadinessJson, description: 'Ready, or degraded (serving, see warnings)' },
        503: { ...ReadinessJson, description: 'Not ready: Postgres or Redis does not answer' }
      }
    }
  }, async (_request, reply) => {
    const readiness = await health.readiness()
    const status = !readiness.ready ? 'not_ready' : readiness.warnings.length > 0 ? 'degraded' : 'ready'
    return reply.code(readiness.ready ? 200 : 503).send({ status, postgres: readiness.postgres, redis: readiness.redis, warnings: readiness.warnings })
  })
}
