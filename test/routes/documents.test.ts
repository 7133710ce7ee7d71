import { createHash } from 'node:crypto'
import t from 'tap'
import { TestContext } from '../helpers/context.js'
import { multipart, upload } from '../helpers/http.js'

const context = TestContext.create(t, { UPLOAD_MAX_BYTES: String(64 * 1024) })
const stack = await context.stack()
const app = await context.app(stack)
const { key } = await stack.apiKeys.create('acme')
const auth = { authorization: `Bearer ${key}` }

async function countRows (table: 'documents' | 'queue_items' | 'document_blobs'): Promise<number> {
  const { rows } = await stack.pool.query<{ count: number }>(`select count(*)::int as count from ${table}`)
  return rows[0].count
}

t.test('POST /documents answers 202 pending and stores the row, the bytes, the item and the BullMQ job', async (t) => {
  const text = 'Hello docqueue. This is a small text document.'
  const response = await upload(app, key, text, { filename: 'hello.txt', priority: 'high' })
  t.equal(response.statusCode, 202)
  const body = response.json()
  t.equal(response.headers.location, `/documents/${body.id}`)
  t.match(body, {
    filename: 'hello.txt',
    status: 'pending',
    priority: 'high',
    operation: 'process',
    attempts: 0,
    version: 0,
    size: Buffer.byteLength(text),
    sha256: createHash('sha256').update(text).digest('hex'),
    mediaType: 'text/plain',
    declaredType: 'text/plain'
  })

  const { rows: [row] } = await stack.pool.query(
    `select d.status, d.tenant, q.id as item_id, q.status as item_status, q.operation, q.priority, b.bytes
       from documents d join queue_items q on q.id = d.current_item_id join document_blobs b on b.document_id = d.id
      where d.id = $1`, [body.id])
  t.same({ status: row.status, tenant: row.tenant, itemStatus: row.item_status, operation: row.operation, priority: row.priority },
    { status: 'pending', tenant: 'acme', itemStatus: 'pending', operation: 'process', priority: 1 })
  t.equal(row.bytes.toString(), text)

  const job = await stack.wakeUps.getJob(row.item_id)
  t.ok(job, 'the wake-up job exists')
  t.same(job?.data, { itemId: row.item_id, documentId: body.id })
  t.equal(job?.opts.priority, 1)
})

t.test('GET /documents/:id returns the document; unknown ids are 404 and malformed ids 400', async (t) => {
  const created = (await upload(app, key, 'some words here')).json()
  const found = await app.inject({ method: 'GET', url: `/documents/${created.id}`, headers: auth })
  t.equal(found.statusCode, 200)
  t.equal(found.json().id, created.id)

  const unknown = await app.inject({ method: 'GET', url: '/documents/6f1f7c1e-8a8c-4a57-9d7e-3c0e2b1a9f00', headers: auth })
  t.equal(unknown.statusCode, 404)
  t.equal(unknown.json().code, 'DOCQ_DOCUMENT_NOT_FOUND')

  const malformed = await app.inject({ method: 'GET', url: '/documents/not-a-uuid', headers: auth })
  t.equal(malformed.statusCode, 400)
  t.equal(malformed.json().code, 'DOCQ_REQUEST_INVALID')
})

t.test('bad uploads are refused with a clear code and write nothing', async (t) => {
  const before = await Promise.all([countRows('documents'), countRows('queue_items'), countRows('document_blobs')])
  const jobsBefore = await stack.wakeUps.getJobCounts()

  const noFile = multipart([{ name: 'priority', value: 'high' }])
  const cases = [
    { name: 'no file part', request: { payload: noFile.payload, headers: noFile.headers }, status: 400, code: 'DOCQ_UPLOAD_NO_FILE' },
    { name: 'empty file', response: await upload(app, key, ''), status: 400, code: 'DOCQ_UPLOAD_EMPTY' },
    { name: 'file over UPLOAD_MAX_BYTES', response: await upload(app, key, Buffer.alloc(64 * 1024 + 1, 'a')), status: 413, code: 'DOCQ_UPLOAD_TOO_LARGE' },
    { name: 'huge declared length', request: { payload: 'x', headers: { 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(10 * 1024 * 1024) } }, status: 413, code: 'DOCQ_UPLOAD_TOO_LARGE' },
    { name: 'bad priority', response: await upload(app, key, 'text', { priority: 'urgent' }), status: 400, code: 'DOCQ_REQUEST_INVALID' },
    { name: 'not multipart', request: { payload: { file: 'x' }, headers: {} }, status: 415, code: 'DOCQ_UPLOAD_NOT_MULTIPART' },
    {
      name: 'two files',
      request: multipart([{ name: 'file', value: 'a', filename: 'a.txt' }, { name: 'file', value: 'b', filename: 'b.txt' }]),
      status: 400,
      code: 'DOCQ_UPLOAD_TOO_MANY_FILES'
    }
  ]
  for (const c of cases) {
    const response = c.response ?? await app.inject({ method: 'POST', url: '/documents', payload: c.request?.payload, headers: { ...c.request?.headers, ...auth } })
    t.equal(response.statusCode, c.status, `${c.name}: status`)
    const body = response.json()
    t.equal(body.code, c.code, `${c.name}: code`)
    t.equal(body.statusCode, c.status, `${c.name}: statusCode in body`)
  }

  t.same(await Promise.all([countRows('documents'), countRows('queue_items'), countRows('document_blobs')]), before, 'no rows written')
  t.same(await stack.wakeUps.getJobCounts(), jobsBefore, 'no jobs added')
})

