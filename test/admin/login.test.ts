import t from 'tap'
import { AdminAccounts } from '../../src/admin/admin-accounts.js'
import { AdminClient, csrfTokenOf } from '../helpers/admin-client.js'
import { TestContext } from '../helpers/context.js'

const context = TestContext.create(t, { ADMIN_LOGIN_FAILURES: '3' })
const stack = await context.stack()
const app = await context.app(stack)
const accounts = new AdminAccounts(stack.pool)

async function account (name: string, role: 'viewer' | 'operator' | 'admin' = 'viewer', tenants: string[] | null = null): Promise<string> {
  return (await accounts.create({ name, role, tenants })).password
}

async function auditOf (name: string): Promise<string[]> {
  const { rows } = await stack.pool.query<{ action: string }>('select action from admin_audit where account_name = $1 order by id', [name])
  return rows.map((row) => row.action)
}

t.test('signing in sets a strict session cookie, opens the overview and is audited', async (t) => {
  const password = await account('alice')
  const client = new AdminClient(app)
  const form = await client.get('/admin/login')
  t.equal(form.statusCode, 200)
  t.match(form.headers['content-type'], /text\/html/)
  const response = await client.login('alice', password)
  t.equal(response.statusCode, 303)
  t.equal(response.headers.location, '/admin')
  const cookie = (response.cookies as Array<Record<string, unknown>>).find((c) => c.name === 'docq_admin')
  t.match(cookie, { httpOnly: true, sameSite: 'Strict', path: '/admin' })
  t.notOk(cookie?.secure, 'not Secure over plain HTTP')
  const overview = await client.get('/admin')
  t.equal(overview.statusCode, 200)
  t.match(overview.body, /alice/)
  t.equal(overview.headers['cache-control'], 'no-store')
  t.same(await auditOf('alice'), ['login.succeeded'])
})

t.test('the session cookie is Secure when the request came over TLS through a trusted proxy', async (t) => {
  const password = await account('tls-user')
  const proxied = await context.app({ ...stack, config: { ...stack.config, TRUST_PROXY: 'true' } })
  const client = new AdminClient(proxied)
  const page = await client.get('/admin/login')
  const response = await client.request('POST', '/admin/login', { _csrf: csrfTokenOf(page.body), name: 'tls-user', password }, { 'x-forwarded-proto': 'https' })
  t.equal(response.statusCode, 303)
  t.match((response.cookies as Array<Record<string, unknown>>).find((c) => c.name === 'docq_admin'), { secure: true })
})

t.test('a wrong password, an unknown name and a disabled account get the same refusal', async (t) => {
  const password = await account('bob')
  await account('carol')
  await accounts.disable('carol')
  for (const [name, pw] of [['bob', 'wrong'], ['nobody', 'x'], ['carol', password]]) {
    const client = new AdminClient(app, '198.51.100.1')
    const response = await client.login(name, pw)
    t.equal(response.statusCode, 401, name)
    t.match(response.body, /Wrong account name or password/)
    t.notOk(client.cookies.has('docq_admin'))
  }
  t.same(await auditOf('bob'), ['login.failed'])
  t.same(await auditOf('nobody'), ['login.failed'])
})

t.test('failed logins are throttled per account name, with Retry-After', async (t) => {
  const password = await account('dave')
  // From a new address each time: the account's count alone refuses.
  for (let attempt = 0; attempt < 3; attempt++) t.equal((await new AdminClient(app, `198.51.100.${10 + attempt}`).login('dave', 'wrong')).statusCode, 401)
  const refused = await new AdminClient(app, '198.51.100.20').login('dave', password)
  t.equal(refused.statusCode, 429, 'even the right password waits')
  t.match(refused.headers['retry-after'], /^\d+$/)
  t.match(refused.body, /Too many failed sign-ins/)
})

