import t, { type Test } from 'tap'
import type { DocumentRecord } from '../../src/db/documents.js'
import type { AdminRole } from '../../src/states.js'
import { FAILURE_CODE } from '../../src/states.js'
import { AdminClient } from '../helpers/admin-client.js'
import { signedInWithRole } from '../helpers/admin-accounts.js'
import { TestContext } from '../helpers/context.js'
import { ContractChecker } from '../helpers/openapi-contract.js'
import { failedDocument, newTenant } from '../helpers/queue-fixtures.js'

// The failures page and GET /admin/api/failures through the whole app, on documents failed
// through the queue, checked against the OpenAPI document.
const context = TestContext.create(t)
const stack = await context.stack()
const app = await context.app(stack)
await app.ready()
const contract = new ContractChecker(app.swagger())

async function signedIn (role: AdminRole, tenants: string[] | null = null): Promise<AdminClient> {
  return await signedInWithRole(app, stack.pool, role, tenants)
}

interface Group {
  code: string | null
  group: string | null
  count: number
  firstSeenAt: string
  lastSeenAt: string
  sample: { documentId: string, tenant: string, filename: string, message: string | null }
}
interface FailuresBody { groups: Group[], scanned: number, truncated: boolean, moreGroups: boolean, code?: string }

async function failures (client: AdminClient, query: string, t: Test): Promise<{ statusCode: number, body: FailuresBody }> {
  const url = `/admin/api/failures?${query}`
  const response = await client.get(url)
  contract.check(t, 'listAdminFailures', 'GET', url, response)
  return { statusCode: response.statusCode, body: response.json() }
}

const admin = await signedIn('admin')
const tenant = newTenant()
const corrupt: DocumentRecord[] = []
for (const [offset, name] of [[12, 'a.pdf'], [3456, 'b.pdf'], [789, 'c d.pdf']] as const) {
  corrupt.push(await failedDocument(stack, { tenant, filename: name }, { message: `bad xref at offset ${offset} in "${name}"`, code: FAILURE_CODE.corrupt }))
}
for (const id of ['1b4e28ba-2fa1-11d2-883f-0016d3cca427', '6fa459ea-ee8a-3ca4-894e-db77e160355e']) {
  await failedDocument(stack, { tenant, filename: `${id}.docx` }, { message: `document ${id} is encrypted`, code: FAILURE_CODE.encrypted })
}
// The same message under another code is another group.
await failedDocument(stack, { tenant, filename: 'other.pdf' }, { message: 'bad xref at offset 1 in "z.pdf"', code: FAILURE_CODE.internal })
// A failed document that was reprocessed since is no failure any more.
const reprocessed = await failedDocument(stack, { tenant, filename: 'again.pdf' }, { message: 'bad xref at offset 5 in "again.pdf"', code: FAILURE_CODE.corrupt })
if (await stack.queue.enqueue(tenant, reprocessed.id) === undefined) throw new Error('the reprocess was refused')

t.test('failed documents are grouped by code and normalised message, largest first', async (t) => {
  const { statusCode, body } = await failures(admin, `tenant=${tenant}`, t)
  t.equal(statusCode, 200)
  t.equal(body.scanned, 6)
  t.equal(body.truncated, false)
  t.same(body.groups.map((group) => [group.code, group.group, group.count]), [
    ['corrupt', 'bad xref at offset <n> in <quoted>', 3],
    ['encrypted', 'document <uuid> is encrypted', 2],
    ['internal', 'bad xref at offset <n> in <quoted>', 1]
  ])
  const [largest] = body.groups
  const { rows } = await stack.pool.query<{ first: Date, last: Date }>(
    'select min(updated_at) as first, max(updated_at) as last from documents where id = any($1::uuid[])', [corrupt.map((document) => document.id)])
  t.equal(largest.firstSeenAt, rows[0].first.toISOString())
  t.equal(largest.lastSeenAt, rows[0].last.toISOString())
  t.same(largest.sample, { documentId: corrupt[2].id, tenant, filename: 'c d.pdf', message: 'bad xref at offset 789 in "c d.pdf"' }, 'the latest failure')
})

t.test('a group links to the list of its documents, which holds exactly them', async (t) => {
  const page = await admin.get(`/admin/failures?tenant=${tenant}`)
  t.equal(page.statusCode, 200)
  const href = `/admin/documents?status=failed&amp;tenant=${tenant}&amp;code=corrupt&amp;group=bad+xref+at+offset+%3Cn%3E+in+%3Cquoted%3E`
  t.match(page.body, `<a href="${href}">Show documents</a>`)
  const list = await admin.get(`/admin/api/documents?${href.replaceAll('&amp;', '&').split('?')[1]}`)
  t.equal(list.statusCode, 200)
  t.same(list.json().documents.map((document: { id: string }) => document.id).sort(), corrupt.map((document) => document.id).sort())
})

