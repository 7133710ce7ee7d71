import t from 'tap'
import { AdminAccounts } from '../../src/admin/admin-accounts.js'
import { AdminClient } from '../helpers/admin-client.js'
import { TestContext } from '../helpers/context.js'
import { upload } from '../helpers/http.js'

// GET /admin/fragments/overview, the region live-update.js swaps into the overview: the same
// partial as the page, limited to the account's tenants, and a 401 (never the login form) once
// the session is gone.
const context = TestContext.create(t)
const stack = await context.stack()
const app = await context.app(stack)
const accounts = new AdminAccounts(stack.pool)

async function signedIn (name: string, tenants: string[] | null): Promise<AdminClient> {
  const { password } = await accounts.create({ name, role: 'viewer', tenants })
  const client = new AdminClient(app)
  // No assertion here: at the top level, before any subtest, tap would take it as the file's end.
  if ((await client.login(name, password)).statusCode !== 303) throw new Error(`${name} could not sign in`)
  return client
}

function pending (html: string): number {
  const match = /<dt>Pending<\/dt><dd>(\d+)<\/dd>/.exec(html)
  if (match === null) throw new Error('no Pending count in the fragment')
  return Number(match[1])
}

for (const [tenant, files] of [['tenant-a', 1], ['tenant-b', 2]] as const) {
  const { key } = await stack.apiKeys.create(tenant)
  for (let i = 0; i < files; i++) await upload(app, key, `text ${tenant} ${i}`, { filename: `${i}.txt` })
}
const everyone = await signedIn('everyone', null)
const onlyA = await signedIn('only-a', ['tenant-a'])

t.test('the fragment is the counts region alone, as the overview page renders it', async (t) => {
  const fragment = await everyone.get('/admin/fragments/overview')
  t.equal(fragment.statusCode, 200)
  t.match(fragment.headers['content-type'], 'text/html')
  t.match(fragment.headers['content-security-policy'], "default-src 'none'")
  t.equal(fragment.headers['cache-control'], 'no-store')
  t.notMatch(fragment.body, '<html', 'no layout around it')
  t.equal(pending(fragment.body), 3)
  t.match(fragment.body, /<time datetime="[^"]+" title="[^"]+ UTC" data-relative>/, 'its time is relative-ready')
  const page = await everyone.get('/admin')
  t.match(page.body, 'data-live="/admin/fragments/overview"', 'the overview opts in to live updates')
  t.equal(pending(page.body), 3)
})

t.test('a tenant-limited account gets only its tenants\' counts', async (t) => {
  t.equal(pending((await onlyA.get('/admin/fragments/overview')).body), 1)
})

t.test('without a session the fragment answers 401, not the login form', async (t) => {
  const response = await new AdminClient(app).get('/admin/fragments/overview')
  t.equal(response.statusCode, 401)
  t.equal(response.json().code, 'DOCQ_ADMIN_AUTH_REQUIRED')
  t.equal((await everyone.get('/admin/fragments/overview?tenant=tenant-b')).statusCode, 400, 'an unknown parameter is refused')
})
