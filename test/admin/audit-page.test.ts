import { randomUUID } from 'node:crypto'
import t from 'tap'
import { AdminAccounts } from '../../src/admin/admin-accounts.js'
import { recordAudit, type AuditEntry } from '../../src/admin/admin-audit.js'
import { AdminClient } from '../helpers/admin-client.js'
import { TestContext } from '../helpers/context.js'
import { ContractChecker } from '../helpers/openapi-contract.js'

// The audit log page and its JSON twin, over app.inject against a real Postgres: filters,
// keyset pages, escaping, who reads what, and the documented contract.
const context = TestContext.create(t)
const stack = await context.stack()
const app = await context.app(stack)
const accounts = new AdminAccounts(stack.pool)
await app.ready()
const contract = new ContractChecker(app.swagger())

async function signedIn (name: string, role: 'viewer' | 'operator' | 'admin', tenants: string[] | null = null): Promise<{ client: AdminClient, accountId: string }> {
  const { password } = await accounts.create({ name, role, tenants })
  const client = new AdminClient(app)
  // No assertion here: at the top level, before any subtest, tap would take it as the file's end.
  if ((await client.login(name, password)).statusCode !== 303) throw new Error(`${name} could not sign in`)
  const { rows } = await stack.pool.query<{ id: string }>('select id::text as id from admin_accounts where name = $1', [name])
  return { client, accountId: rows[0].id }
}

/** Entries written in one transaction share their `at`: the cursor must still order them. */
async function recordTogether (entries: AuditEntry[]): Promise<void> {
  const client = await stack.pool.connect()
  try {
    await client.query('begin')
    for (const entry of entries) await recordAudit(client, entry)
    await client.query('commit')
  } finally {
    client.release()
  }
}

interface EntryJson { id: string, accountName: string, action: string, reason: string | null, targetDocumentIds: string[], targetDocumentCount: number }

const admin = await signedIn('chief', 'admin')
const viewer = await signedIn('reader', 'viewer')
const limited = await signedIn('tenant-a-ops', 'operator', ['tenant-a'])
const hostileName = '<img src=x onerror=alert(1)>'
const hostileReason = '</td><script>alert("reason")</script>&'
const documentIds = Array.from({ length: 7 }, () => randomUUID())
await recordTogether([
  { accountId: admin.accountId, accountName: 'chief', action: 'bulk.retry', targetFilter: { status: 'failed', tenant: 'a&b' }, affected: 12, reason: hostileReason, address: '10.0.0.1' },
  { accountId: null, accountName: hostileName, action: 'login.failed', address: '10.0.0.2' },
  { accountId: admin.accountId, accountName: 'chief', action: 'document.delete', targetItemIds: documentIds, affected: 7, address: '10.0.0.1' },
  { accountId: limited.accountId, accountName: 'tenant-a-ops', action: 'document.retry', targetItemIds: documentIds.slice(0, 1), affected: 1, reason: 'stuck', address: '10.0.0.3' }
])

async function json (client: AdminClient, url: string, operationId = 'getAdminAudit'): Promise<{ statusCode: number, body: any }> {
  const response = await client.get(url)
  contract.check(t, operationId, 'GET', url, response)
  return { statusCode: response.statusCode, body: response.json() }
}

t.test('an admin of every tenant reads every entry, newest first, with targets and reasons', async (t) => {
  const { statusCode, body } = await json(admin.client, '/admin/api/audit')
  t.equal(statusCode, 200)
  const actions = (body.entries as EntryJson[]).map((entry) => entry.action)
  for (const action of ['bulk.retry', 'login.failed', 'document.delete', 'document.retry', 'login.succeeded']) t.ok(actions.includes(action), action)
  t.equal(body.nextCursor, null, 'one page holds them all')
  const ids = (body.entries as EntryJson[]).map((entry) => BigInt(entry.id))
  t.same(ids, [...ids].sort((a, b) => (a > b ? -1 : 1)), 'newest first: written in order, so ids decrease')
  const deletion = (body.entries as EntryJson[]).find((entry) => entry.action === 'document.delete')
  t.same(deletion?.targetDocumentIds, documentIds)
  t.equal(deletion?.targetDocumentCount, 7)
})

t.test('filters by account, action and day, in the page and the JSON alike', async (t) => {
  const byAction = await json(admin.client, '/admin/api/audit?action=login.failed')
  t.same((byAction.body.entries as EntryJson[]).map((entry) => entry.accountName), [hostileName])
  const byAccount = await json(admin.client, '/admin/api/audit?account=tenant-a-ops')
  t.same((byAccount.body.entries as EntryJson[]).map((entry) => entry.action).sort(), ['document.retry', 'login.succeeded'])
  const today = new Date().toISOString().slice(0, 10)
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)
  t.ok((await json(admin.client, `/admin/api/audit?from=${today}&to=${today}`)).body.entries.length >= 5, 'today holds the entries')
  t.same((await json(admin.client, `/admin/api/audit?from=${tomorrow}`)).body.entries, [], 'none from tomorrow on')
  t.same((await json(admin.client, '/admin/api/audit?to=2000-01-01T00:00:00Z')).body.entries, [], 'none up to a moment long past')
  const page = await admin.client.get('/admin/audit?account=&action=login.failed&from=&to=')
  t.equal(page.statusCode, 200, 'empty fields of the form are no filter')
  t.match(page.body, 'login.failed')
  t.notMatch(page.body, 'bulk.retry')
  t.match(page.body, 'name="action" value="login.failed"', 'the form shows the filter it applied')
})

