import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { NoQuery } from '../../routes/schemas.js'
import { ADMIN_ROLE } from '../../states.js'
import { adminApiErrors, CsrfHeaders } from '../admin-api-errors.js'
import { requireAdmin } from '../require-admin.js'
import { signedInAdmin } from '../signed-in-admin.js'
import type { OverviewDeps } from './load-overview.js'
import { redispatchWakeUps } from './redispatch.js'

const CsrfForm = Type.Object({ _csrf: Type.Optional(Type.String({ maxLength: 200 })) })
const RedispatchJson = Type.Object({
  redispatched: Type.Integer({ description: 'Due items that had no live wake-up and were sent one' }),
  crashed: Type.Integer({ description: 'Items of dead workers that had used up their attempts, now failed as crashed' }),
  takenOver: Type.Integer({ description: 'Items of dead workers put back to pending' })
}, { additionalProperties: false })

/**
 * Re-dispatch from the overview's wake-up drift section: the form (`POST /admin/redispatch`,
 * back to the overview with 303 and the count) and its JSON twin (`POST /admin/api/redispatch`).
 */
export const redispatchRoutes: FastifyPluginAsyncTypebox<{ overview: OverviewDeps }> = async (app, { overview }) => {
  app.post('/admin/redispatch', { preHandler: requireAdmin(ADMIN_ROLE.operator), schema: { hide: true, querystring: NoQuery, body: CsrfForm } }, async (request, reply) => {
    const { redispatched } = await redispatchWakeUps(overview, signedInAdmin(request), request.ip)
    return await reply.redirect(`/admin?done=redispatch&redispatched=${redispatched}`, 303)
  })

  app.post('/admin/api/redispatch', {
    preHandler: requireAdmin(ADMIN_ROLE.operator),
    schema: {
      tags: ['admin'],
      security: [{ adminSession: [] }],
      operationId: 'redispatchWakeUps',
      summary: 'Re-send wake-ups now for due items Redis holds none for, and take back items of dead workers',
      description: 'The reconciler\'s pass, at once instead of at its next tick (up to 500 due items). Operators over every tenant only: wake-ups are shared. Recorded in the audit log.',
      querystring: NoQuery,
      headers: CsrfHeaders,
      response: { ...adminApiErrors, 200: RedispatchJson }
    }
  }, async (request) => await redispatchWakeUps(overview, signedInAdmin(request), request.ip))
}
