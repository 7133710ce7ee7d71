import t from 'tap'
import { LISTENER_APPLICATION_NAME } from '../../src/events/event-hub.js'
import { TestContext, waitFor } from '../helpers/context.js'
import { upload } from '../helpers/http.js'
import { SseClient, type SseEvent } from '../helpers/sse-client.js'

// One service and one worker for the file: a worker starts slowly on a busy machine. Each test
// has a tenant of its own, paused while it uploads, so that its documents wait for the stream.
const context = TestContext.create(t)
const stack = await context.stack()
const app = await context.app(stack)
const base = await app.listen({ port: 0, host: '127.0.0.1' })
context.worker(stack)

const text = 'Server-sent events tell a client when its document is done, so that it stops polling.\n'.repeat(5)

interface Tenant { name: string, key: string, auth: { authorization: string } }

/** A tenant whose documents wait until `resume`. */
async function pausedTenant (name: string): Promise<Tenant> {
  const { key } = await stack.apiKeys.create(name)
  await stack.queue.pause(name, 'test', null)
  return { name, key, auth: { authorization: `Bearer ${key}` } }
}

async function resume (tenant: Tenant): Promise<void> {
  await stack.queue.resume(tenant.name)
}

async function uploaded (tenant: Tenant): Promise<string> {
  const response = await upload(app, tenant.key, text)
  return response.json().id
}

async function open (tenant: Tenant, id: string, options: { query?: string, headers?: Record<string, string>, on?: string } = {}): Promise<SseClient> {
  return await SseClient.open(`${options.on ?? base}/documents/${id}/events${options.query ?? ''}`, { ...tenant.auth, ...options.headers })
}

const statuses = (events: SseEvent[]): string[] => events.map((e) => e.data.status)

async function eventCount (client: SseClient, count: number): Promise<void> {
  await waitFor(async () => client.events.length >= count ? true : undefined, `${count} events (have ${statuses(client.events).join(', ')})`)
}

async function released (tenant: Tenant, events = stack.events): Promise<void> {
  await waitFor(async () => events.openStreams(tenant.name) === 0 ? true : undefined, 'the stream to be released')
}

t.test('a stream starts with the current state, follows the document live and ends when it completes', async (t) => {
  const tenant = await pausedTenant('live')
  const id = await uploaded(tenant)
  const client = await open(tenant, id)
  t.equal(client.response.statusCode, 200)
  t.match(client.response.headers['content-type'], /^text\/event-stream/)
  t.equal(client.response.headers['cache-control'], 'no-store')
  await eventCount(client, 1)
  t.same(statuses(client.events), ['pending'], 'the current state comes first')

  await resume(tenant)
  await client.ended
  t.same(statuses(client.events), ['pending', 'in_progress', 'completed'], 'every change, in order, then the end')
  const ids = client.events.map((e) => BigInt(e.id ?? '0'))
  t.ok(ids.every((value, i) => i === 0 || value > ids[i - 1]), `event ids increase: ${ids.join(', ')}`)
  t.match(client.events.at(-1), { event: 'status', data: { id, status: 'completed', version: 1, errorKind: null, errorCode: null } })
  const document = (await app.inject({ url: `/documents/${id}`, headers: tenant.auth })).json()
  t.equal(client.events.at(-1)?.data.updatedAt, document.updatedAt, 'the last event is the document as GET shows it')
  await released(tenant)
})

t.test('Last-Event-ID resumes after that event, from the table', async (t) => {
  const tenant = await pausedTenant('resume')
  const id = await uploaded(tenant)
  const live = await open(tenant, id)
  await eventCount(live, 1)
  await resume(tenant)
  await live.ended
  const [first, second, last] = live.events

  const resumed = await open(tenant, id, { headers: { 'last-event-id': String(first.id) } })
  await resumed.ended
  t.same(resumed.events.map((e) => e.id), [second.id, last.id], 'the events after the one given, with their ids')
  t.same(statuses(resumed.events), ['in_progress', 'completed'])

  const caughtUp = await open(tenant, id, { headers: { 'last-event-id': String(last.id) } })
  await caughtUp.ended
  t.same(caughtUp.events, [], 'nothing new after the terminal event: the stream ends at once')

  const again = await open(tenant, id)
  await again.ended
  t.same(statuses(again.events), ['completed'], 'without Last-Event-ID, a finished document is one event')
  t.equal(again.events[0].id, last.id, 'whose id is its latest event')
})

