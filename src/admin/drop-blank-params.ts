import type { FastifyRequest } from 'fastify'
import { withoutEmptyParams } from './documents/document-filter.js'

/**
 * A preValidation hook for pages filtered by a GET form, and their JSON twins: a blank field
 * means "any", so it is dropped before the query schema sees it.
 */
export async function dropBlankParams (request: FastifyRequest): Promise<void> {
  request.query = withoutEmptyParams(request.query)
}
