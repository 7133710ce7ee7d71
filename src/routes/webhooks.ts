import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type Static } from 'typebox'
import type { WebhookService } from '../webhooks/webhook-service.js'
import type { DeliveryRecord } from '../webhooks/webhook-store.js'
import { WEBHOOK_URL_MAX_LENGTH } from '../webhooks/webhook-url.js'
import { NoQuery, UUID_PATTERN, authErrors, bodyErrors, errorResponse, pathParamErrors } from './schemas.js'

const tags = ['webhooks']
const security = [{ apiKey: [] }]
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])

const Endpoint = Type.Object({
  id: Type.String({ format: 'uuid' }),
  url: Type.String(),
  createdAt: Type.String({ format: 'date-time' })
})

const Secret = Type.String({ description: 'The HMAC-SHA256 signing secret; shown only in this answer' })

const Delivery = Type.Object({
  id: Type.String({ description: 'The delivery id' }),
  eventId: Type.String({ description: 'The event sent, as in X-Docqueue-Event-Id and the event stream' }),
  documentId: Type.String({ format: 'uuid' }),
  webhookId: Nullable(Type.String({ format: 'uuid', description: 'The endpoint; null for an upload\'s callbackUrl' })),
  url: Type.String(),
  eventStatus: Nullable(Type.String({ description: 'The status the event carries (or deleted); null once the event was deleted by retention' })),
  status: Type.Enum(['pending', 'delivered', 'failed']),
  attempts: Type.Integer(),
  nextAttemptAt: Nullable(Type.String({ format: 'date-time', description: 'While pending: when the next attempt is due' })),
  lastStatusCode: Nullable(Type.Integer({ description: 'The HTTP status of the last attempt; null when it got none' })),
  lastError: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  deliveredAt: Nullable(Type.String({ format: 'date-time' }))
})

function toDeliveryJson (record: DeliveryRecord): Static<typeof Delivery> {
  return {
    id: record.id,
    eventId: record.eventId,
    documentId: record.documentId,
    webhookId: record.endpointId,
    url: record.url,
    eventStatus: record.eventStatus ?? null,
    status: record.status,
    attempts: record.attempts,
    nextAttemptAt: record.status === 'pending' ? record.nextAttemptAt.toISOString() : null,
    lastStatusCode: record.lastStatusCode,
    lastError: record.lastError,
    createdAt: record.createdAt.toISOString(),
    deliveredAt: record.deliveredAt?.toISOString() ?? null
  }
}

/** `/webhooks`: a tenant's webhook endpoints, its callback secret, and the deliveries made. */
export const webhookRoutes: FastifyPluginAsyncTypebox<{ webhooks: WebhookService }> = async (app, { webhooks }) => {
  app.post('/webhooks', {
    schema: {
      tags,
      security,
      operationId: 'createWebhook',
      summary: 'Register a webhook endpoint: every event of the tenant\'s documents is POSTed to it, signed',
      querystring: NoQuery,
      body: Type.Object({
        url: Type.String({ minLength: 1, maxLength: WEBHOOK_URL_MAX_LENGTH, description: 'An absolute http(s) URL without credentials' })
      }, { additionalProperties: false }),
      response: {
        ...authErrors,
        ...bodyErrors,
        201: Type.Object({ ...Endpoint.properties, secret: Secret }, { description: 'Registered; keep the secret, it is not shown again' }),
        409: errorResponse('The tenant has the most webhooks allowed (DOCQ_WEBHOOK_LIMIT_REACHED)')
      }
    }
  }, async (request, reply) => {
    const endpoint = await webhooks.register(request.tenant, request.body.url)
    request.log.info({ webhookId: endpoint.id }, 'webhook registered')
    return reply.code(201).send({ id: endpoint.id, url: endpoint.url, createdAt: endpoint.createdAt.toISOString(), secret: endpoint.secret })
  })

  app.get('/webhooks', {
    schema: {
      tags,
      security,
      operationId: 'listWebhooks',
      summary: 'List the tenant\'s webhook endpoints (without their secrets)',
      querystring: NoQuery,
      response: { ...authErrors, 200: Type.Object({ items: Type.Array(Endpoint) }, { description: 'The endpoints, oldest first' }) }
    }
  }, async (request) => ({
    items: (await webhooks.list(request.tenant)).map((e) => ({ id: e.id, url: e.url, createdAt: e.createdAt.toISOString() }))
  }))

  app.delete('/webhooks/:id', {
    schema: {
      tags,
      security,
      operationId: 'deleteWebhook',
      summary: 'Delete a webhook endpoint and its deliveries',
      params: Type.Object({ id: Type.String({ format: 'uuid', pattern: UUID_PATTERN, description: 'Webhook id' }) }),
      querystring: NoQuery,
      response: {
        ...authErrors,
        ...pathParamErrors,
        204: Type.Null({ description: 'Deleted' }),
        404: errorResponse('No such webhook for this tenant (DOCQ_WEBHOOK_NOT_FOUND)')
      }
    }
  }, async (request, reply) => {
    await webhooks.remove(request.tenant, request.params.id)
    return reply.code(204).send(null)
  })

  app.post('/webhooks/callback-secret', {
    schema: {
      tags,
      security,
      operationId: 'rotateCallbackSecret',
      summary: 'Create or replace the secret that signs deliveries to uploads\' callbackUrl',
      querystring: NoQuery,
      response: { ...authErrors, 201: Type.Object({ secret: Secret }, { description: 'The new secret; the previous one no longer signs' }) }
    }
  }, async (request, reply) => {
    const secret = await webhooks.rotateCallbackSecret(request.tenant)
    request.log.info('callback secret rotated')
    return reply.code(201).send({ secret })
  })

  app.get('/webhooks/deliveries', {
    schema: {
      tags,
      security,
      operationId: 'listWebhookDeliveries',
      summary: 'List webhook deliveries, newest first, with their attempts and last outcome',
      querystring: Type.Object({
        limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
        before: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$', description: 'nextBefore of the previous page' })),
        status: Type.Optional(Type.Enum(['pending', 'delivered', 'failed'])),
        documentId: Type.Optional(Type.String({ format: 'uuid', pattern: UUID_PATTERN }))
      }, { additionalProperties: false }),
      response: {
        ...authErrors,
        200: Type.Object({
          items: Type.Array(Delivery),
          nextBefore: Nullable(Type.String({ description: 'Pass as before for the next page; null on the last page' }))
        }, { description: 'A page of deliveries' })
      }
    }
  }, async (request) => {
    const page = await webhooks.deliveries(request.tenant, request.query)
    return { items: page.items.map(toDeliveryJson), nextBefore: page.nextBefore }
  })
}
