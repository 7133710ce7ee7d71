import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'

// Answers a flood of bad or throttled keys produces: one info line each would flood the logs
// (7.9 MB in 4 s in a test). The throttle logs once when it starts refusing an address instead.
const QUIET_STATUSES = new Set([401, 429])

/**
 * Fastify's request log, one line per request: the request's arrival only at `debug`, and its
 * completion (with method, URL and status) at `info`, except refused authentications and rate
 * limits, which stay at `debug`.
 */
export class RequestLogController extends LogController {
  override incomingRequest (request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request')
  }

  override requestCompleted (error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error !== null && error !== undefined) {
      reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored')
    } else if (QUIET_STATUSES.has(reply.statusCode)) {
      reply.log.debug({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed')
    } else {
      reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed')
    }
  }
}