t.test('failed logins are throttled per address, whatever the name', async (t) => {
  const password = await account('erin')
  const from = async (name: string, pw: string): Promise<number> => (await new AdminClient(app, '203.0.113.7').login(name, pw)).statusCode
  for (const name of ['x1', 'x2', 'x3']) t.equal(await from(name, 'wrong'), 401)
  t.equal(await from('erin', password), 429)
})

t.test('a disabled account is signed out at its next request', async (t) => {
  const password = await account('frank')
  const client = new AdminClient(app)
  await client.login('frank', password)
  t.equal((await client.get('/admin')).statusCode, 200)
  await stack.pool.query("update admin_accounts set disabled_at = now() where name = 'frank'")
  const after = await client.get('/admin')
  t.equal(after.statusCode, 303)
  t.equal(after.headers.location, '/admin/login?next=%2Fadmin')
})

t.test('sessions end when idle too long, and when too old however busy', async (t) => {
  for (const [column, age] of [['last_seen_at', '31 minutes'], ['created_at', '13 hours']]) {
    const name = `expiry-${column}`
    const password = await account(name)
    const client = new AdminClient(app)
    await client.login(name, password)
    t.equal((await client.get('/admin')).statusCode, 200)
    await stack.pool.query(`update admin_sessions s set ${column} = now() - interval '${age}' from admin_accounts a where a.id = s.account_id and a.name = $1`, [name])
    t.equal((await client.get('/admin')).statusCode, 303, `${column} ${age} ago`)
  }
})

t.test('signing out deletes the session: its cookie opens nothing afterwards', async (t) => {
  const password = await account('gina')
  const client = new AdminClient(app)
  await client.login('gina', password)
  const token = client.cookies.get('docq_admin') ?? ''
  const out = await client.submit('/admin', '/admin/logout', {})
  t.equal(out.statusCode, 303)
  t.equal(out.headers.location, '/admin/login')
  const replayed = await app.inject({ method: 'GET', url: '/admin', cookies: { docq_admin: token } })
  t.equal(replayed.statusCode, 303, 'the old cookie, replayed, is refused')
  t.same(await auditOf('gina'), ['login.succeeded', 'logout'])
})

t.test('state-changing requests need the CSRF token', async (t) => {
  const password = await account('hank')
  const client = new AdminClient(app)
  const noToken = await client.request('POST', '/admin/login', { name: 'hank', password })
  t.equal(noToken.statusCode, 403)
  t.match(JSON.parse(noToken.body), { code: 'DOCQ_ADMIN_CSRF_INVALID' })
  await client.login('hank', password)
  for (const form of [{}, { _csrf: 'forged' }] as Array<Record<string, string>>) {
    const response = await client.request('POST', '/admin/logout', form)
    t.equal(response.statusCode, 403)
    t.match(JSON.parse(response.body), { code: 'DOCQ_ADMIN_CSRF_INVALID' })
  }
  t.equal((await client.get('/admin')).statusCode, 200, 'the refused logout left the session')
})

t.test('next: admin paths are followed, anything else goes to the overview', async (t) => {
  const password = await account('ivy')
  t.equal((await new AdminClient(app).login('ivy', password, '/admin?x=1')).headers.location, '/admin?x=1')
  for (const next of ['//evil.example/admin', 'https://evil.example/admin', '/\\evil.example', '/admin\\..\\x', '/documents', 'javascript:alert(1)', '/admin/login']) {
    t.equal((await new AdminClient(app).login('ivy', password, next)).headers.location, '/admin', next)
  }
  const unauthenticated = await app.inject({ method: 'GET', url: '/admin' })
  t.equal(unauthenticated.statusCode, 303)
  t.equal(unauthenticated.headers.location, '/admin/login?next=%2Fadmin')
})

t.test('a tenant API key opens no admin route', async (t) => {
  const { key } = await stack.apiKeys.create('tenant-a')
  const page = await app.inject({ method: 'GET', url: '/admin', headers: { authorization: `Bearer ${key}` } })
  t.equal(page.statusCode, 303)
  t.match(page.headers.location, /^\/admin\/login/)
})
