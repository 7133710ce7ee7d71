import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { AppError } from '../errors.js'
import type { DocumentEvent } from '../events/document-events.js'
import type { DocumentEventHub } from '../events/event-hub.js'
import { openEventStream, type EventStream } from '../events/event-stream.js'
import { DocumentParams, authErrors, errorResponse, pathParamErrors, responseHeader } from './schemas.js'

export interface DocumentEventRoutesOptions {
  events: DocumentEventHub
  /** How often an idle stream gets a comment, so that proxies do not close it. */
  heartbeatMs: number
}

const ENDING_STATUSES = new Set<string>(['completed', 'failed'])

/** `GET /documents/{id}/events`: a document's status changes as Server-Sent Events. */
export const documentEventRoutes: FastifyPluginAsyncTypebox<DocumentEventRoutesOptions> = async (app, { events, heartbeatMs }) => {
  app.get('/documents/:id/events', {
    schema: {
      tags: ['documents'],
      security: [{ apiKey: [] }],
      operationId: 'streamDocumentEvents',
      summary: 'Follow a document\'s status as Server-Sent Events',
      description: 'A `text/event-stream`. The first event is the document\'s current state (or, with `Last-Event-ID`, every event after that one); ' +
        'then one event per change of status or version, live. Each `status` event has the event id as its SSE `id` and, as data, ' +
        '`{ id, status, version, errorKind, errorCode, updatedAt }` (fields of `GET /documents/{id}`, as of that event). ' +
        'The stream ends after a `completed` or `failed` event, unless `follow=true` (then it stays open for reprocesses), ' +
        'and after a `deleted` event. A comment line is sent every so often to keep proxies from closing an idle stream.',
      params: DocumentParams,
      querystring: Type.Object({
        follow: Type.Boolean({ default: false, description: 'Stay open after completed or failed, to follow reprocesses' })
      }, { additionalProperties: false }),
      headers: Type.Object({
        'last-event-id': Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$', description: 'The id of the last event received: the stream resumes after it' }))
      }),
      response: {
        ...authErrors,
        ...pathParamErrors,
        200: { description: 'The stream of events', content: { 'text/event-stream': { schema: Type.String() } } },
        404: errorResponse('No such document for this tenant (DOCQ_DOCUMENT_NOT_FOUND)'),
        429: {
          ...errorResponse('Over the tenant\'s rate limit (DOCQ_REQUEST_RATE_LIMITED), or the tenant holds the most event streams allowed (DOCQ_EVENTS_TOO_MANY_STREAMS)'),
          headers: { 'retry-after': responseHeader(Type.Integer({ description: 'Seconds until a retry may succeed' }), true) }
        }
      }
    }
  }, async (request, reply) => {
    const { id } = request.params
    const { follow } = request.query
    // Filled once the stream is open: the hub may end a subscription before that.
    const client: { stream?: EventStream } = {}
    const ends = (event: DocumentEvent): boolean => event.status === 'deleted' || (!follow && ENDING_STATUSES.has(event.status))
    const subscription = await events.subscribe(request.tenant, id, {
      deliver: (event) => {
        client.stream?.send(event)
        if (ends(event)) client.stream?.end()
      },
      end: () => { client.stream?.end() }
    })
    let state: DocumentEvent | undefined
    let first: DocumentEvent[]
    const resumeAfter = request.headers['last-event-id']
    try {
      state = await events.current(request.tenant, id)
      if (state === undefined) throw new AppError('DOCQ_DOCUMENT_NOT_FOUND', `document ${id} not found`)
      first = resumeAfter === undefined ? [state] : await events.after(id, resumeAfter)
    } catch (error) {
      subscription.unsubscribe()
      throw error
    }
    const stream = openEventStream(reply, { heartbeatMs, onEnd: subscription.unsubscribe })
    client.stream = stream
    for (const event of first) stream.send(event)
    // What the client knows last: the events just sent or, resuming with nothing new, the current state.
    if (ends(first.at(-1) ?? state)) stream.end()
    else subscription.start(first.at(-1)?.id ?? resumeAfter ?? state.id)
    return reply
  })
}
