import type { FastifyInstance } from 'fastify'

// One policy for the JSON API and the OpenAPI UI at /docs, whose page, scripts and styles are
// all files served from this origin (no inline scripts), and which fetches /docs/json.
const contentSecurityPolicy = {
  'default-src': "'none'",
  'base-uri': "'none'",
  'connect-src': "'self'",
  'font-src': "'self'",
  'form-action': "'none'",
  'frame-ancestors': "'none'",
  'img-src': "'self' data:",
  'object-src': "'none'",
  'script-src': "'self'",
  'script-src-attr': "'none'",
  'style-src': "'self'"
}

// The admin UI's pages: stylesheets and scripts from this origin only, forms posted to
// themselves, images inline (charts as data: URLs) or from this origin, and fetches (live
// updates of page regions) to this origin only.
const adminContentSecurityPolicy = {
  'default-src': "'none'",
  'script-src': "'self'",
  'connect-src': "'self'",
  'style-src': "'self'",
  'img-src': "'self' data:",
  'form-action': "'self'",
  'frame-ancestors': "'none'",
  'base-uri': "'none'"
}

function policy (directives: Record<string, string>): string {
  return Object.entries(directives).map(([name, value]) => `${name} ${value}`).join('; ')
}

// Helmet's set without the headers only Internet Explorer or Flash read, with our CSP, DENY for
// framing and no referrer. Built once, so that fixed headers cost a request next to nothing:
// @fastify/helmet rebuilds its middleware, CSP included, on every request, which took about
// 0.1 ms of CPU per request here.
const headers = {
  'content-security-policy': policy(contentSecurityPolicy),
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'x-permitted-cross-domain-policies': 'none'
}

/**
 * What the admin UI's answers set on top of the headers of every answer: its own CSP, and no
 * caching, since its pages show what only a signed-in account may see.
 */
export const adminHeaders = {
  'content-security-policy': policy(adminContentSecurityPolicy),
  'cache-control': 'no-store'
}

// Two years, as the HSTS preload list asks; sent only over TLS, where a browser heeds it.
const HSTS = 'max-age=63072000; includeSubDomains'

/**
 * Security headers on every answer: a strict CSP with `frame-ancestors 'none'` (and the older
 * `X-Frame-Options: DENY`), `Referrer-Policy: no-referrer`, `nosniff`, and HSTS when the
 * request came over TLS: directly, or through a trusted proxy's `X-Forwarded-Proto` (see
 * TRUST_PROXY). Over plain HTTP, HSTS would either be ignored or pin a deployment that has no
 * TLS. A route may set its own stricter CSP (downloads do).
 */
export function registerSecurityHeaders (app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(headers)
    if (request.protocol === 'https') reply.header('strict-transport-security', HSTS)
    done()
  })
}
