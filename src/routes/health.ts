import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { HealthService } from '../services/health-service.js'

const Engine = Type.Enum(['up', 'down'])
const ReadinessJson = Type.Object({ status: Type.Enum(['ready', 'not_ready']), postgres: Engine, redis: Engine })

/** `/healthz` (the process answers) and `/readyz` (Postgres and Redis answer too). No API key needed. */
export const healthRoutes: FastifyPluginAsyncTypebox<{ health: HealthService }> = async (app, { health }) => {
  app.get('/healthz', {
    schema: { tags: ['health'], summary: 'Liveness: the process is up', response: { 200: Type.Object({ status: Type.Literal('ok') }) } }
  }, async () => ({ status: 'ok' as const }))

  app.get('/readyz', {
    schema: { tags: ['health'], summary: 'Readiness: Postgres and Redis answer', response: { 200: ReadinessJson, 503: ReadinessJson } }
  }, async (_request, reply) => {
    const readiness = await health.readiness()
    return reply.code(readiness.ready ? 200 : 503).send({ status: readiness.ready ? 'ready' : 'not_ready', postgres: readiness.postgres, redis: readiness.redis })
  })
}
