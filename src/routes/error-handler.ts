import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { STATUS_CODES } from 'node:http'
import { AppError, errorCatalogue, type ErrorCode } from '../errors.js'

// Fastify and plugin error codes that are the client's fault, mapped onto our catalogue.
const frameworkCodes: Record<string, ErrorCode> = {
  FST_REQ_FILE_TOO_LARGE: 'DOCQ_UPLOAD_TOO_LARGE',
  FST_FILES_LIMIT: 'DOCQ_UPLOAD_TOO_MANY_FILES',
  FST_PARTS_LIMIT: 'DOCQ_BAD_REQUEST',
  FST_FIELDS_LIMIT: 'DOCQ_BAD_REQUEST',
  FST_PROTO_VIOLATION: 'DOCQ_BAD_REQUEST',
  FST_INVALID_JSON_FIELD_ERROR: 'DOCQ_UPLOAD_MALFORMED',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'DOCQ_UPLOAD_NOT_MULTIPART',
  FST_ERR_CTP_BODY_TOO_LARGE: 'DOCQ_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'DOCQ_UNSUPPORTED_CONTENT_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'DOCQ_BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'DOCQ_BAD_REQUEST'
}

// The multipart parser (busboy) throws plain errors without a code when the body's framing is
// broken: no boundary in the Content-Type, an unusable boundary, a body cut off mid-part.
const malformedMultipart = /^Multipart: Boundary not found$|unexpected end of multipart data$|^The needle cannot/i

// Errors that mean Postgres is unreachable or restarting: a 503 the client may retry.
const databaseDownCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08003', '08006'])
function isDatabaseDown (error: FastifyError & { code?: string }): boolean {
  if (error.code !== undefined && databaseDownCodes.has(error.code)) return true
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(error.message)
}

/**
 * Postgres class 22 ("data exception": bad uuid or timestamp syntax, integer out of range, NUL in
 * text) means a request value reached SQL without being validated first. The value came from the
 * client, so the answer is a 400; the route's schema is what needs tightening.
 */
function isDataException (error: Error & { code?: unknown, severity?: unknown }): boolean {
  return typeof error.code === 'string' && error.code.startsWith('22') && error.severity !== undefined
}

function send (reply: FastifyReply, code: ErrorCode, message: string): FastifyReply {
  const statusCode = errorCatalogue[code]
  return reply.code(statusCode).send({ statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message })
}

function validationMessage (error: FastifyError): string {
  const problems = (error.validation ?? []).map((v) => {
    const extra = v.keyword === 'additionalProperties' ? `: ${String(v.params.additionalProperty)}` : ''
    return `${v.instancePath || ''} ${v.message ?? ''}${extra}`.trim()
  })
  return `${error.validationContext ?? 'request'} ${problems.join('; ')}`
}

/**
 * Fastify's `frameworkErrors` option: errors raised before routing (a URL whose percent-encoding
 * is not valid UTF-8, a parameter over the length limit) get the same answer shape as the rest.
 */
export function handleFrameworkError (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (error.statusCode !== undefined && error.statusCode < 500) {
    send(reply, 'DOCQ_BAD_REQUEST', error.message)
  } else {
    request.log.error({ err: error }, 'unhandled error')
    send(reply, 'DOCQ_INTERNAL', 'internal server error')
  }
}

/**
 * Turns every thrown error into `{ statusCode, code, error, message }`. Client errors say what
 * was wrong; server errors are logged with their details and answered without them.
 */
export function registerErrorHandlers (app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof AppError) {
      if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds))
      return send(reply, error.code, error.message)
    }
    if (error.validation !== undefined) return send(reply, 'DOCQ_VALIDATION', validationMessage(error))
    const mapped = frameworkCodes[error.code]
    if (mapped !== undefined) return send(reply, mapped, error.message)
    if (error.code === undefined && malformedMultipart.test(error.message)) {
      return send(reply, 'DOCQ_UPLOAD_MALFORMED', `the multipart body is malformed: ${error.message}`)
    }
    if (isDatabaseDown(error)) {
      request.log.error({ err: error }, 'database unavailable')
      return send(reply, 'DOCQ_DATABASE_UNAVAILABLE', 'the database is unavailable; retry shortly')
    }
    if (isDataException(error)) {
      request.log.warn({ err: error }, 'a request value reached the database unvalidated')
      return send(reply, 'DOCQ_VALIDATION', 'a value in the request is malformed or out of range')
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).send({
        statusCode: error.statusCode, code: 'DOCQ_BAD_REQUEST', error: STATUS_CODES[error.statusCode] ?? 'Error', message: error.message
      })
    }
    request.log.error({ err: error }, 'unhandled error')
    return send(reply, 'DOCQ_INTERNAL', 'internal server error')
  })

  app.setNotFoundHandler((request, reply) => send(reply, 'DOCQ_ROUTE_NOT_FOUND', `route ${request.method} ${request.url.split('?')[0]} not found`))
}
