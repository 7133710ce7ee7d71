import type { FastifyInstance } from 'fastify'
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import { errorCatalogue, type FixedErrorCode } from '../errors.js'
import { errorBody } from './error-body.js'

interface Answer { code: FixedErrorCode, message: string }

// What Node's HTTP parser and deadlines report on a connection, and how each is answered.
const answers: Record<string, Answer> = {
  HPE_HEADER_OVERFLOW: { code: 'DOCQ_REQUEST_HEADERS_TOO_LARGE', message: 'the request line and headers are over the size limit' },
  ERR_HTTP_REQUEST_TIMEOUT: { code: 'DOCQ_REQUEST_TIMEOUT', message: 'the request did not arrive in time; the connection is closed' }
}
// Anything else the parser reports: an unknown method, a bad Content-Length, bytes that are not HTTP.
const notHttp: Answer = { code: 'DOCQ_REQUEST_MALFORMED', message: 'the request is not valid HTTP' }

/**
 * Fastify's `clientErrorHandler`. Node reports these errors before a request exists (headers too
 * large, a deadline passed, bytes that are not HTTP), so there is no reply to answer with: the
 * answer, in the shape of every other error, is written to the socket and the connection closed.
 */
export function answerConnectionError (this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
  // The client is gone: there is nobody to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const { code, message } = answers[error.code ?? ''] ?? notHttp
  // Clients send garbage all the time; this is no fault of ours.
  this.log.trace({ err: error }, 'connection error')
  if (socket.writable) {
    const statusCode = errorCatalogue[code]
    const body = JSON.stringify(errorBody(code, statusCode, message))
    socket.write(`HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode] ?? 'Error'}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
  }
  socket.destroy(error)
}
