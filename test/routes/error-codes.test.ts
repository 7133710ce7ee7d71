import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import t from 'tap'
import type { Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { errorCatalogue, type ErrorCode } from '../../src/errors.js'
import { TestContext, waitFor } from '../helpers/context.js'
import { multipart } from '../helpers/http.js'
import { RawClient } from '../helpers/raw-client.js'

const context = TestContext.create(t, { RATE_LIMIT_PER_MINUTE: '0' })
const stack = await context.stack()
// Every log line is collected: an answer to a client's mistake must never be logged as our failure.
const logLines: Array<{ level: number, msg: string }> = []
const logger = pino({ level: 'debug' }, new Writable({
  write (chunk, _encoding, done) {
    logLines.push(JSON.parse(String(chunk)))
    done()
  }
}))
const app = await context.app({ ...stack, logger })
// A route standing in for a plugin that raises a client status the catalogue does not map.
app.get('/teapot', async () => { throw Object.assign(new Error('short and stout'), { statusCode: 418 }) })
const port = await listen(app)
// Its own app, so that a deadline this short cannot cut the other raw requests on a busy machine.
const impatient = await context.app({ ...stack, logger, config: { ...stack.config, HTTP_HEADERS_TIMEOUT_MS: 500 } })
const impatientPort = await listen(impatient)
const { key } = await stack.apiKeys.create('error-codes')
const auth = { authorization: `Bearer ${key}` }

async function listen (on: FastifyInstance): Promise<number> {
  await on.listen({ port: 0, host: '127.0.0.1' })
  return (on.server.address() as AddressInfo).port
}

const errorLogs = (): string[] => logLines.filter((line) => line.level >= 50).map((line) => line.msg)

/** Asserts that `body`, answered with `status`, is an error of the catalogue in the shape of every error. */
function checkAnswer (t: Test, status: number, body: string, expected: { status: number, code: ErrorCode }): void {
  t.equal(status, expected.status, 'status')
  const json: unknown = JSON.parse(body)
  t.same(Object.keys(json as object).sort(), ['code', 'error', 'message', 'statusCode'], 'the shape of every error')
  t.match(json, { statusCode: expected.status, code: expected.code, error: String, message: String }, 'body')
  const catalogued = errorCatalogue[expected.code]
  if (typeof catalogued === 'number') t.equal(catalogued, status, `${expected.code} is a catalogue code of this status`)
}

t.test('every code in the catalogue reads DOCQ_<AREA>_<WHAT>', async (t) => {
  for (const [code, status] of Object.entries(errorCatalogue)) {
    t.match(code, /^DOCQ_[A-Z]+_[A-Z_]+$/, code)
    t.ok(status === '4xx' || (status >= 400 && status < 600), `${code}: ${status} is an error status`)
  }
})

t.test('errors that Fastify and its plugins raise answer with a code of their own', async (t) => {
  const parts = multipart([
    ...Array.from({ length: 11 }, (_, i) => ({ name: `field${i}`, value: 'x' })),
    { name: 'file', value: 'some text', filename: 'a.txt', contentType: 'text/plain' }
  ])
  const cases: Array<{ name: string, method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'QUERY', url: string, headers?: Record<string, string>, payload?: string | Buffer, status: number, code: ErrorCode }> = [
    { name: 'a path parameter over the router\'s length limit', url: `/documents/${'a'.repeat(101)}`, status: 414, code: 'DOCQ_REQUEST_URL_TOO_LONG' },
    { name: 'a method the path does not take (Fastify answers 404, not 405)', method: 'PUT', url: '/documents', status: 404, code: 'DOCQ_ROUTE_NOT_FOUND' },
    { name: 'a QUERY without a Content-Type', method: 'QUERY', url: '/documents', status: 400, code: 'DOCQ_REQUEST_MALFORMED' },
    { name: 'an empty JSON body', method: 'POST', url: '/documents/00000000-0000-0000-0000-000000000000/reprocess', headers: { 'content-type': 'application/json' }, payload: '', status: 400, code: 'DOCQ_REQUEST_MALFORMED' },
    { name: 'a JSON body over the limit', method: 'POST', url: '/documents/00000000-0000-0000-0000-000000000000/reprocess', headers: { 'content-type': 'application/json' }, payload: `"${'x'.repeat(70_000)}"`, status: 413, code: 'DOCQ_REQUEST_TOO_LARGE' },
    { name: 'an upload with more fields than allowed', method: 'POST', url: '/documents', headers: parts.headers, payload: parts.payload, status: 400, code: 'DOCQ_UPLOAD_TOO_MANY_PARTS' },
    { name: 'a docs file with an unsatisfiable range', url: '/docs/static/swagger-ui.css', headers: { range: 'bytes=99999999-' }, status: 416, code: 'DOCQ_REQUEST_RANGE_NOT_SATISFIABLE' },
    { name: 'a docs file with a failed precondition', url: '/docs/static/swagger-ui.css', headers: { 'if-match': '"not-this-one"' }, status: 412, code: 'DOCQ_REQUEST_PRECONDITION_FAILED' },
    { name: 'a docs file path with a NUL', url: '/docs/static/%00', status: 403, code: 'DOCQ_REQUEST_FORBIDDEN' }
  ]
  for (const c of cases) {
    const response = await app.inject({ method: c.method ?? 'GET', url: c.url, headers: { ...auth, ...c.headers }, payload: c.payload })
    t.test(c.name, async (t) => checkAnswer(t, response.statusCode, response.body, c))
  }
  const { rows } = await stack.pool.query<{ n: number }>('select count(*)::int as n from documents')
  t.equal(rows[0].n, 0, 'the refused upload stored nothing')
  t.same(errorLogs(), [], 'nothing was logged as an error')
})

t.test('a client status the catalogue does not map keeps its status and says it is unclassified', async (t) => {
  const before = logLines.length
  const response = await app.inject({ method: 'GET', url: '/teapot' })
  checkAnswer(t, response.statusCode, response.body, { status: 418, code: 'DOCQ_REQUEST_UNCLASSIFIED' })
  t.equal(response.json().message, 'short and stout')
  t.same(logLines.slice(before).filter((line) => line.level >= 40).map(({ level, msg }) => ({ level, msg })), [{ level: 40, msg: 'a client error without a code of its own' }],
    'logged as a warning: a gap in the catalogue to close')
})

t.test('errors Node raises on the connection are answered in the same shape, and the connection closed', async (t) => {
  const cases: Array<{ name: string, request: string, status: number, code: ErrorCode, port?: number }> = [
    { name: 'a huge header', request: `GET /healthz HTTP/1.1\r\nHost: docq.test\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, status: 431, code: 'DOCQ_REQUEST_HEADERS_TOO_LARGE' },
    { name: 'an over-long URL', request: `GET /search?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: docq.test\r\n\r\n`, status: 431, code: 'DOCQ_REQUEST_HEADERS_TOO_LARGE' },
    { name: 'a method HTTP does not know', request: 'BREW /documents HTTP/1.1\r\nHost: docq.test\r\n\r\n', status: 400, code: 'DOCQ_REQUEST_MALFORMED' },
    { name: 'a Content-Length that is not a number', request: 'POST /cron/process HTTP/1.1\r\nHost: docq.test\r\nContent-Length: ten\r\n\r\n', status: 400, code: 'DOCQ_REQUEST_MALFORMED' },
    { name: 'bytes that are not HTTP', request: 'hello\r\n\r\n', status: 400, code: 'DOCQ_REQUEST_MALFORMED' },
    { name: 'headers that never end', request: 'GET /healthz HTTP/1.1\r\nHost: docq.test\r\n', status: 408, code: 'DOCQ_REQUEST_TIMEOUT', port: impatientPort }
  ]
  for (const c of cases) {
    const client = new RawClient(context, c.port ?? port)
    client.write(c.request)
    const response = await client.response()
    await client.serverCloses()
    t.test(c.name, async (t) => {
      checkAnswer(t, response.status, response.body, c)
      t.match(response.headers['content-type'], /^application\/json/)
      t.equal(response.headers.connection, 'close')
    })
  }
  t.same(errorLogs(), [], 'nothing was logged as an error')
})

t.test('a client hanging up in the middle of a JSON body is not taken for a database failure', async (t) => {
  const before = logLines.length
  let answer: ServerResponse | undefined
  app.server.once('request', (_request: IncomingMessage, response: ServerResponse) => { answer = response })
  const client = new RawClient(context, port)
  client.write('POST /cron/process HTTP/1.1\r\nHost: docq.test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"li')
  await waitFor(async () => answer, 'the request to arrive')
  client.socket.destroy()
  // Nobody reads the answer and no completion is logged for a closed connection: the answer is
  // seen ending on the server's side.
  await waitFor(async () => answer?.writableEnded === true ? true : undefined, 'the request to be answered')
  t.equal(answer?.statusCode, 400, 'answered as the client\'s mistake')
  t.same(logLines.slice(before).filter((line) => line.level >= 40).map((line) => line.msg), [], 'no warning or error')
})
