import t from 'tap'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { signedInAs } from '../helpers/admin-accounts.js'
import { TestContext, waitFor } from '../helpers/context.js'
import { multipart, upload } from '../helpers/http.js'

const CRON_SECRET = 'bad-requests-cron-secret'
const context = TestContext.create(t, { CRON_SECRET })
const stack = await context.stack()
// An unhandled error is logged at level error: every such line is collected, and there must be none.
const errorLogs: string[] = []
const logger = pino({ level: 'error' }, new Writable({
  write (chunk, _encoding, done) {
    errorLogs.push(String(chunk))
    done()
  }
}))
const app = await context.app({ ...stack, logger })
const { key } = await stack.apiKeys.create('fuzzed')
const auth = { authorization: `Bearer ${key}` }
const cron = { authorization: `Bearer ${CRON_SECRET}` }

context.worker(stack)
const id: string = (await upload(app, key, 'A completed document about durable queues and their passages.')).json().id
await waitFor(async () => {
  const { rows } = await stack.pool.query<{ status: string }>('select status from documents where id = $1', [id])
  return rows[0]?.status === 'completed' ? true : undefined
}, 'the document to complete')

const cursor = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
const valid = multipart([{ name: 'file', value: 'some text to upload', filename: 'a.txt', contentType: 'text/plain' }])
const boundary = valid.headers['content-type'].split('boundary=')[1]
const filePart = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n`
const json = { 'content-type': 'application/json' }

interface Case {
  name: string
  method?: 'GET' | 'POST' | 'DELETE'
  url: string
  headers?: Record<string, string>
  payload?: string | Buffer
  status: number
  code: string
}

const ids = [`urn:uuid:${id}`, `%7B${id}%7D`, id.replaceAll('-', ''), `${id}0`, '%00', 'null', '1']
const cases: Case[] = [
  ...ids.flatMap((bad): Case[] => [
    { name: `GET id ${bad}`, url: `/documents/${bad}`, status: 400, code: 'DOCQ_REQUEST_INVALID' },
    { name: `DELETE id ${bad}`, method: 'DELETE', url: `/documents/${bad}`, status: 400, code: 'DOCQ_REQUEST_INVALID' },
    { name: `reprocess id ${bad}`, method: 'POST', url: `/documents/${bad}/reprocess`, status: 400, code: 'DOCQ_REQUEST_INVALID' },
    ...['text', 'chunks', 'content'].map((path): Case => ({ name: `${path} id ${bad}`, url: `/documents/${bad}/${path}`, status: 400, code: 'DOCQ_REQUEST_INVALID' }))
  ]),
  { name: 'id with invalid UTF-8', url: '/documents/%ff', status: 400, code: 'DOCQ_REQUEST_MALFORMED' },
  { name: 'id with a broken escape', url: '/documents/%E0%A4%A/text', status: 400, code: 'DOCQ_REQUEST_MALFORMED' },
  { name: 'id over the router\'s parameter length', url: `/documents/${'a'.repeat(101)}`, status: 414, code: 'DOCQ_REQUEST_URL_TOO_LONG' },

  { name: 'cursor with a bare number as time', url: `/documents?cursor=${cursor(['1', id])}`, status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'cursor with February 30', url: `/documents?cursor=${cursor(['2026-02-30 10:00:00.123456+00', id])}`, status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'cursor past year 9999', url: `/documents?cursor=${cursor(['+275760-09-13T00:00:00Z', id])}`, status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'cursor with a dash-only id', url: `/documents?cursor=${cursor(['2026-01-01 00:00:00+00', '-'.repeat(36)])}`, status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'cursor with an offset out of range', url: `/documents?cursor=${cursor(['2026-01-01 00:00:00+99', id])}`, status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'cursor that is a JSON object', url: `/documents?cursor=${cursor({ createdAt: '2026-01-01 00:00:00+00', id })}`, status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'cursor that is not JSON', url: '/documents?cursor=bm90IGpzb24', status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'cursor over 200 characters', url: `/documents?cursor=${'a'.repeat(201)}`, status: 400, code: 'DOCQ_REQUEST_INVALID' },

  { name: 'chunks after past int32', url: `/documents/${id}/chunks?after=2147483648`, status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'chunks after below -1', url: `/documents/${id}/chunks?after=-2`, status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'chunks after not a number', url: `/documents/${id}/chunks?after=abc`, status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'chunks limit overflowing to Infinity', url: `/documents/${id}/chunks?limit=1e400`, status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'chunks after overflowing to -Infinity', url: `/documents/${id}/chunks?after=-1e400`, status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'chunks limit 0', url: `/documents/${id}/chunks?limit=0`, status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'chunks unknown parameter', url: `/documents/${id}/chunks?page=2`, status: 400, code: 'DOCQ_REQUEST_INVALID' },

  { name: 'search with NUL', url: '/search?q=a%00b', status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'search with invalid UTF-8', url: '/search?q=a%ffb', status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'search with a broken escape', url: '/search?q=%E0%A4%A', status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'search with an encoded surrogate', url: '/search?q=%ED%A0%80', status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'search without q', url: '/search', status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'search with an empty q', url: '/search?q=', status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'search with q twice', url: '/search?q=a&q=b', status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'search with a huge q', url: `/search?q=${'a'.repeat(501)}`, status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'search limit overflowing to Infinity', url: '/search?q=a&limit=1e400', status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'search negative offset', url: '/search?q=a&offset=-1', status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'search offset past int32', url: '/search?q=a&offset=2147483648', status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'search unknown parameter', url: '/search?q=a&sort=rank', status: 400, code: 'DOCQ_REQUEST_INVALID' },

  { name: 'list limit overflowing to Infinity', url: '/documents?limit=1e400', status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'list limit past int32', url: '/documents?limit=2147483648', status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'list negative limit', url: '/documents?limit=-5', status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'list status with NUL', url: '/documents?status=pending%00', status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'list unknown parameter', url: '/documents?offset=5', status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'NUL in a query parameter no route reads', url: '/queue/stats?x=%00', status: 400, code: 'DOCQ_REQUEST_INVALID' },

  { name: 'multipart without a boundary', method: 'POST', url: '/documents', headers: { 'content-type': 'multipart/form-data' }, payload: valid.payload, status: 400, code: 'DOCQ_UPLOAD_MALFORMED' },
  { name: 'multipart with an empty boundary', method: 'POST', url: '/documents', headers: { 'content-type': 'multipart/form-data; boundary=' }, payload: valid.payload, status: 400, code: 'DOCQ_UPLOAD_NO_FILE' },
  { name: 'multipart with a 300-character boundary', method: 'POST', url: '/documents', headers: { 'content-type': `multipart/form-data; boundary=${'b'.repeat(300)}` }, payload: valid.payload, status: 400, code: 'DOCQ_UPLOAD_MALFORMED' },
  { name: 'multipart truncated in the file', method: 'POST', url: '/documents', headers: valid.headers, payload: `${filePart}some text, then noth`, status: 400, code: 'DOCQ_UPLOAD_MALFORMED' },
  { name: 'multipart truncated in a part header', method: 'POST', url: '/documents', headers: valid.headers, payload: `--${boundary}\r\nContent-Disposition: form-da`, status: 400, code: 'DOCQ_UPLOAD_MALFORMED' },
  { name: 'multipart cut before the closing boundary', method: 'POST', url: '/documents', headers: valid.headers, payload: valid.payload.subarray(0, valid.payload.length - 8), status: 400, code: 'DOCQ_UPLOAD_MALFORMED' },
  { name: 'upload as XML', method: 'POST', url: '/documents', headers: { 'content-type': 'application/xml' }, payload: '<a/>', status: 415, code: 'DOCQ_REQUEST_UNSUPPORTED_TYPE' },
  { name: 'upload as JSON', method: 'POST', url: '/documents', headers: json, payload: '{"file":"x"}', status: 415, code: 'DOCQ_UPLOAD_NOT_MULTIPART' },
  { name: 'upload with a NUL in the Idempotency-Key', method: 'POST', url: '/documents', headers: { ...valid.headers, 'idempotency-key': 'key\u0000' }, payload: valid.payload, status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'upload with a 256-character Idempotency-Key', method: 'POST', url: '/documents', headers: { ...valid.headers, 'idempotency-key': 'k'.repeat(256) }, payload: valid.payload, status: 400, code: 'DOCQ_REQUEST_INVALID' },

  { name: 'reprocess with an array body', method: 'POST', url: `/documents/${id}/reprocess`, headers: json, payload: '[]', status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'reprocess with a string body', method: 'POST', url: `/documents/${id}/reprocess`, headers: json, payload: '"high"', status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'reprocess with a number priority', method: 'POST', url: `/documents/${id}/reprocess`, headers: json, payload: '{"priority":1}', status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'reprocess with an unknown priority', method: 'POST', url: `/documents/${id}/reprocess`, headers: json, payload: '{"priority":"urgent"}', status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'reprocess with an unknown field', method: 'POST', url: `/documents/${id}/reprocess`, headers: json, payload: '{"force":true}', status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'reprocess with invalid JSON', method: 'POST', url: `/documents/${id}/reprocess`, headers: json, payload: '{"priority":', status: 400, code: 'DOCQ_REQUEST_MALFORMED' },
  { name: 'reprocess with a __proto__ key', method: 'POST', url: `/documents/${id}/reprocess`, headers: json, payload: '{"__proto__":{"priority":"high"}}', status: 400, code: 'DOCQ_REQUEST_MALFORMED' },
  { name: 'reprocess with invalid UTF-8 in JSON', method: 'POST', url: `/documents/${id}/reprocess`, headers: json, payload: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'reprocess with a text body', method: 'POST', url: `/documents/${id}/reprocess`, headers: { 'content-type': 'text/plain' }, payload: 'priority=high', status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'reprocess with an XML body', method: 'POST', url: `/documents/${id}/reprocess`, headers: { 'content-type': 'application/xml' }, payload: '<priority/>', status: 415, code: 'DOCQ_REQUEST_UNSUPPORTED_TYPE' },

  { name: 'cron limit past int32', method: 'POST', url: '/cron/process?limit=2147483648', headers: cron, status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'cron limit overflowing to Infinity', method: 'POST', url: '/cron/process?limit=1e400', headers: cron, status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'cron unknown parameter', method: 'POST', url: '/cron/process?force=1', headers: cron, status: 400, code: 'DOCQ_REQUEST_INVALID' },
  { name: 'cron with invalid JSON', method: 'POST', url: '/cron/process', headers: { ...cron, ...json }, payload: '[', status: 400, code: 'DOCQ_REQUEST_MALFORMED' },
  { name: 'health with invalid UTF-8 in the query', url: '/healthz?x=%ff', status: 400, code: 'DOCQ_REQUEST_INVALID' }
]

async function snapshot (): Promise<unknown> {
  const { rows } = await stack.pool.query(`
    select (select count(*) from queue_items)::int as "queueItems", (select count(*) from document_blobs)::int as blobs,
           (select json_agg(json_build_object('id', id, 'status', status, 'version', version, 'updatedAt', updated_at) order by id) from documents) as documents`)
  return { ...rows[0], jobs: await stack.wakeUps.getJobCounts('wait', 'prioritized', 'delayed', 'active') }
}

t.test('every malformed request answers its 4xx with a DOCQ code, changes nothing and logs no error', async (t) => {
  const before = await snapshot()
  for (const c of cases) {
    const response = await app.inject({ method: c.method ?? 'GET', url: c.url, payload: c.payload, headers: { ...auth, ...c.headers } })
    t.equal(response.statusCode, c.status, `${c.name}: status`)
    t.match(response.headers['content-type'], /^application\/json/, `${c.name}: JSON`)
    t.match(response.json(), { statusCode: c.status, code: c.code, error: String, message: String }, `${c.name}: body`)
  }
  t.same(await snapshot(), before, 'no document, queue item, blob or job changed')
  t.same(errorLogs, [], 'nothing was logged as an error')
})

t.test('the same ids in their accepted forms still work', async (t) => {
  const upper = await app.inject({ method: 'GET', url: `/documents/${id.toUpperCase()}`, headers: auth })
  t.equal(upper.statusCode, 200, 'an upper-case UUID is the same id')
  t.equal(upper.json().id, id)
  const page = await app.inject({ method: 'GET', url: `/documents/${id}/chunks?after=2147483647`, headers: auth })
  t.equal(page.statusCode, 200, 'the largest int32 is a valid position')
  t.same(page.json(), { items: [], nextAfter: null })
})

t.test('every route refuses a query parameter it does not know', async (t) => {
  await app.ready()
  type Parameter = { in: string, name: string, required: boolean }
  const paths = (app.swagger() as { paths: Record<string, Record<string, { parameters?: Parameter[] }>> }).paths
  const validBodies: Record<string, unknown> = {
    '/admin/api/documents/{id}/actions': { action: 'retry' },
    '/admin/api/pauses': {},
    '/admin/api/bulk-actions': { action: 'retry', dryRun: true },
    '/admin/api/retention': { completed: null, failed: null, history: null },
    '/webhooks': { url: 'https://example.com/hook' }
  }
  // The admin API with an admin's session and CSRF token, so that the unknown parameter is the only fault.
  const admin = await signedInAs(app, stack.pool, 'bad-requests-admin', 'admin')
  const asAdmin = { cookie: [...admin.cookies].map(([name, value]) => `${name}=${value}`).join('; '), 'x-csrf-token': await admin.csrfToken() }
  const before = await snapshot()
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(item)) {
      // The required parameters are given, so that the unknown one is the only fault.
      const required = (operation.parameters ?? []).filter((p) => p.in === 'query' && p.required).map((p) => `${p.name}=a&`)
      const url = `${path.replace('{id}', id)}?${required.join('')}unknown=1`
      // Fastify checks a body before the query: a route that requires one gets a valid one.
      const body = validBodies[path]
      const response = await app.inject({
        method: method.toUpperCase() as 'GET',
        url,
        headers: { ...(path.startsWith('/admin/') ? asAdmin : auth), ...(path === '/cron/process' ? cron : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        payload: body === undefined ? undefined : JSON.stringify(body)
      })
      t.equal(response.statusCode, 400, `${method.toUpperCase()} ${url}`)
      t.match(response.json(), { code: 'DOCQ_REQUEST_INVALID', message: /unknown/ }, `${method.toUpperCase()} ${url}: names the parameter`)
    }
  }
  t.same(await snapshot(), before, 'nothing changed')
})

t.test('a Postgres data exception that slips past validation answers 400 and is logged as a warning', async (t) => {
  const lines: string[] = []
  const warnings = pino({ level: 'warn' }, new Writable({
    write (chunk, _encoding, done) {
      lines.push(String(chunk))
      done()
    }
  }))
  // A route without a schema stands for a validation gap; the query and the error are real.
  const unguarded = await context.app({ ...stack, logger: warnings })
  unguarded.get('/unguarded/:value', async (request) => {
    await stack.pool.query('select $1::uuid', [(request.params as { value: string }).value])
    return { ok: true }
  })
  const response = await unguarded.inject({ method: 'GET', url: '/unguarded/urn:uuid:0' })
  t.equal(response.statusCode, 400)
  t.same(response.json(), { statusCode: 400, code: 'DOCQ_REQUEST_INVALID', error: 'Bad Request', message: 'a value in the request is malformed or out of range' })
  t.same(lines.map((line) => JSON.parse(line)).map(({ level, msg }) => ({ level, msg })), [{ level: 40, msg: 'a request value reached the database unvalidated' }])
})