t.test('follow=true stays open across a reprocess; a client hanging up releases its stream', async (t) => {
  const tenant = await pausedTenant('follow')
  const id = await uploaded(tenant)
  const client = await open(tenant, id, { query: '?follow=true' })
  await eventCount(client, 1)
  await resume(tenant)
  await eventCount(client, 3)
  t.same(statuses(client.events), ['pending', 'in_progress', 'completed'])
  t.equal(stack.events.openStreams(tenant.name), 1, 'the stream stays open after completed')
  const reprocess = await app.inject({ method: 'POST', url: `/documents/${id}/reprocess`, headers: tenant.auth })
  t.equal(reprocess.statusCode, 202)
  await eventCount(client, 6)
  t.same(statuses(client.events), ['pending', 'in_progress', 'completed', 'pending', 'in_progress', 'completed'])
  t.same(client.events.map((e) => e.data.version), [0, 0, 1, 1, 1, 2], 'the reprocess wrote the second result')

  client.close()
  await released(tenant)
  t.pass('the hub let the stream go')
})

t.test('a deleted document ends its stream with a deleted event', async (t) => {
  const tenant = await pausedTenant('delete')
  const id = await uploaded(tenant)
  const client = await open(tenant, id)
  await eventCount(client, 1)
  t.equal((await app.inject({ method: 'DELETE', url: `/documents/${id}`, headers: tenant.auth })).statusCode, 204)
  await client.ended
  t.same(client.events.map((e) => [e.event, e.data.status]), [['status', 'pending'], ['deleted', 'deleted']])
})

t.test('events keep coming when the listening connection drops: it listens again and catches up from the table', async (t) => {
  const tenant = await pausedTenant('reconnect')
  const id = await uploaded(tenant)
  const client = await open(tenant, id)
  await eventCount(client, 1)
  const database = new URL(context.config.DATABASE_URL).pathname.slice(1)
  const { rows } = await stack.pool.query<{ killed: boolean }>(
    'select pg_terminate_backend(pid) as killed from pg_stat_activity where application_name = $1 and datname = $2', [LISTENER_APPLICATION_NAME, database])
  t.same(rows, [{ killed: true }], 'the one listening connection was cut')
  // Changed while nobody listens: only the table can tell the stream.
  await resume(tenant)
  await client.ended
  t.same(statuses(client.events), ['pending', 'in_progress', 'completed'])
})

t.test('idle streams get heartbeat comments; too many streams of a tenant are refused', async (t) => {
  // Another API process on the same database, with its own settings.
  const other = await context.stack({ EVENTS_HEARTBEAT_MS: 200, EVENTS_MAX_STREAMS_PER_TENANT: 1 })
  const otherBase = await (await context.app(other)).listen({ port: 0, host: '127.0.0.1' })
  const tenant = await pausedTenant('limited')
  const id = await uploaded(tenant)
  const first = await open(tenant, id, { on: otherBase })
  await waitFor(async () => first.comments >= 2 ? true : undefined, 'heartbeat comments')
  t.same(statuses(first.events), ['pending'], 'comments are not events')

  const second = await fetch(`${otherBase}/documents/${id}/events`, { headers: tenant.auth })
  t.equal(second.status, 429)
  t.equal(second.headers.get('retry-after'), '5')
  t.match(await second.json(), { code: 'DOCQ_EVENTS_TOO_MANY_STREAMS' })
  const elsewhere = await open(tenant, id)
  await eventCount(elsewhere, 1)
  t.equal(elsewhere.response.statusCode, 200, 'the limit is per API process')
  elsewhere.close()

  first.close()
  await released(tenant, other.events)
  const afterwards = await open(tenant, id, { on: otherBase })
  await eventCount(afterwards, 1)
  t.equal(afterwards.response.statusCode, 200, 'a stream is allowed again once one closed')
  afterwards.close()
  await released(tenant, other.events)
})

t.test('refusals: another tenant, an unknown document, a bad Last-Event-ID or query', async (t) => {
  const tenant = await pausedTenant('refusals')
  const id = await uploaded(tenant)
  const other = await stack.apiKeys.create('globex')
  const asOther = await app.inject({ url: `/documents/${id}/events`, headers: { authorization: `Bearer ${other.key}` } })
  t.equal(asOther.statusCode, 404)
  t.equal(asOther.json().code, 'DOCQ_DOCUMENT_NOT_FOUND', 'another tenant\'s document is not found')
  const unknown = await app.inject({ url: '/documents/00000000-0000-4000-8000-000000000000/events', headers: tenant.auth })
  t.equal(unknown.json().code, 'DOCQ_DOCUMENT_NOT_FOUND')
  for (const lastEventId of ['abc', '-1', '1'.repeat(19)]) {
    const bad = await app.inject({ url: `/documents/${id}/events`, headers: { ...tenant.auth, 'last-event-id': lastEventId } })
    t.equal(bad.statusCode, 400, `Last-Event-ID ${lastEventId}`)
    t.equal(bad.json().code, 'DOCQ_REQUEST_INVALID')
  }
  const badQuery = await app.inject({ url: `/documents/${id}/events?follow=maybe`, headers: tenant.auth })
  t.equal(badQuery.json().code, 'DOCQ_REQUEST_INVALID')
  t.equal(stack.events.openStreams(tenant.name) + stack.events.openStreams('globex'), 0, 'a refused stream holds nothing')
})
