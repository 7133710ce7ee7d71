import t, { type Test } from 'tap'
import { createHmac } from 'node:crypto'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { deliverDueWebhooks } from '../../src/webhooks/deliver-webhooks.js'
import { postWebhook } from '../../src/webhooks/post-webhook.js'
import { webhookPolicy } from '../../src/webhooks/webhook-policy.js'
import { isolatedService } from '../helpers/context.js'
import { multipart } from '../helpers/http.js'

interface Received { headers: IncomingHttpHeaders, body: string }

/** A real HTTP receiver that records what it gets and answers `status()`. */
async function receiver (t: Test, status: () => number = () => 204): Promise<{ url: string, received: Received[] }> {
  const received: Received[] = []
  const server = createServer((request, response) => {
    let body = ''
    request.setEncoding('utf8')
    request.on('data', (chunk: string) => { body += chunk })
    request.on('end', () => {
      received.push({ headers: request.headers, body })
      response.writeHead(status()).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => { await new Promise((resolve) => server.close(resolve)) })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received }
}

/** What a receiver does to check a delivery: recompute the HMAC of "t.body" with the secret. */
function verified (secret: string, delivery: Received): boolean {
  const header = String(delivery.headers['x-docqueue-signature'])
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header)
  if (match === null) return false
  const expected = createHmac('sha256', secret).update(`${match[1]}.${delivery.body}`).digest('hex')
  return expected === match[2]
}

const overrides = { WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true', WEBHOOK_RETRY_BASE_MS: '0', WEBHOOK_MAX_ATTEMPTS: '2', WEBHOOK_MAX_ENDPOINTS: '2' }

t.test('endpoints and upload callbacks get every event, signed, and the tenant lists the deliveries', async (t) => {
  const service = await isolatedService(t, 'acme', overrides)
  const { app, auth, stack } = service
  const hook = await receiver(t)
  const callback = await receiver(t)
  await stack.queue.pause('acme', 'test', null)

  const created = await app.inject({ method: 'POST', url: '/webhooks', headers: auth, payload: { url: hook.url } })
  t.equal(created.statusCode, 201)
  const endpoint = created.json()
  t.match(endpoint, { url: hook.url, secret: /^whsec_/ })
  const listed = (await app.inject({ url: '/webhooks', headers: auth })).json()
  t.same(listed.items, [{ id: endpoint.id, url: hook.url, createdAt: endpoint.createdAt }], 'listed without the secret')
  const { secret: callbackSecret } = (await app.inject({ method: 'POST', url: '/webhooks/callback-secret', headers: auth })).json()

  const body = multipart([{ name: 'callbackUrl', value: callback.url }, { name: 'file', value: 'a webhook test', filename: 'hook.txt', contentType: 'text/plain' }])
  const uploaded = await app.inject({ method: 'POST', url: '/documents', payload: body.payload, headers: { ...body.headers, ...auth } })
  t.equal(uploaded.statusCode, 202)
  const id = uploaded.json().id
  t.equal((await app.inject({ method: 'DELETE', url: `/documents/${id}`, headers: auth })).statusCode, 204)

  const policy = webhookPolicy(stack.config)
  t.equal(await deliverDueWebhooks({ pool: stack.pool, logger: stack.logger, policy }, 10), 4, 'two events to two destinations')
  for (const [destination, secret] of [[hook, endpoint.secret], [callback, callbackSecret]] as const) {
    t.same(destination.received.map((r) => JSON.parse(r.body).type), ['document.status', 'document.deleted'])
    t.same(destination.received.map((r) => JSON.parse(r.body).data.status), ['pending', 'deleted'])
    t.ok(destination.received.every((r) => verified(secret, r)), 'each signature verifies with its secret')
    t.same(destination.received.map((r) => r.headers['x-docqueue-event-id']), destination.received.map((r) => JSON.parse(r.body).eventId))
  }
  t.notOk(verified(endpoint.secret, { ...hook.received[0], body: hook.received[0].body.replace('pending', 'completed') }), 'a changed body does not verify')

  const deliveries = (await app.inject({ url: '/webhooks/deliveries', headers: auth })).json()
  t.equal(deliveries.items.length, 4)
  t.ok(deliveries.items.every((d: any) => d.status === 'delivered' && d.attempts === 1 && d.lastStatusCode === 204 && d.documentId === id))
  t.same(deliveries.items.map((d: any) => d.webhookId === null ? 'callback' : 'endpoint').sort(), ['callback', 'callback', 'endpoint', 'endpoint'])
  const page = (await app.inject({ url: `/webhooks/deliveries?limit=3&documentId=${id}`, headers: auth })).json()
  const rest = (await app.inject({ url: `/webhooks/deliveries?limit=3&before=${page.nextBefore as string}`, headers: auth })).json()
  t.same([...page.items, ...rest.items].map((d: any) => d.id), deliveries.items.map((d: any) => d.id), 'pages cover every delivery once')
  t.equal(rest.nextBefore, null)

  const other = await stack.apiKeys.create('globex')
  t.same((await app.inject({ url: '/webhooks/deliveries', headers: { authorization: `Bearer ${other.key}` } })).json().items, [], 'another tenant sees none')
  t.equal((await app.inject({ method: 'DELETE', url: `/webhooks/${endpoint.id}`, headers: { authorization: `Bearer ${other.key}` } })).statusCode, 404)
  t.equal((await app.inject({ method: 'DELETE', url: `/webhooks/${endpoint.id}`, headers: auth })).statusCode, 204)
  t.same((await app.inject({ url: '/webhooks', headers: auth })).json().items, [])
})

t.test('a failing receiver is retried from Postgres until the attempts run out', async (t) => {
  const service = await isolatedService(t, 'acme', overrides)
  const { app, auth, stack, key } = service
  const hook = await receiver(t, () => 500)
  await stack.queue.pause('acme', 'test', null)
  t.equal((await app.inject({ method: 'POST', url: '/webhooks', headers: auth, payload: { url: hook.url } })).statusCode, 201)
  const body = multipart([{ name: 'file', value: 'retry me', filename: 'retry.txt', contentType: 'text/plain' }])
  await app.inject({ method: 'POST', url: '/documents', payload: body.payload, headers: { ...body.headers, authorization: `Bearer ${key}` } })

  const deps = { pool: stack.pool, logger: stack.logger, policy: webhookPolicy(stack.config) }
  t.equal(await deliverDueWebhooks(deps, 1), 0)
  let [delivery] = (await app.inject({ url: '/webhooks/deliveries', headers: auth })).json().items
  t.match(delivery, { status: 'pending', attempts: 1, lastStatusCode: 500, lastError: 'answered 500' })
  t.type(delivery.nextAttemptAt, 'string', 'the next attempt is scheduled')
  t.equal(await deliverDueWebhooks(deps, 1), 0)
  ;[delivery] = (await app.inject({ url: '/webhooks/deliveries?status=failed', headers: auth })).json().items
  t.match(delivery, { status: 'failed', attempts: 2, lastStatusCode: 500, nextAttemptAt: null })
  t.equal(hook.received.length, 2, 'sent once per attempt')
  t.equal(await deliverDueWebhooks(deps, 1), 0)
  t.equal(hook.received.length, 2, 'never after the last attempt')
})

t.test('bad input is refused and changes nothing; private addresses are refused unless allowed', async (t) => {
  const { app, auth, stack } = await isolatedService(t, 'acme', overrides)
  for (const url of ['ftp://example.com/x', 'not a url', 'http://user:secret@example.com/', `https://example.com/${'a'.repeat(2100)}`]) {
    const response = await app.inject({ method: 'POST', url: '/webhooks', headers: auth, payload: { url } })
    t.equal(response.statusCode, 400, url.slice(0, 40))
    t.equal(response.json().code, 'DOCQ_REQUEST_INVALID')
  }
  const body = multipart([{ name: 'callbackUrl', value: 'javascript:alert(1)' }, { name: 'file', value: 'x', filename: 'x.txt', contentType: 'text/plain' }])
  const upload = await app.inject({ method: 'POST', url: '/documents', payload: body.payload, headers: { ...body.headers, ...auth } })
  t.equal(upload.statusCode, 400)
  t.equal(upload.json().code, 'DOCQ_REQUEST_INVALID')
  const { rows } = await stack.pool.query('select count(*)::int as n from documents')
  t.same(rows, [{ n: 0 }], 'a refused callbackUrl stores no document')

  for (let i = 0; i < 2; i++) await app.inject({ method: 'POST', url: '/webhooks', headers: auth, payload: { url: `https://example.com/${i}` } })
  const third = await app.inject({ method: 'POST', url: '/webhooks', headers: auth, payload: { url: 'https://example.com/3' } })
  t.equal(third.statusCode, 409)
  t.equal(third.json().code, 'DOCQ_WEBHOOK_LIMIT_REACHED')
  t.equal((await app.inject({ method: 'DELETE', url: '/webhooks/00000000-0000-4000-8000-000000000000', headers: auth })).json().code, 'DOCQ_WEBHOOK_NOT_FOUND')
  t.equal((await app.inject({ url: '/webhooks/deliveries?before=x', headers: auth })).statusCode, 400)

  for (const url of ['http://127.0.0.1:9/hook', 'http://[::1]:9/hook', 'http://169.254.169.254/latest', 'http://localhost:9/hook']) {
    const outcome = await postWebhook(url, '{}', {}, { timeoutMs: 10_000, allowPrivateAddresses: false })
    t.match(outcome, { statusCode: null, error: /^refused: / }, url)
  }
})