t.test('"Retry this group" is offered to operators and admins, not viewers', async (t) => {
  const retry = `href="/admin/bulk/new?action=retry&amp;status=failed&amp;tenant=${tenant}&amp;code=encrypted&amp;group=document+%3Cuuid%3E+is+encrypted">Retry this group</a>`
  t.match((await (await signedIn('operator')).get(`/admin/failures?tenant=${tenant}`)).body, retry)
  t.match((await admin.get(`/admin/failures?tenant=${tenant}`)).body, retry)
  const viewer = await (await signedIn('viewer')).get(`/admin/failures?tenant=${tenant}`)
  t.equal(viewer.statusCode, 200)
  t.notMatch(viewer.body, 'Retry this group')
  t.notMatch(viewer.body, '/admin/bulk/new')
  t.match(viewer.body, 'Show documents', 'but it can read the groups')
})

t.test('the time window leaves out older failures', async (t) => {
  const windowed = newTenant()
  const old = await failedDocument(stack, { tenant: windowed, filename: 'old.txt' }, { message: 'limit of 10 pages exceeded', code: FAILURE_CODE.limitExceeded })
  await failedDocument(stack, { tenant: windowed, filename: 'new.txt' }, { message: 'limit of 20 pages exceeded', code: FAILURE_CODE.limitExceeded })
  // When a document failed is when the statement that failed it last wrote the document.
  await stack.pool.query('update documents set updated_at = now() - interval \'2 days\' where id = $1', [old.id])
  t.same((await failures(admin, `tenant=${windowed}&window=7d`, t)).body.groups.map((group) => group.count), [2])
  const recent = await failures(admin, `tenant=${windowed}&window=24h`, t)
  t.same(recent.body.groups.map((group) => [group.group, group.count]), [['limit of <n> pages exceeded', 1]])
  t.equal(recent.body.scanned, 1)
})

t.test('a tenant-limited account sees only its tenants\' failures', async (t) => {
  const mine = newTenant()
  await failedDocument(stack, { tenant: mine, filename: 'mine.txt' }, { message: 'mine failed', code: FAILURE_CODE.corrupt })
  const limited = await signedIn('operator', [mine])
  const all = await failures(limited, '', t)
  t.same(all.body.groups.map((group) => [group.sample.tenant, group.group]), [[mine, 'mine failed']])
  const asked = await failures(limited, `tenant=${tenant}`, t)
  t.same(asked.body.groups, [], 'asking for another tenant finds nothing')
  const page = await limited.get(`/admin/failures?tenant=${tenant}`)
  t.match(page.body, 'No failed documents match this filter.')
  t.notMatch(page.body, 'bad xref')
})

t.test('a hostile file name and error message render as text', async (t) => {
  const hostile = newTenant()
  await failedDocument(stack, { tenant: hostile, filename: '<img src=x onerror=alert(1)>.txt' }, { message: '<script>alert(1)</script> in <b>here</b>', code: FAILURE_CODE.corrupt })
  const page = await admin.get(`/admin/failures?tenant=${hostile}`)
  t.equal(page.statusCode, 200)
  t.notOk(page.body.includes('<img src=x'))
  t.notOk(page.body.includes('<script>alert'))
  t.notOk(page.body.includes('<b>here'))
  t.match(page.body, '&lt;img src=x onerror=alert(1)&gt;.txt')
  t.match(page.body, '&lt;script&gt;alert(&lt;n&gt;)&lt;/script&gt; in &lt;b&gt;here&lt;/b&gt;', 'the group')
})

t.test('bad parameters are refused with 400', async (t) => {
  for (const query of ['window=2h', 'colour=red', 'tenant=a%20b', 'status=failed', 'window=1h&window=24h']) {
    const { statusCode, body } = await failures(admin, query, t)
    t.equal(statusCode, 400, query)
    t.equal(body.code, 'DOCQ_REQUEST_INVALID', query)
    t.equal((await admin.get(`/admin/failures?${query}`)).statusCode, 400, `the page: ${query}`)
  }
  t.equal((await failures(admin, 'tenant=&window=', t)).statusCode, 200, 'blank fields mean any')
})

t.test('no failures, no table', async (t) => {
  const page = await admin.get(`/admin/failures?tenant=${newTenant()}`)
  t.match(page.body, 'No failed documents match this filter.')
  t.notMatch(page.body, '<table class="documents groups')
  const anonymous = await failures(new AdminClient(app), '', t)
  t.equal(anonymous.statusCode, 401)
})
