import type { FastifyInstance } from 'fastify'

/**
 * Answers an error with `Connection: close` while the request's body is still arriving (a 401
 * before the body, a 413 on the declared length, a 503 from the upload budget, a body cut off
 * as too slow). Node would otherwise keep the connection and read the rest of the body to reuse
 * it, so a client could hold a socket long after its answer by trickling bytes nobody wants.
 */
export function closeUnreadBodies (app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply) => {
    if (reply.statusCode >= 400 && request.raw.complete === false) reply.header('connection', 'close')
  })
}
