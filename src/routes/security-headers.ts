import helmet from '@fastify/helmet'
import type { FastifyInstance } from 'fastify'

// One policy for the JSON API and the OpenAPI UI at /docs, whose page, scripts and styles are
// all files served from this origin (no inline scripts), and which fetches /docs/json.
const contentSecurityPolicy = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'none'"],
    baseUri: ["'none'"],
    connectSrc: ["'self'"],
    fontSrc: ["'self'"],
    formAction: ["'none'"],
    frameAncestors: ["'none'"],
    imgSrc: ["'self'", 'data:'],
    objectSrc: ["'none'"],
    scriptSrc: ["'self'"],
    scriptSrcAttr: ["'none'"],
    styleSrc: ["'self'"]
  }
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
export async function registerSecurityHeaders (app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy,
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: { action: 'deny' },
    strictTransportSecurity: false
  })
  app.addHook('onRequest', async (request, reply) => {
    if (request.protocol === 'https') reply.header('strict-transport-security', HSTS)
  })
}
