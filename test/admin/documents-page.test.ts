import t, { type Test } from 'tap'
import { COUNT_CAP } from '../../src/admin/documents/documents-json.js'
import type { AdminRole } from '../../src/states.js'
import { FAILURE_CODE, itemStatuses } from '../../src/states.js'
import { AdminClient } from '../helpers/admin-client.js'
import { signedInWithRole } from '../helpers/admin-accounts.js'
import { TestContext } from '../helpers/context.js'
import { ContractChecker } from '../helpers/openapi-contract.js'
import { completedDocument, enqueueOne, failedDocument, newTenant, newUpload } from '../helpers/queue-fixtures.js'

// The documents list, page and JSON, through the whole app: signed-in accounts of each role,
// documents driven through the queue, and the answers checked against the OpenAPI document.
const context = TestContext.create(t)
const stack = await context.stack()
const app = await context.app(stack)
await app.ready()
const contract = new ContractChecker(app.swagger())

async function signedIn (role: AdminRole, tenants: string[] | null = null): Promise<AdminClient> {
  return await signedInWithRole(app, stack.pool, role, tenants)
}

interface ListBody {
  documents: Array<{ id: string, filename: string, tenant: string, status: string }>
  nextCursor: string | null
  counts: Array<{ status: string, count: number, capped: boolean }>
}

const admin = await signedIn('admin')

/** GET /admin/api/documents as `client`, checked against the OpenAPI document. */
async function list (client: AdminClient, query: string, t: Test): Promise<{ statusCode: number, body: ListBody & { code?: string } }> {
  const url = `/admin/api/documents?${query}`
  const response = await client.get(url)
  contract.check(t, 'listAdminDocuments', 'GET', url, response)
  return { statusCode: response.statusCode, body: response.json() }
}

/** Every status's count, as Postgres counts it now. */
async function recount (where: string, params: unknown[]): Promise<Record<string, number>> {
  const { rows } = await stack.pool.query<{ status: string, n: number }>(`
    select d.status, count(*)::int as n from documents d join queue_items q on q.id = d.current_item_id where ${where} group by 1`, params)
  return Object.fromEntries(itemStatuses.map((status) => [status, rows.find((row) => row.status === status)?.n ?? 0]))
}

function countsOf (body: ListBody): Record<string, number> {
  return Object.fromEntries(body.counts.map((count) => [count.status, count.count]))
}

t.test('pagination walks every row exactly once while documents keep arriving', async (t) => {
  const tenant = newTenant()
  // One statement: all 25 share a created_at, so the id alone orders them.
  const initial = await stack.queue.enqueueMany(Array.from({ length: 25 }, () => newUpload({ tenant })))
  const expected = new Set(initial.map((document) => document?.id))
  const seen: string[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const { statusCode, body }: { statusCode: number, body: ListBody } = await list(admin, `tenant=${tenant}&limit=7${cursor === null ? '' : `&after=${cursor}`}`, t)
    t.equal(statusCode, 200)
    seen.push(...body.documents.map((document) => document.id))
    cursor = body.nextCursor
    pages++
    // Newer documents arrive between pages; they belong before the first page, not on a later one.
    await stack.queue.enqueueMany([newUpload({ tenant }), newUpload({ tenant })])
  } while (cursor !== null)
  t.equal(pages, 4)
  t.equal(seen.length, 25, 'no row twice')
  t.same(new Set(seen), expected, 'every row that was there at the start')
})

t.test('counts per status match a recount, exact or capped', async (t) => {
  const tenant = newTenant()
  await completedDocument(stack, { tenant, filename: 'done.txt' })
  await failedDocument(stack, { tenant, filename: 'broken.pdf' }, { message: 'bad xref at 12', code: FAILURE_CODE.corrupt })
  await failedDocument(stack, { tenant, filename: 'locked.pdf' }, { message: 'encrypted with key 9', code: FAILURE_CODE.encrypted })
  await enqueueOne(stack, { tenant, filename: 'waiting.txt' })

  const exact = await list(admin, `tenant=${tenant}&status=completed`, t)
  t.same(countsOf(exact.body), await recount('d.tenant = $1', [tenant]), 'from document_counts: every status, whatever the status filter')
  t.same(exact.body.documents.map((document) => document.filename), ['done.txt'])
  const searched = await list(admin, `tenant=${tenant}&q=.pdf`, t)
  t.same(countsOf(searched.body), await recount('d.tenant = $1 and d.filename ilike \'%.pdf%\'', [tenant]))
  const byCode = await list(admin, `tenant=${tenant}&code=corrupt`, t)
  t.same(countsOf(byCode.body), { pending: 0, in_progress: 0, completed: 0, failed: 1 })
  t.ok(byCode.body.counts.every((count) => !count.capped))
})

