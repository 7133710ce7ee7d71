import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AppError } from '../errors.js'
import type { ApiKeyService } from '../services/api-key-service.js'
import type { AuthFailureThrottle } from '../services/auth-failure-throttle.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The tenant of the API key that authenticated this request. */
    tenant: string
  }
}

/** The token of an `Authorization: Bearer <token>` header, if there is one. */
export function bearerToken (request: Pick<FastifyRequest, 'headers'>): string | undefined {
  const header = request.headers.authorization
  if (header === undefined) return undefined
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  return match?.[1]
}

/**
 * Requires a valid API key on every route registered in `app`'s scope and sets `request.tenant`.
 * A key the cache knows to be valid costs nothing more; any other presented key first passes the
 * per-address throttle, so a client trying made-up keys is refused (429) before it costs a query.
 */
export function requireApiKey (app: FastifyInstance, apiKeys: ApiKeyService, throttle: AuthFailureThrottle): void {
  app.decorateRequest('tenant', '')
  app.addHook('onRequest', async (request) => {
    const token = bearerToken(request)
    if (token === undefined) throw new AppError('DOCQ_AUTH_MISSING', 'send an API key as Authorization: Bearer <key>')
    const known = apiKeys.cachedTenant(token)
    if (typeof known === 'string') {
      request.tenant = known
      return
    }
    const retryAfter = await throttle.retryAfterSeconds(request.ip)
    if (retryAfter !== undefined) {
      throw new AppError('DOCQ_REQUEST_RATE_LIMITED', `too many failed authentications from your address; retry in ${retryAfter} s`, retryAfter)
    }
    const tenant = known === null ? undefined : await apiKeys.authenticate(token)
    if (tenant === undefined) {
      const { failures, reachedLimit } = await throttle.recordFailure(request.ip)
      if (reachedLimit) request.log.warn({ address: request.ip, failures }, 'too many failed authentications from one address; refusing it for a while')
      throw new AppError('DOCQ_AUTH_INVALID', 'the API key is not valid')
    }
    request.tenant = tenant
  })
}
