import type { IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../../src/config.js'
import { TestContext, waitFor } from '../helpers/context.js'
import { multipart, upload } from '../helpers/http.js'
import { RawClient } from '../helpers/raw-client.js'

const MAX_BYTES = 64 * 1024
const context = TestContext.create(t, {
  UPLOAD_MAX_BYTES: String(MAX_BYTES),
  UPLOAD_BUFFER_BUDGET_BYTES: String(4 * MAX_BYTES),
  UPLOAD_TENANT_BUDGET_SHARE: '0.5',
  // Only what a test turns on cuts a connection; a busy machine cannot make these fire early.
  UPLOAD_MIN_BYTES_PER_SECOND: '0',
  HTTP_REQUEST_TIMEOUT_MS: '0',
  RATE_LIMIT_PER_MINUTE: '0'
})

/** A stack and its app listening on a free loopback port. */
async function listening (overrides: Partial<Config> = {}): Promise<{ app: FastifyInstance, port: number, stack: Awaited<ReturnType<TestContext['stack']>> }> {
  const stack = await context.stack(overrides)
  const app = await context.app(stack)
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, stack, port: (app.server.address() as AddressInfo).port }
}

/** The head and body of a multipart upload of `fileBytes` bytes, to be sent by hand. */
function uploadRequest (key: string, fileBytes: number): { head: string, body: Buffer } {
  const { payload, headers } = multipart([{ name: 'file', value: Buffer.alloc(fileBytes, 'a'), filename: 'slow.txt', contentType: 'text/plain' }])
  const head = 'POST /documents HTTP/1.1\r\nHost: docq.test\r\nX-Stalled: 1\r\n' +
    `Authorization: Bearer ${key}\r\nContent-Type: ${headers['content-type']}\r\nContent-Length: ${payload.length}\r\n\r\n`
  return { head, body: payload }
}

/** A client that sent an upload's head and a little of its body, and then nothing. */
function stalledUpload (port: number, key: string, fileBytes: number): RawClient {
  const client = new RawClient(context, port)
  const { head, body } = uploadRequest(key, fileBytes)
  client.write(head)
  client.write(body.subarray(0, 100))
  return client
}

async function documentCount (stack: Awaited<ReturnType<TestContext['stack']>>, owner: string): Promise<number> {
  const { rows } = await stack.pool.query<{ n: number }>('select count(*)::int as n from documents where tenant = $1', [owner])
  return rows[0].n
}

t.test('a body trickling slower than the minimum rate is cut off with 408 and the connection closed; nothing is stored', async (t) => {
  const { app, stack, port } = await listening({ UPLOAD_MIN_BYTES_PER_SECOND: 1_000, UPLOAD_MIN_RATE_WINDOW_MS: 200 })
  const { key } = await stack.apiKeys.create('trickler')
  const { head, body } = uploadRequest(key, 4_096)
  const client = new RawClient(context, port)
  client.write(head)
  client.write(body.subarray(0, 200))
  let sent = 200
  // One byte every 50 ms: 20 bytes per second, far below the minimum, never finishing.
  const trickle = setInterval(() => { if (sent < body.length - 1) client.write(body.subarray(sent, ++sent)) }, 50)
  t.teardown(() => clearInterval(trickle))

  const response = await client.response()
  t.equal(response.status, 408)
  t.equal(JSON.parse(response.body).code, 'DOCQ_UPLOAD_TOO_SLOW')
  t.equal(response.headers.connection, 'close')
  await client.serverCloses()
  clearInterval(trickle)
  t.equal(await documentCount(stack, 'trickler'), 0, 'nothing was stored')

  const next = await upload(app, key, 'sent at a normal pace')
  t.equal(next.statusCode, 202, 'the tenant can upload again: the cut upload gave its share back')
  t.equal(await documentCount(stack, 'trickler'), 1)
})

