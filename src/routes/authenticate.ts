import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AppError } from '../errors.js'
import type { ApiKeyService } from '../services/api-key-service.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The tenant of the API key that authenticated this request. */
    tenant: string
  }
}

/** The token of an `Authorization: Bearer <token>` header, if there is one. */
export function bearerToken (request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  if (header === undefined) return undefined
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  return match?.[1]
}

/** Requires a valid API key on every route registered in `app`'s scope and sets `request.tenant`. */
export function requireApiKey (app: FastifyInstance, apiKeys: ApiKeyService): void {
  app.decorateRequest('tenant', '')
  app.addHook('onRequest', async (request) => {
    const token = bearerToken(request)
    if (token === undefined) throw new AppError('DOCQ_AUTH_MISSING', 'send an API key as Authorization: Bearer <key>')
    const tenant = await apiKeys.authenticate(token)
    if (tenant === undefined) throw new AppError('DOCQ_AUTH_INVALID', 'the API key is not valid')
    request.tenant = tenant
  })
}
