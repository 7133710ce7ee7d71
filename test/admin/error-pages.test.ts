import t from 'tap'
import { signedInAs } from '../helpers/admin-accounts.js'
import { TestContext } from '../helpers/context.js'

// A browser that trips over an error on an admin page gets a page saying what went wrong and a
// way back; scripts and the JSON API keep the JSON error body.
const context = TestContext.create(t)
const stack = await context.stack()
const app = await context.app(stack)
const html = { accept: 'text/html,application/xhtml+xml' }

t.test('a bad filter on a page: the same status, code and message, as an escaped page', async (t) => {
  const viewer = await signedInAs(app, stack.pool, 'error-viewer', 'viewer')
  const page = await viewer.request('GET', '/admin/documents?status=<b>nope</b>', undefined, html)
  t.equal(page.statusCode, 400)
  t.match(page.headers['content-type'], /^text\/html/)
  t.match(page.body, /<h1>Bad Request<\/h1>/)
  t.match(page.body, /DOCQ_REQUEST_INVALID/)
  t.notOk(page.body.includes('<b>nope</b>'), 'the value asked for is not markup')
  t.match(page.headers['content-security-policy'], /script-src 'self'/, 'under the admin CSP')
  const json = await viewer.request('GET', '/admin/documents?status=<b>nope</b>')
  t.equal(json.statusCode, 400)
  t.equal(json.json().code, 'DOCQ_REQUEST_INVALID', 'without Accept: text/html the answer stays JSON')
})

t.test('a role too low: a 403 page naming the role needed, with a link back to where the browser came from', async (t) => {
  const viewer = await signedInAs(app, stack.pool, 'error-viewer-2', 'viewer')
  const page = await viewer.request('GET', '/admin/bulk/new?action=retry&status=failed', undefined, { ...html, referer: 'http://localhost:80/admin/failures?window=1h' })
  t.equal(page.statusCode, 403)
  t.match(page.body, /DOCQ_ADMIN_FORBIDDEN/)
  t.match(page.body, /needs the operator role/)
  t.match(page.body, /href="\/admin\/failures\?window=1h">Go back/)
  const foreign = await viewer.request('GET', '/admin/bulk/new?action=retry', undefined, { ...html, referer: 'https://elsewhere.example/admin' })
  t.match(foreign.body, /href="\/admin">Go back/, 'a link back never leaves the admin UI')
})

t.test('the JSON API answers JSON even to a browser', async (t) => {
  const viewer = await signedInAs(app, stack.pool, 'error-viewer-3', 'viewer')
  const answer = await viewer.request('GET', '/admin/api/documents?status=nope', undefined, html)
  t.equal(answer.statusCode, 400)
  t.equal(answer.json().code, 'DOCQ_REQUEST_INVALID')
})