t.test("one tenant's stalled uploads hold only its share: it gets 503 and another tenant still uploads", async (t) => {
  const { app, stack, port } = await listening()
  const greedy = await stack.apiKeys.create('greedy')
  const other = await stack.apiKeys.create('other')
  // With the key cached, an upload reaches the gate without waiting on I/O once the server has
  // its headers: after both stalled uploads arrived, they hold the share before the probe comes.
  t.equal((await app.inject({ method: 'GET', url: '/documents', headers: { authorization: `Bearer ${greedy.key}` } })).statusCode, 200)
  let arrived = 0
  app.server.on('request', (request: IncomingMessage) => { if (request.headers['x-stalled'] !== undefined) arrived++ })
  // Two stalled uploads declaring the largest size fill the tenant's share (half of four).
  const stalled = [stalledUpload(port, greedy.key, MAX_BYTES), stalledUpload(port, greedy.key, MAX_BYTES)]
  await waitFor(async () => arrived === 2 ? true : undefined, 'the stalled uploads to arrive')
  const refused = await upload(app, greedy.key, 'one more')
  t.equal(refused.statusCode, 503)
  t.equal(refused.json().code, 'DOCQ_UPLOAD_SATURATED')
  t.equal(refused.headers['retry-after'], '1')

  const accepted = await upload(app, other.key, 'another tenant is not locked out')
  t.equal(accepted.statusCode, 202)
  t.equal(accepted.json().filename, 'note.txt')
  t.ok(stalled.every((client) => !client.closed && client.received === ''), 'while the stalled uploads are still open')

  const raw = stalledUpload(port, greedy.key, 1_000)
  const response = await raw.response()
  t.equal(response.status, 503)
  t.equal(response.headers['retry-after'], '1')
  t.equal(response.headers.connection, 'close', 'the refused body is not read')
  await raw.serverCloses()

  for (const client of stalled) client.socket.destroy()
  const again = await waitFor(async () => {
    const retry = await upload(app, greedy.key, 'after the stalled ones gave up')
    return retry.statusCode === 202 ? retry : undefined
  }, 'the share to be free again')
  const { rows } = await stack.pool.query<{ id: string }>("select id from documents where tenant = 'other'")
  t.same(rows, [{ id: accepted.json().id }], "the other tenant's upload is stored")
  const stored = await stack.pool.query('select 1 from documents where id = $1', [again.json().id])
  t.equal(stored.rowCount, 1)
})

t.test('an answer given before the body ends closes the connection instead of reading the rest', async (t) => {
  const { stack, port } = await listening()
  const { key } = await stack.apiKeys.create('early')
  const cases = [
    { what: 'a wrong key (401)', key: 'dq_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', fileBytes: 10_000, status: 401, code: 'DOCQ_AUTH_INVALID' },
    { what: 'a declared length over the limit (413)', key, fileBytes: 3 * MAX_BYTES, status: 413, code: 'DOCQ_UPLOAD_TOO_LARGE' }
  ]
  for (const { what, key, fileBytes, status, code } of cases) {
    const client = stalledUpload(port, key, fileBytes)
    const response = await client.response()
    t.equal(response.status, status, what)
    t.equal(JSON.parse(response.body).code, code)
    t.equal(response.headers.connection, 'close')
    await client.serverCloses()
  }
  t.equal(await documentCount(stack, 'early'), 0)
})

t.test('a client that never finishes its headers is disconnected', async (t) => {
  const { port } = await listening({ HTTP_HEADERS_TIMEOUT_MS: 300 })
  const client = new RawClient(context, port)
  client.write('GET /healthz HTTP/1.1\r\nHost: docq.test\r\n')
  await client.serverCloses()
  t.match(client.received, /^HTTP\/1\.1 408 /, 'answered 408 Request Timeout')
})

t.test('a body that keeps a decent rate but outlasts the request timeout is cut off', async (t) => {
  const { stack, port } = await listening({ HTTP_HEADERS_TIMEOUT_MS: 300, HTTP_REQUEST_TIMEOUT_MS: 600 })
  const { key } = await stack.apiKeys.create('long')
  const { head, body } = uploadRequest(key, MAX_BYTES)
  const client = new RawClient(context, port)
  client.write(head)
  let sent = 0
  // 1 KB every 50 ms: more than a minute for the whole body, whatever the machine's pace.
  const steady = setInterval(() => {
    if (sent < body.length - 1_024) client.write(body.subarray(sent, sent += 1_024))
  }, 50)
  t.teardown(() => clearInterval(steady))
  await client.serverCloses()
  clearInterval(steady)
  t.match(client.received, /^HTTP\/1\.1 408 /)
  t.equal(await documentCount(stack, 'long'), 0)
})

t.test('an idle keep-alive connection is closed after the keep-alive timeout', async (t) => {
  const { port } = await listening({ HTTP_KEEP_ALIVE_TIMEOUT_MS: 300 })
  const client = new RawClient(context, port)
  client.write('GET /healthz HTTP/1.1\r\nHost: docq.test\r\n\r\n')
  const response = await client.response()
  t.equal(response.status, 200)
  t.not(response.headers.connection, 'close', 'the connection was kept alive at first')
  await client.serverCloses()
})
