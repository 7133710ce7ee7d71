import { errorCatalogue, type ErrorCode, type FixedErrorCode } from '../errors.js'

// Error codes that Fastify and its plugins raise for a request the client got wrong, each
// mapped onto the catalogue code that says what was wrong.
const frameworkCodes: Record<string, FixedErrorCode> = {
  // Fastify, before routing: the URL.
  FST_ERR_BAD_URL: 'DOCQ_REQUEST_MALFORMED',
  FST_ERR_MAX_PARAM_LENGTH: 'DOCQ_REQUEST_URL_TOO_LONG',
  // Fastify, reading a body.
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'DOCQ_REQUEST_MALFORMED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'DOCQ_REQUEST_MALFORMED',
  FST_ERR_CTP_INVALID_JSON_BODY: 'DOCQ_REQUEST_MALFORMED',
  FST_ERR_ROUTE_MISSING_CONTENT_TYPE: 'DOCQ_REQUEST_MALFORMED',
  FST_ERR_CTP_BODY_TOO_LARGE: 'DOCQ_REQUEST_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'DOCQ_REQUEST_UNSUPPORTED_TYPE',
  // @fastify/multipart, reading an upload.
  FST_REQ_FILE_TOO_LARGE: 'DOCQ_UPLOAD_TOO_LARGE',
  FST_FILES_LIMIT: 'DOCQ_UPLOAD_TOO_MANY_FILES',
  FST_PARTS_LIMIT: 'DOCQ_UPLOAD_TOO_MANY_PARTS',
  FST_FIELDS_LIMIT: 'DOCQ_UPLOAD_TOO_MANY_PARTS',
  FST_PROTO_VIOLATION: 'DOCQ_UPLOAD_MALFORMED',
  FST_INVALID_JSON_FIELD_ERROR: 'DOCQ_UPLOAD_MALFORMED',
  FST_MP_PREMATURE_CLOSE: 'DOCQ_UPLOAD_MALFORMED',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'DOCQ_UPLOAD_NOT_MULTIPART',
  // @fastify/csrf-protection, on a state-changing admin request.
  FST_CSRF_MISSING_SECRET: 'DOCQ_ADMIN_CSRF_INVALID',
  FST_CSRF_INVALID_TOKEN: 'DOCQ_ADMIN_CSRF_INVALID'
}

// Client errors raised with a status but no code of the table above (the API docs' file server
// answers a forbidden path, a failed precondition or an unsatisfiable range this way): a status
// that has one meaning gets the code of that meaning. 400 and 404 have several, so they do not.
const statusCodes: Partial<Record<number, FixedErrorCode>> = {
  403: 'DOCQ_REQUEST_FORBIDDEN',
  408: 'DOCQ_REQUEST_TIMEOUT',
  412: 'DOCQ_REQUEST_PRECONDITION_FAILED',
  413: 'DOCQ_REQUEST_TOO_LARGE',
  414: 'DOCQ_REQUEST_URL_TOO_LONG',
  415: 'DOCQ_REQUEST_UNSUPPORTED_TYPE',
  416: 'DOCQ_REQUEST_RANGE_NOT_SATISFIABLE',
  429: 'DOCQ_REQUEST_RATE_LIMITED',
  431: 'DOCQ_REQUEST_HEADERS_TOO_LARGE'
}

/** The code of an answer and its status: the catalogue's, or for an unclassified error its own. */
export interface ClientErrorAnswer {
  code: ErrorCode
  statusCode: number
}

function catalogued (code: FixedErrorCode): ClientErrorAnswer {
  return { code, statusCode: errorCatalogue[code] }
}

/**
 * How to answer an error that Fastify, a plugin or Node raised for the client's request, or
 * undefined when the error is not the client's (it has no 4xx status). A client error that
 * nothing here names is answered `DOCQ_REQUEST_UNCLASSIFIED` with the status it was raised with.
 */
export function clientErrorAnswer (error: { code?: unknown, statusCode?: unknown }): ClientErrorAnswer | undefined {
  if (typeof error.code === 'string' && Object.hasOwn(frameworkCodes, error.code)) return catalogued(frameworkCodes[error.code])
  const status = error.statusCode
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined
  // Node fails the body of a request whose client hung up halfway with ECONNRESET, and Fastify
  // gives that a 400: the body is incomplete. (A database connection reset carries no status.)
  if (error.code === 'ECONNRESET') return catalogued('DOCQ_REQUEST_MALFORMED')
  const byStatus = statusCodes[status]
  return byStatus !== undefined ? catalogued(byStatus) : { code: 'DOCQ_REQUEST_UNCLASSIFIED', statusCode: status }
}
