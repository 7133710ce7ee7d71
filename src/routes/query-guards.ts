import type { FastifyInstance } from 'fastify'
import { AppError } from '../errors.js'

/** What is wrong with a request URL's raw query string, if anything. */
function rawQueryProblem (url: string): string | undefined {
  const start = url.indexOf('?')
  if (start === -1) return undefined
  for (const pair of url.slice(start + 1).split('&')) {
    let decoded: string
    try {
      // Stricter than the query parser, which keeps a broken escape as literal text.
      decoded = decodeURIComponent(pair.replaceAll('+', ' '))
    } catch {
      return 'the query string is not valid percent-encoded UTF-8'
    }
    // No parameter has a use for NUL, and Postgres text cannot hold one.
    if (decoded.includes('\u0000')) return 'the query string contains a NUL character'
  }
  return undefined
}

/** The first query parameter the schema coerced to a non-finite number. */
function nonFiniteNumber (query: unknown): string | undefined {
  if (typeof query !== 'object' || query === null) return undefined
  return Object.entries(query).find(([, value]) => typeof value === 'number' && !Number.isFinite(value))?.[0]
}

/**
 * Query checks every route needs and a JSON schema cannot express: the raw query must decode as
 * UTF-8 without NUL, and numbers must be finite (Ajv coerces `1e400` to Infinity and then skips
 * `minimum` and `maximum`, which only test finite numbers).
 */
export function registerQueryGuards (app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const problem = rawQueryProblem(request.url)
    if (problem !== undefined) throw new AppError('DOCQ_REQUEST_INVALID', problem)
  })
  app.addHook('preHandler', async (request) => {
    const name = nonFiniteNumber(request.query)
    if (name !== undefined) throw new AppError('DOCQ_REQUEST_INVALID', `querystring /${name} must be a finite number`)
  })
}