t.test('hostile filenames are stored as a sanitised display name only', async (t) => {
  const cases: Array<[string, string]> = [
    ['../../etc/passwd', 'passwd'],
    ['C:\\Windows\\evil.txt', 'evil.txt'],
    ['\u202Egpj.exe', 'gpj.exe'],
    ['a'.repeat(1000) + '.txt', 'a'.repeat(255)]
  ]
  for (const [raw, expected] of cases) {
    const response = await upload(app, key, 'content', { filename: raw })
    t.equal(response.statusCode, 202)
    t.equal(response.json().filename, expected, JSON.stringify(raw.slice(0, 20)))
  }
})

t.test('GET /documents lists newest first with a cursor and a status filter', async (t) => {
  const other = await stack.apiKeys.create('lister')
  const headers = { authorization: `Bearer ${other.key}` }
  const ids: string[] = []
  for (let i = 0; i < 5; i++) ids.push((await upload(app, other.key, `document ${i}`)).json().id)

  const first = await app.inject({ method: 'GET', url: '/documents?limit=2', headers })
  t.equal(first.statusCode, 200)
  t.same(first.json().items.map((d: { id: string }) => d.id), [ids[4], ids[3]])
  const second = await app.inject({ method: 'GET', url: `/documents?limit=2&cursor=${first.json().nextCursor}`, headers })
  t.same(second.json().items.map((d: { id: string }) => d.id), [ids[2], ids[1]])
  const third = await app.inject({ method: 'GET', url: `/documents?limit=2&cursor=${second.json().nextCursor}`, headers })
  t.same(third.json().items.map((d: { id: string }) => d.id), [ids[0]])
  t.equal(third.json().nextCursor, null)

  const completed = await app.inject({ method: 'GET', url: '/documents?status=completed', headers })
  t.same(completed.json().items, [], 'nothing of this tenant is completed')
  const pending = await app.inject({ method: 'GET', url: '/documents?status=pending&limit=100', headers })
  t.equal(pending.json().items.length, 5)

  for (const url of ['/documents?limit=101', '/documents?status=done', '/documents?cursor=garbage']) {
    const bad = await app.inject({ method: 'GET', url, headers })
    t.equal(bad.statusCode, 400, url)
    t.equal(bad.json().code, 'DOCQ_REQUEST_INVALID', url)
  }
})

t.test('POST /documents/:id/reprocess is 409 while pending and 404 for unknown ids', async (t) => {
  const created = (await upload(app, key, 'reprocess me')).json()
  const busy = await app.inject({ method: 'POST', url: `/documents/${created.id}/reprocess`, headers: auth })
  t.equal(busy.statusCode, 409)
  t.equal(busy.json().code, 'DOCQ_DOCUMENT_BUSY')
  const { rows } = await stack.pool.query('select count(*)::int as n from queue_items where document_id = $1', [created.id])
  t.equal(rows[0].n, 1, 'no second item')

  const missing = await app.inject({ method: 'POST', url: '/documents/6f1f7c1e-8a8c-4a57-9d7e-3c0e2b1a9f00/reprocess', headers: auth })
  t.equal(missing.statusCode, 404)
  const badPriority = await app.inject({ method: 'POST', url: `/documents/${created.id}/reprocess`, headers: auth, payload: { priority: 'urgent' } })
  t.equal(badPriority.statusCode, 400)
})

t.test('DELETE /documents/:id removes the document, its bytes, items and pending job', async (t) => {
  const created = (await upload(app, key, 'delete me')).json()
  const { rows: [{ itemId }] } = await stack.pool.query('select current_item_id as "itemId" from documents where id = $1', [created.id])
  t.ok(await stack.wakeUps.getJob(itemId), 'job exists before')

  const response = await app.inject({ method: 'DELETE', url: `/documents/${created.id}`, headers: auth })
  t.equal(response.statusCode, 204)
  t.equal(response.body, '')
  const { rows } = await stack.pool.query(`
    select (select count(*) from documents where id = $1)::int as documents,
           (select count(*) from document_blobs where document_id = $1)::int as blobs,
           (select count(*) from queue_items where document_id = $1)::int as items`, [created.id])
  t.same(rows[0], { documents: 0, blobs: 0, items: 0 })
  t.equal(await stack.wakeUps.getJob(itemId), undefined, 'job removed')

  const again = await app.inject({ method: 'DELETE', url: `/documents/${created.id}`, headers: auth })
  t.equal(again.statusCode, 404)
})

