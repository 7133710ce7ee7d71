import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError, errorCatalogue, type FixedErrorCode } from '../errors.js'
import { clientErrorAnswer } from './client-error-answer.js'
import { errorBody, type ErrorBody } from './error-body.js'

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

/** What an error answers: a status, the error body, and a `Retry-After` when the client should wait. */
export interface ErrorAnswer {
  body: ErrorBody
  retryAfterSeconds?: number
}

function answer (code: FixedErrorCode, message: string): ErrorAnswer {
  return { body: errorBody(code, errorCatalogue[code], message) }
}

function validationMessage (error: FastifyError): string {
  const problems = (error.validation ?? []).map((v) => {
    const extra = v.keyword === 'additionalProperties' ? `: ${String(v.params.additionalProperty)}` : ''
    return `${v.instancePath || ''} ${v.message ?? ''}${extra}`.trim()
  })
  return `${error.validationContext ?? 'request'} ${problems.join('; ')}`
}

/**
 * What a thrown error answers, as `{ statusCode, code, error, message }`. Client errors say
 * what was wrong; server errors are logged with their details and answered without them.
 */
export function errorAnswer (error: FastifyError, request: FastifyRequest): ErrorAnswer {
  if (error instanceof AppError) return { ...answer(error.code, error.message), retryAfterSeconds: error.retryAfterSeconds }
  if (error.validation !== undefined) return answer('DOCQ_REQUEST_INVALID', validationMessage(error))
  if (error.code === undefined && malformedMultipart.test(error.message)) {
    return answer('DOCQ_UPLOAD_MALFORMED', `the multipart body is malformed: ${error.message}`)
  }
  const client = clientErrorAnswer(error)
  if (client !== undefined) {
    if (client.code === 'DOCQ_REQUEST_UNCLASSIFIED') request.log.warn({ err: error }, 'a client error without a code of its own')
    return { body: errorBody(client.code, client.statusCode, error.message) }
  }
  if (isDatabaseDown(error)) {
    request.log.error({ err: error }, 'database unavailable')
    return answer('DOCQ_DATABASE_UNAVAILABLE', 'the database is unavailable; retry shortly')
  }
  if (isDataException(error)) {
    request.log.warn({ err: error }, 'a request value reached the database unvalidated')
    return answer('DOCQ_REQUEST_INVALID', 'a value in the request is malformed or out of range')
  }
  request.log.error({ err: error }, 'unhandled error')
  return answer('DOCQ_SERVER_INTERNAL', 'internal server error')
}

/** Sends an error answer as JSON. */
export function sendErrorAnswer (reply: FastifyReply, { body, retryAfterSeconds }: ErrorAnswer): FastifyReply {
  if (retryAfterSeconds !== undefined) reply.header('retry-after', String(retryAfterSeconds))
  return reply.code(body.statusCode).send(body)
}

function answerError (error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendErrorAnswer(reply, errorAnswer(error, request))
}

/**
 * Fastify's `frameworkErrors` option: errors raised before routing (a URL whose percent-encoding
 * is not valid UTF-8, a parameter over the length limit) get the same answers as the rest.
 */
export const handleFrameworkError = answerError

/** Answers every error a route or hook throws, and every request no route takes, in one shape. */
export function registerErrorHandlers (app: FastifyInstance): void {
  app.setErrorHandler(answerError)
  app.setNotFoundHandler((request, reply) => sendErrorAnswer(reply, answer('DOCQ_ROUTE_NOT_FOUND', `route ${request.method} ${request.url.split('?')[0]} not found`)))
}
