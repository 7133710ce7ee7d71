import type { FastifyRequest } from 'fastify'
import { AppError } from '../errors.js'
import { sameSecret } from '../lib/same-secret.js'
import { bearerToken } from '../routes/authenticate.js'

/** Where every metrics endpoint answers, the API's and each worker's. */
export const METRICS_PATH = '/metrics'

/**
 * Why a scrape is refused, or undefined when it may read: with a token configured, only
 * `Authorization: Bearer <METRICS_TOKEN>` passes, so a tenant's API key never does.
 */
export function metricsRefusal (request: Pick<FastifyRequest, 'headers'>, token: string | undefined): AppError | undefined {
  if (token === undefined) return undefined
  const presented = bearerToken(request)
  if (presented === undefined) return new AppError('DOCQ_AUTH_MISSING', 'send the metrics token as Authorization: Bearer <METRICS_TOKEN>')
  if (!sameSecret(presented, token)) return new AppError('DOCQ_METRICS_FORBIDDEN', 'the metrics token is not valid')
  return undefined
}
