import Fastify from 'fastify'
import t from 'tap'
import { AdminAccounts } from '../../src/admin/admin-accounts.js'
import type { AdminIdentity } from '../../src/admin/admin-identity.js'
import { requireAdmin } from '../../src/admin/require-admin.js'
import { registerErrorHandlers } from '../../src/routes/error-handler.js'
import { AdminClient } from '../helpers/admin-client.js'
import { TestContext } from '../helpers/context.js'
import { upload } from '../helpers/http.js'

const context = TestContext.create(t)
const stack = await context.stack()
const app = await context.app(stack)
const accounts = new AdminAccounts(stack.pool)

async function signedIn (name: string, tenants: string[] | null = null): Promise<AdminClient> {
  const { password } = await accounts.create({ name, role: 'viewer', tenants })
  const client = new AdminClient(app)
  t.equal((await client.login(name, password)).statusCode, 303)
  return client
}

/** The number shown for a status on the overview page. */
function shownCount (html: string, label: string): number {
  const match = new RegExp(`<dt>${label}</dt><dd>(\\d+)</dd>`).exec(html)
  if (match === null) throw new Error(`no ${label} count on the page`)
  return Number(match[1])
}

/** What the CSP forbids in a page: inline scripts and styles, and event-handler attributes. */
function inlineCode (html: string): string[] {
  const found: string[] = []
  for (const match of html.matchAll(/<script\b[^>]*>/gi)) if (!/\ssrc=/i.test(match[0])) found.push(match[0])
  for (const match of html.matchAll(/<style\b[^>]*>/gi)) found.push(match[0])
  for (const match of html.matchAll(/<[^>]*\s(style|on[a-z]+)\s*=[^>]*>/gi)) found.push(match[0])
  return found
}

t.test('a tenant-limited account sees only its tenants\' counts; an unlimited one sees all', async (t) => {
  for (const [tenant, files] of [['tenant-a', 2], ['tenant-b', 3]] as const) {
    const { key } = await stack.apiKeys.create(tenant)
    for (let i = 0; i < files; i++) t.equal((await upload(app, key, `text ${tenant} ${i}`, { filename: `${i}.txt` })).statusCode, 202)
  }
  const limited = await (await signedIn('only-a', ['tenant-a'])).get('/admin')
  t.equal(shownCount(limited.body, 'Pending'), 2)
  t.match(limited.body, /Tenants: tenant-a/)
  const everyone = await (await signedIn('all-tenants')).get('/admin')
  t.equal(shownCount(everyone.body, 'Pending'), 5)
})

t.test('a hostile account name is shown as text in the header', async (t) => {
  const hostile = '<img src=x onerror=alert(1)>"\'&'
  const client = await signedIn('plain-name')
  await stack.pool.query("update admin_accounts set name = $1 where name = 'plain-name'", [hostile])
  const page = await client.get('/admin')
  t.equal(page.statusCode, 200)
  t.notOk(page.body.includes('<img src=x'), 'no markup from the name')
  t.match(page.body, '&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;')
})

t.test('admin pages carry the strict CSP, no caching, and no inline script or style', async (t) => {
  const client = await signedIn('csp-check')
  const pages = [await new AdminClient(app).get('/admin/login'), await client.get('/admin')]
  for (const page of pages) {
    t.equal(page.headers['content-security-policy'], "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
    t.equal(page.headers['cache-control'], 'no-store')
    t.same(inlineCode(page.body), [], 'no inline code')
    t.match(page.body, '<link rel="stylesheet" href="/admin/static/admin.css">')
  }
  const css = await client.get('/admin/static/admin.css')
  t.equal(css.statusCode, 200)
  t.match(css.headers['content-type'], /text\/css/)
  t.match(css.body, /prefers-color-scheme: dark/)
})

t.test('the inline-code check finds inline scripts, styles and handlers', async (t) => {
  t.equal(inlineCode('<script>alert(1)</script><style>p{}</style><p style="x"><a onclick="y">').length, 4)
  t.same(inlineCode('<script src="/admin/static/a.js"></script>'), [])
})

t.test('requireAdmin lets a role and those above it through, and refuses the rest', async (t) => {
  // A small app whose stand-in for the session hook takes the account from a header.
  const guarded = Fastify()
  registerErrorHandlers(guarded)
  guarded.decorateRequest('admin', null)
  guarded.addHook('onRequest', async (request) => {
    const header = request.headers['x-test-admin']
    request.admin = typeof header === 'string' ? JSON.parse(header) as AdminIdentity : null
  })
  guarded.post('/admin/api/retry', { preHandler: requireAdmin('operator') }, async () => ({ done: true }))
  guarded.post('/admin/retry', { preHandler: requireAdmin('operator') }, async () => ({ done: true }))
  t.teardown(async () => { await guarded.close() })
  const as = (role: string): Record<string, string> => ({ 'x-test-admin': JSON.stringify({ accountId: '1', name: 'n', role, tenants: null }) })

  for (const role of ['operator', 'admin']) t.equal((await guarded.inject({ method: 'POST', url: '/admin/api/retry', headers: as(role) })).statusCode, 200, role)
  const viewer = await guarded.inject({ method: 'POST', url: '/admin/api/retry', headers: as('viewer') })
  t.equal(viewer.statusCode, 403)
  t.match(JSON.parse(viewer.body), { code: 'DOCQ_ADMIN_FORBIDDEN' })
  const anonymousApi = await guarded.inject({ method: 'POST', url: '/admin/api/retry' })
  t.equal(anonymousApi.statusCode, 401)
  t.match(JSON.parse(anonymousApi.body), { code: 'DOCQ_ADMIN_AUTH_REQUIRED' })
  const anonymousPage = await guarded.inject({ method: 'POST', url: '/admin/retry' })
  t.equal(anonymousPage.statusCode, 303)
  t.equal(anonymousPage.headers.location, '/admin/login?next=%2Fadmin%2Fretry')
})