t.test('a count over the cap stops there and says so', async (t) => {
  const tenant = newTenant()
  await stack.pool.query(`
    with d as (
      insert into documents (id, tenant, filename, media_type, size, sha256, status, operation, priority, current_item_id)
      select gen_random_uuid(), $1, 'bulk-' || i || '.txt', 'text/plain', 1, 'x', 'pending', 'process', 2, gen_random_uuid() from generate_series(1, $2::int) i
      returning id, current_item_id)
    insert into queue_items (id, document_id, operation, priority, status, max_attempts)
    select current_item_id, id, 'process', 2, 'pending', 3 from d`, [tenant, COUNT_CAP + 1])
  const capped = await list(admin, `tenant=${tenant}&priority=normal&limit=1`, t)
  t.same(capped.body.counts.find((count) => count.status === 'pending'), { status: 'pending', count: COUNT_CAP, capped: true })
  t.same(capped.body.counts.find((count) => count.status === 'failed'), { status: 'failed', count: 0, capped: false })
  const exact = await list(admin, `tenant=${tenant}&limit=1`, t)
  t.same(exact.body.counts.find((count) => count.status === 'pending'), { status: 'pending', count: COUNT_CAP + 1, capped: false }, 'exact counts are not capped')
  const page = await admin.get(`/admin/documents?tenant=${tenant}&priority=normal&limit=25`)
  t.match(page.body, new RegExp(`pending <span class="count">${COUNT_CAP.toLocaleString('en-US')}\\+</span>`))
  t.match(page.body, /completed <span class="count">0<\/span>/)
})

t.test('a hostile file name and error text render as text', async (t) => {
  const tenant = newTenant()
  const document = await failedDocument(stack, { tenant, filename: '<img src=x onerror=alert(1)>.txt' },
    { message: '<script>alert("boom")</script> & <b>bold</b>', code: FAILURE_CODE.corrupt })
  const page = await admin.get(`/admin/documents?tenant=${tenant}`)
  t.equal(page.statusCode, 200)
  t.notOk(page.body.includes('<img src=x'), 'no image element from the file name')
  t.notOk(page.body.includes('<script>alert'), 'no script element from the error')
  t.notOk(page.body.includes('<b>bold'), 'no markup from the error')
  t.match(page.body, `<a href="/admin/documents/${document.id}">&lt;img src=x onerror=alert(1)&gt;.txt</a>`)
  t.match(page.body, '&lt;script&gt;alert(&quot;boom&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;')
  t.match(page.body, 'aria-label="Select &lt;img src=x onerror=alert(1)&gt;.txt"')
})

t.test('bad parameters are refused with 400 and change nothing', async (t) => {
  for (const query of [
    'colour=red', 'status=done', 'priority=urgent', 'kind=x', 'code=x', 'operation=x', 'from=2026-02-30', 'to=yesterday',
    'from=2026-01-01T25:00:00Z', 'q=ab', `q=${'x'.repeat(201)}`, 'limit=0', 'limit=201', 'limit=ten', 'after=nonsense',
    'status=failed&status=pending', 'tenant=a%20b', `after=${Buffer.from('["2026-01-01 00:00:00+00","not-a-uuid"]').toString('base64url')}`
  ]) {
    const { statusCode, body } = await list(admin, query, t)
    t.equal(statusCode, 400, query)
    t.equal(body.code, 'DOCQ_REQUEST_INVALID', query)
    const page = await admin.get(`/admin/documents?${query}`)
    t.equal(page.statusCode, 400, `the page: ${query}`)
  }
})

