import t, { type Test } from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import { TestContext } from '../helpers/context.js'
import { upload } from '../helpers/http.js'

const context = TestContext.create(t, { TRUST_PROXY: '10.0.0.1' })
const stack = await context.stack()
const app = await context.app(stack)
const { key } = await stack.apiKeys.create('headers')
const auth = { authorization: `Bearer ${key}` }

function directives (response: LightMyRequestResponse): Map<string, string> {
  const policy = String(response.headers['content-security-policy'] ?? '')
  return new Map(policy.split(';').map((part) => part.trim()).filter((part) => part !== '').map((part) => {
    const [name, ...values] = part.split(/\s+/)
    return [name, values.join(' ')]
  }))
}

function assertSecurityHeaders (t: Test, response: LightMyRequestResponse, what: string): void {
  const csp = directives(response)
  t.equal(csp.get('default-src'), "'none'", `${what}: nothing is allowed by default`)
  t.equal(csp.get('frame-ancestors'), "'none'", `${what}: never framed`)
  t.equal(csp.get('script-src'), "'self'", `${what}: scripts only from this origin, no inline`)
  t.equal(csp.get('object-src'), "'none'")
  t.equal(response.headers['x-frame-options'], 'DENY')
  t.equal(response.headers['referrer-policy'], 'no-referrer')
  t.equal(response.headers['x-content-type-options'], 'nosniff')
  t.equal(response.headers['cross-origin-resource-policy'], 'same-origin')
  t.equal(response.headers['strict-transport-security'], undefined, `${what}: no HSTS over plain HTTP`)
}

t.test('API answers carry the security headers: successes, errors and unknown routes', async (t) => {
  const listed = await app.inject({ method: 'GET', url: '/documents', headers: auth })
  t.equal(listed.statusCode, 200)
  assertSecurityHeaders(t, listed, 'GET /documents')
  const refused = await app.inject({ method: 'GET', url: '/documents' })
  t.equal(refused.statusCode, 401)
  assertSecurityHeaders(t, refused, '401')
  const missing = await app.inject({ method: 'GET', url: '/nowhere' })
  t.equal(missing.statusCode, 404)
  assertSecurityHeaders(t, missing, '404')
  assertSecurityHeaders(t, await app.inject({ method: 'GET', url: '/healthz' }), 'GET /healthz')
})

t.test('downloads keep their own sandboxing policy', async (t) => {
  const document = (await upload(app, key, '<html><script>alert(1)</script></html>', { filename: 'page.html', contentType: 'text/html' })).json()
  const content = await app.inject({ method: 'GET', url: `/documents/${document.id}/content`, headers: auth })
  t.equal(content.statusCode, 200)
  t.equal(content.headers['content-security-policy'], "default-src 'none'; sandbox")
  t.equal(content.headers['x-frame-options'], 'DENY')
})

t.test('the OpenAPI UI at /docs gets the policy and everything it loads is allowed by it', async (t) => {
  const page = await app.inject({ method: 'GET', url: '/docs/' })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /text\/html/)
  assertSecurityHeaders(t, page, 'GET /docs/')
  const csp = directives(page)
  t.equal(csp.get('connect-src'), "'self'", 'the UI may fetch the spec from this origin')
  t.equal(csp.get('style-src'), "'self'")

  // Inline scripts and styles would be blocked: the page must have none.
  t.notMatch(page.body, /<script(?![^>]*\bsrc=)[^>]*>/i, 'no inline script')
  t.notMatch(page.body, /<style\b|\sstyle=/i, 'no inline style')
  const assets = [...page.body.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"/g)].map((match) => match[1])
  t.ok(assets.length >= 4, 'the page loads its scripts and styles')
  for (const asset of assets) {
    t.notMatch(asset, /^[a-z]+:|^\/\//i, `${asset} is served from this origin`)
    const response = await app.inject({ method: 'GET', url: new URL(asset, 'http://docq.test/docs/').pathname })
    t.equal(response.statusCode, 200, `${asset} loads`)
    assertSecurityHeaders(t, response, asset)
  }
  const spec = await app.inject({ method: 'GET', url: '/docs/json' })
  t.equal(spec.statusCode, 200)
  t.equal(spec.json().openapi.slice(0, 2), '3.')
})

t.test('HSTS is sent only when the request came over TLS through a trusted proxy', async (t) => {
  const viaProxy = await app.inject({ method: 'GET', url: '/healthz', remoteAddress: '10.0.0.1', headers: { 'x-forwarded-proto': 'https' } })
  t.equal(viaProxy.headers['strict-transport-security'], 'max-age=63072000; includeSubDomains')
  const plainViaProxy = await app.inject({ method: 'GET', url: '/healthz', remoteAddress: '10.0.0.1', headers: { 'x-forwarded-proto': 'http' } })
  t.equal(plainViaProxy.headers['strict-transport-security'], undefined)
  const spoofed = await app.inject({ method: 'GET', url: '/healthz', remoteAddress: '192.0.2.7', headers: { 'x-forwarded-proto': 'https' } })
  t.equal(spoofed.headers['strict-transport-security'], undefined, 'a client that is not the proxy cannot claim TLS')
})
