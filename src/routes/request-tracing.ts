import type { FastifyInstance, FastifyRequest } from 'fastify'
import { contextFrom, SpanKind, SpanStatusCode, tracer, withActiveSpan, type Span } from '../tracing/trace-context.js'

const requestSpans = new WeakMap<FastifyRequest, Span>()

/**
 * A SERVER span for every request of `app` (registered only when the process exports traces),
 * named by method and route pattern and continuing the caller's trace when it sends a W3C
 * `traceparent` header. Routes that start traced work run it in their request's span through
 * {@link inRequestTrace}. Attribute names follow OpenTelemetry's HTTP semantic conventions.
 */
export function registerRequestTracing (app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url
    const span = tracer.startSpan(route === undefined ? request.method : `${request.method} ${route}`, {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': request.method, 'url.path': request.url.split('?')[0], ...(route === undefined ? {} : { 'http.route': route }) }
    }, contextFrom(request.headers))
    requestSpans.set(request, span)
  })
  app.addHook('onResponse', async (request, reply) => {
    endRequestSpan(request, (span) => {
      span.setAttribute('http.response.status_code', reply.statusCode)
      // A server span fails on a server error only: a 4xx is the client's mistake, answered as it should be.
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR })
    })
  })
  app.addHook('onRequestAbort', async (request) => {
    endRequestSpan(request, (span) => { span.setAttribute('error.type', 'aborted') })
  })
}

function endRequestSpan (request: FastifyRequest, describe: (span: Span) => void): void {
  const span = requestSpans.get(request)
  if (span === undefined) return
  requestSpans.delete(request)
  describe(span)
  span.end()
}

/** Runs `work` in the request's span when requests are traced, as it is otherwise. */
export async function inRequestTrace<T> (request: FastifyRequest, work: () => Promise<T>): Promise<T> {
  const span = requestSpans.get(request)
  return span === undefined ? await work() : await withActiveSpan(span, work)
}
