import { Type } from 'typebox'
import { commonErrors, errorResponse } from '../routes/schemas.js'

/** The errors every admin JSON route can answer with, besides its own. */
export const adminApiErrors = {
  ...commonErrors,
  401: errorResponse('No admin session, or one that expired or was revoked (DOCQ_ADMIN_AUTH_REQUIRED)'),
  403: errorResponse('The account\'s role may not do this (DOCQ_ADMIN_FORBIDDEN), or the CSRF token is missing or wrong (DOCQ_ADMIN_CSRF_INVALID)'),
  503: errorResponse('The database is unavailable (DOCQ_DATABASE_UNAVAILABLE); retry shortly')
}

/**
 * The header a JSON request that changes something carries: its session's CSRF token. Optional
 * in the schema so that the CSRF check, not validation, refuses a request without it (403).
 */
export const CsrfHeaders = Type.Object({
  'x-csrf-token': Type.Optional(Type.String({ description: 'The session\'s CSRF token, as the pages\' forms carry it in `_csrf`; required (403 DOCQ_ADMIN_CSRF_INVALID without it)' }))
})
