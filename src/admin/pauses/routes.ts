import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { DocumentQueueService } from '../../queue/document-queue-service.js'
import { NoQuery } from '../../routes/schemas.js'
import { ADMIN_ROLE } from '../../states.js'
import { adminApiErrors, CsrfHeaders } from '../admin-api-errors.js'
import { requireAdmin } from '../require-admin.js'
import { signedInAdmin } from '../signed-in-admin.js'
import { pauseQueue, resumeQueue } from './pause-actions.js'
import { PauseJson, toPauseJson } from './pause-json.js'

export interface PauseRoutesOptions {
  queue: DocumentQueueService
}

const Tenant = Type.String({ minLength: 1, maxLength: 200, description: 'A tenant; absent for every tenant' })
// A form sends an empty field for "every tenant".
const PauseForm = Type.Object({
  _csrf: Type.Optional(Type.String({ maxLength: 200 })),
  tenant: Type.Optional(Type.String({ maxLength: 200 })),
  reason: Type.Optional(Type.String({ maxLength: 1_000 }))
})
const PauseBody = Type.Object({ tenant: Type.Optional(Tenant), reason: Type.Optional(Type.String({ maxLength: 1_000 })) }, { additionalProperties: false })
const ResumeQuery = Type.Object({ tenant: Type.Optional(Tenant) }, { additionalProperties: false })

function blankToNull (value: string | undefined): string | null {
  const trimmed = value?.trim() ?? ''
  return trimmed === '' ? null : trimmed
}

/**
 * Pausing and resuming processing, globally or per tenant: the overview's forms
 * (`POST /admin/pauses`, `POST /admin/pauses/resume`, back to the overview with 303) and the
 * JSON API (`GET/POST/DELETE /admin/api/pauses`). Operators and admins; an account limited to
 * some tenants pauses only those.
 */
export const pauseRoutes: FastifyPluginAsyncTypebox<PauseRoutesOptions> = async (app, { queue }) => {
  const security = [{ adminSession: [] }]
  const tags = ['admin']

  app.post('/admin/pauses', { preHandler: requireAdmin(ADMIN_ROLE.operator), schema: { hide: true, body: PauseForm } }, async (request, reply) => {
    await pauseQueue(queue, signedInAdmin(request), { tenant: blankToNull(request.body.tenant), reason: blankToNull(request.body.reason), address: request.ip })
    return await reply.redirect('/admin?done=pause', 303)
  })

  app.post('/admin/pauses/resume', { preHandler: requireAdmin(ADMIN_ROLE.operator), schema: { hide: true, body: PauseForm } }, async (request, reply) => {
    await resumeQueue(queue, signedInAdmin(request), { tenant: blankToNull(request.body.tenant), reason: blankToNull(request.body.reason), address: request.ip })
    return await reply.redirect('/admin?done=resume', 303)
  })

  app.get('/admin/api/pauses', {
    preHandler: requireAdmin(ADMIN_ROLE.viewer),
    schema: {
      tags,
      security,
      operationId: 'listAdminPauses',
      summary: 'The paused scopes that apply to the account\'s tenants: the global pause first, then each tenant\'s',
      querystring: NoQuery,
      response: { ...adminApiErrors, 200: Type.Object({ pauses: Type.Array(PauseJson) }) }
    }
  }, async (request) => ({ pauses: (await queue.getPauses(signedInAdmin(request).tenants)).map(toPauseJson) }))

  app.post('/admin/api/pauses', {
    preHandler: requireAdmin(ADMIN_ROLE.operator),
    schema: {
      tags,
      security,
      operationId: 'pauseAdminQueue',
      summary: 'Pause processing of one tenant, or of every tenant: workers claim no new item of it, running items finish',
      description: 'Pausing a scope already paused changes nothing: the first pause stands and is returned with created false. ' +
        'An account limited to some tenants may pause only those, never every tenant.',
      querystring: NoQuery,
      headers: CsrfHeaders,
      body: PauseBody,
      response: { ...adminApiErrors, 200: Type.Object({ pause: PauseJson, created: Type.Boolean() }) }
    }
  }, async (request) => {
    const { pause, created } = await pauseQueue(queue, signedInAdmin(request), { tenant: request.body.tenant ?? null, reason: blankToNull(request.body.reason), address: request.ip })
    return { pause: toPauseJson(pause), created }
  })

  app.delete('/admin/api/pauses', {
    preHandler: requireAdmin(ADMIN_ROLE.operator),
    schema: {
      tags,
      security,
      operationId: 'resumeAdminQueue',
      summary: 'Resume processing of one tenant (?tenant=), or of every tenant, and wake the items that waited',
      headers: CsrfHeaders,
      querystring: ResumeQuery,
      response: {
        ...adminApiErrors,
        200: Type.Object({
          resumed: Type.Union([PauseJson, Type.Null()], { description: 'The pause lifted; null when the scope was not paused' }),
          woken: Type.Integer({ minimum: 0, description: 'Due items sent a new wake-up' })
        })
      }
    }
  }, async (request) => {
    const { pause, woken } = await resumeQueue(queue, signedInAdmin(request), { tenant: request.query.tenant ?? null, reason: null, address: request.ip })
    return { resumed: pause === undefined ? null : toPauseJson(pause), woken }
  })
}
