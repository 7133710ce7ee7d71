import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { errorAnswer, sendErrorAnswer } from '../routes/error-handler.js'
import { renderPage } from './render-page.js'
import { isAdminApi } from './require-admin.js'

/** A browser asks for HTML; scripts, the JSON API and live fragments get the JSON error body. */
function wantsPage (request: FastifyRequest): boolean {
  return !isAdminApi(request) && (request.headers.accept ?? '').includes('text/html')
}

/** Where "back" goes: the page the browser came from when it is one of ours, else the overview. */
function backLink (request: FastifyRequest): string {
  const referer = request.headers.referer
  if (referer === undefined) return '/admin'
  try {
    const url = new URL(referer)
    return url.hostname === request.hostname && url.pathname.startsWith('/admin') ? `${url.pathname}${url.search}` : '/admin'
  } catch {
    return '/admin'
  }
}

/**
 * Errors on the admin pages answer a browser with a page: the same status, code and message as
 * the JSON body, in the layout, with a way back. Everything else keeps the JSON answer, so the
 * API's contract does not depend on who asks.
 */
export function answerPageErrors (app: FastifyInstance): void {
  app.setErrorHandler(async (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const answer = errorAnswer(error, request)
    if (!wantsPage(request)) return sendErrorAnswer(reply, answer)
    if (answer.retryAfterSeconds !== undefined) reply.header('retry-after', String(answer.retryAfterSeconds))
    reply.code(answer.body.statusCode)
    try {
      return await renderPage(request, reply, 'error', { title: answer.body.error, error: answer.body, back: backLink(request) })
    } catch (renderError) {
      request.log.error({ err: renderError }, 'the error page could not be rendered')
      return sendErrorAnswer(reply, answer)
    }
  })
}