t.test('blank form fields mean any value', async (t) => {
  const tenant = newTenant()
  await enqueueOne(stack, { tenant })
  const { statusCode, body } = await list(admin, `tenant=${tenant}&status=&operation=&priority=&kind=&code=&from=&to=&q=&group=&after=`, t)
  t.equal(statusCode, 200)
  t.equal(body.documents.length, 1)
})

t.test('empty states say why nothing is listed', async (t) => {
  const none = await admin.get(`/admin/documents?tenant=${newTenant()}`)
  t.match(none.body, 'No documents match this filter.')
  t.notMatch(none.body, '<table class="documents')
  const empty = await (await signedIn('viewer', [newTenant()])).get('/admin/documents')
  t.match(empty.body, 'No documents yet.')
})

t.test('a viewer sees no selection or action; an operator no delete; an admin all four', async (t) => {
  const tenant = newTenant()
  await failedDocument(stack, { tenant }, { message: 'broken', code: FAILURE_CODE.corrupt })
  const url = `/admin/documents?tenant=${tenant}&status=failed`
  const viewer = await (await signedIn('viewer')).get(url)
  t.equal(viewer.statusCode, 200)
  t.notMatch(viewer.body, 'name="action"')
  t.notMatch(viewer.body, 'name="id"')
  t.notMatch(viewer.body, '/admin/bulk/new')
  const operator = await (await signedIn('operator')).get(url)
  for (const action of ['retry', 'reprocess', 'cancel']) {
    t.match(operator.body, `<button type="submit" name="action" value="${action}"`)
    t.match(operator.body, `href="/admin/bulk/new?action=${action}&amp;status=failed&amp;tenant=${tenant}"`)
  }
  t.notMatch(operator.body, 'value="delete"')
  t.notMatch(operator.body, 'action=delete')
  t.match(operator.body, '<form id="bulk-selection" method="get" action="/admin/bulk/new">')
  t.match(operator.body, /<input type="checkbox" name="id" value="[0-9a-f-]{36}"/)
  const everything = await admin.get(url)
  t.match(everything.body, 'name="action" value="delete"')
  t.match(everything.body, '<script type="module" src="/admin/static/select-rows.js"></script>', 'the selection script')
  t.match(everything.body, `href="/admin/bulk/new?action=delete&amp;status=failed&amp;tenant=${tenant}"`)
})

t.test('a tenant-limited account sees only its tenants, whatever it asks for', async (t) => {
  const mine = newTenant()
  const theirs = newTenant()
  await enqueueOne(stack, { tenant: mine, filename: 'mine.txt' })
  await enqueueOne(stack, { tenant: theirs, filename: 'theirs.txt' })
  const limited = await signedIn('admin', [mine])
  const all = await list(limited, 'limit=200', t)
  t.same(new Set(all.body.documents.map((document) => document.tenant)), new Set([mine]))
  t.same(countsOf(all.body), await recount('d.tenant = $1', [mine]))
  const asked = await list(limited, `tenant=${theirs}`, t)
  t.same(asked.body.documents, [])
  t.same(countsOf(asked.body), { pending: 0, in_progress: 0, completed: 0, failed: 0 })
  const searched = await list(limited, 'q=theirs', t)
  t.same(searched.body.documents, [])
  const page = await limited.get(`/admin/documents?tenant=${theirs}`)
  t.notMatch(page.body, 'theirs.txt')
  t.match(page.body, `<option value="${mine}">`, 'the tenant choice lists its own tenants')
  t.notMatch(page.body, `<option value="${theirs}"`)
})

t.test('without a session the page redirects to the login and the JSON answers 401', async (t) => {
  const anonymous = new AdminClient(app)
  const page = await anonymous.get('/admin/documents?status=failed')
  t.equal(page.statusCode, 303)
  const { statusCode, body } = await list(anonymous, 'status=failed', t)
  t.equal(statusCode, 401)
  t.equal(body.code, 'DOCQ_ADMIN_AUTH_REQUIRED')
})