t.test('keyset pages walk every entry once, entries of one transaction included', async (t) => {
  const { rows } = await stack.pool.query<{ n: string }>('select count(*)::text as n from admin_audit')
  const seen: string[] = []
  let url = '/admin/api/audit?limit=2'
  for (let pages = 0; pages < 20; pages++) {
    const { body } = await json(admin.client, url)
    seen.push(...(body.entries as EntryJson[]).map((entry) => entry.id))
    if (body.nextCursor === null) break
    url = `/admin/api/audit?limit=2&after=${encodeURIComponent(body.nextCursor as string)}`
  }
  t.equal(seen.length, Number(rows[0].n), 'every entry')
  t.equal(new Set(seen).size, seen.length, 'none twice')

  const first = await admin.client.get('/admin/audit?limit=2&action=document.delete')
  t.notMatch(first.body, 'rel="next"', 'a filter with one entry has one page')
  const paged = await admin.client.get('/admin/audit?limit=2')
  const next = /<a href="([^"]+)" rel="next">/.exec(paged.body)
  t.ok(next, 'the page links to older entries')
  t.match(next?.[1], /^\/admin\/audit\?limit=2&amp;after=/, 'keeping the page size')
  const older = await admin.client.get((next?.[1] ?? '').replaceAll('&amp;', '&'))
  t.equal(older.statusCode, 200)
  t.match(older.body, 'Newest entries', 'and back to the newest')
})

t.test('hostile account names, reasons and filters render as text', async (t) => {
  const page = await admin.client.get('/admin/audit')
  t.equal(page.statusCode, 200)
  t.notOk(page.body.includes('<img src=x'), 'no markup from the account name')
  t.notOk(page.body.includes('<script>alert'), 'no markup from the reason')
  t.match(page.body, '&lt;img src=x onerror=alert(1)&gt;')
  t.match(page.body, '&lt;/td&gt;&lt;script&gt;alert(&quot;reason&quot;)&lt;/script&gt;&amp;')
  t.match(page.body, 'href="/admin/documents?status=failed&amp;tenant=a%26b"', 'the filter links to the documents list')
  t.match(page.body, 'documents where status=failed, tenant=a&amp;b')
  for (const id of documentIds.slice(0, 5)) t.match(page.body, `href="/admin/documents/${id}"`)
  t.notMatch(page.body, `href="/admin/documents/${documentIds[5]}"`, 'only the first few documents are linked')
  t.match(page.body, /and 2 more/)
})

t.test('an account limited to some tenants reads only its own entries', async (t) => {
  const { body } = await json(limited.client, '/admin/api/audit')
  t.same([...new Set((body.entries as EntryJson[]).map((entry) => entry.accountName))], ['tenant-a-ops'])
  t.same((body.entries as EntryJson[]).map((entry) => entry.action).sort(), ['document.retry', 'login.succeeded'])
  t.same((await json(limited.client, '/admin/api/audit?account=chief')).body.entries, [], 'not even when it asks for another account')
  const page = await limited.client.get('/admin/audit')
  t.notMatch(page.body, 'bulk.retry')
  t.match(page.body, 'Your own actions')
})

t.test('a viewer reads the audit log', async (t) => {
  t.equal((await viewer.client.get('/admin/audit')).statusCode, 200)
  t.equal((await json(viewer.client, '/admin/api/audit')).statusCode, 200)
})

t.test('bad filters are refused with 400 DOCQ_REQUEST_INVALID, and no session with 401 or a redirect', async (t) => {
  for (const query of ['from=2026-02-31', 'to=yesterday', 'after=junk', 'after=2026-01-01T00:00:00.000000Z_x', 'limit=0', 'limit=201', 'tenant=a']) {
    const { statusCode, body } = await json(admin.client, `/admin/api/audit?${query}`)
    t.equal(statusCode, 400, query)
    t.equal(body.code, 'DOCQ_REQUEST_INVALID', query)
    t.equal((await admin.client.get(`/admin/audit?${query}`)).statusCode, 400, `the page too: ${query}`)
  }
  const anonymous = new AdminClient(app)
  t.equal((await json(anonymous, '/admin/api/audit')).statusCode, 401)
  const page = await anonymous.get('/admin/audit?action=logout')
  t.equal(page.statusCode, 303)
  t.equal(page.headers.location, '/admin/login?next=%2Fadmin%2Faudit%3Faction%3Dlogout')
})

t.test('the JSON route is documented under the admin tag and its answers were checked', async (t) => {
  const statuses = [...(contract.seen.get('getAdminAudit') ?? [])].sort()
  t.same(statuses, [200, 400, 401])
})