t.test('every document route needs a valid API key', async (t) => {
  const routes = [
    { method: 'GET' as const, url: '/documents' },
    { method: 'GET' as const, url: '/documents/6f1f7c1e-8a8c-4a57-9d7e-3c0e2b1a9f00' },
    { method: 'POST' as const, url: '/documents' },
    { method: 'GET' as const, url: '/queue/stats' }
  ]
  for (const route of routes) {
    const missing = await app.inject(route)
    t.equal(missing.statusCode, 401, `${route.method} ${route.url} without key`)
    t.equal(missing.json().code, 'DOCQ_AUTH_MISSING')
    const wrong = await app.inject({ ...route, headers: { authorization: 'Bearer dq_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } })
    t.equal(wrong.statusCode, 401)
    t.equal(wrong.json().code, 'DOCQ_AUTH_INVALID')
  }
  const revoked = await stack.apiKeys.create('gone')
  await stack.apiKeys.revoke(revoked.id)
  const response = await app.inject({ method: 'GET', url: '/documents', headers: { authorization: `Bearer ${revoked.key}` } })
  t.equal(response.statusCode, 401, 'a revoked key is refused')
})

t.test('a tenant sees and changes only its own documents and stats', async (t) => {
  const alice = await stack.apiKeys.create('alice')
  const bob = await stack.apiKeys.create('bob')
  const doc = (await upload(app, alice.key, 'alice private text')).json()
  const asBob = { authorization: `Bearer ${bob.key}` }

  for (const request of [
    { method: 'GET' as const, url: `/documents/${doc.id}` },
    { method: 'POST' as const, url: `/documents/${doc.id}/reprocess` },
    { method: 'DELETE' as const, url: `/documents/${doc.id}` }
  ]) {
    const response = await app.inject({ ...request, headers: asBob })
    t.equal(response.statusCode, 404, `${request.method} ${request.url} as another tenant`)
  }
  const list = await app.inject({ method: 'GET', url: '/documents', headers: asBob })
  t.same(list.json().items, [])
  const stats = await app.inject({ method: 'GET', url: '/queue/stats', headers: asBob })
  t.same(stats.json(), { pending: 0, inProgress: 0, completed: 0, failed: 0, retrying: 0, failedByKind: {}, oldestPendingAgeSeconds: null, oldestInProgressAgeSeconds: null })
  const aliceStats = await app.inject({ method: 'GET', url: '/queue/stats', headers: { authorization: `Bearer ${alice.key}` } })
  t.equal(aliceStats.json().pending, 1)
  // `null >= 0` is true as well: the age must be a number once a document waits.
  t.type(aliceStats.json().oldestPendingAgeSeconds, 'number', 'the waiting document has an age')
  t.ok(aliceStats.json().oldestPendingAgeSeconds >= 0)
  const { rows } = await stack.pool.query('select status from documents where id = $1', [doc.id])
  t.equal(rows[0].status, 'pending', 'still there, unchanged')
})

t.test('an unknown route answers 404 with a code', async (t) => {
  const response = await app.inject({ method: 'GET', url: '/nope' })
  t.equal(response.statusCode, 404)
  t.equal(response.json().code, 'DOCQ_ROUTE_NOT_FOUND')
})

t.test('concurrent uploads are stored together, each once, and share an idempotency key correctly', async (t) => {
  const tenant = await stack.apiKeys.create('burst')
  const responses = await Promise.all([
    ...Array.from({ length: 20 }, async (_, i) => await upload(app, tenant.key, `burst document ${i}`)),
    upload(app, tenant.key, 'same key', { headers: { 'idempotency-key': 'burst-key' } }),
    upload(app, tenant.key, 'same key', { headers: { 'idempotency-key': 'burst-key' } })
  ])
  t.ok(responses.every((r) => r.statusCode === 202), 'all accepted')
  const ids = responses.map((r) => r.json().id)
  t.equal(new Set(ids.slice(0, 20)).size, 20, 'twenty distinct documents')
  t.equal(ids[20], ids[21], 'the retried upload returns the first document')
  const { rows } = await stack.pool.query(`
    select count(*)::int as documents, count(b.document_id)::int as blobs, count(q.id)::int as items
      from documents d left join document_blobs b on b.document_id = d.id left join queue_items q on q.document_id = d.id
     where d.tenant = 'burst'`)
  t.same(rows[0], { documents: 21, blobs: 21, items: 21 })
  const texts = await Promise.all(ids.slice(0, 20).map(async (id) => {
    const { rows } = await stack.pool.query('select b.bytes from document_blobs b where b.document_id = $1', [id])
    return rows[0].bytes.toString()
  }))
  t.same(texts, Array.from({ length: 20 }, (_, i) => `burst document ${i}`), 'each document has its own bytes')
})
