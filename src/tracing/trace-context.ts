import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type TimeInput } from '@opentelemetry/api'

/**
 * Spans through the OpenTelemetry API alone. Until a process starts the SDK (see
 * open-tracing.ts, only when configured) the API is a no-op: spans record nothing, and no
 * traceparent is produced or stored.
 */
export const tracer = trace.getTracer('docqueue')

export { SpanKind, SpanStatusCode, type Span }

/** Attribute names of docqueue's spans, beside OpenTelemetry's semantic conventions. */
export const TRACE_ATTRIBUTE = {
  documentId: 'docqueue.document.id',
  itemId: 'docqueue.item.id',
  operation: 'docqueue.operation',
  attempt: 'docqueue.attempt',
  maxAttempts: 'docqueue.max_attempts',
  worker: 'docqueue.worker.id',
  outcome: 'docqueue.outcome',
  errorCode: 'docqueue.error.code',
  detectedType: 'docqueue.detected_type',
  passages: 'docqueue.passages',
  characters: 'docqueue.characters',
  replayed: 'docqueue.replayed'
} as const

/**
 * The W3C `traceparent` of a context's span, as stored with a queue item so that the worker
 * that runs it, whichever and whenever, continues the trace; null when nothing is traced.
 */
export function traceparentOf (ctx: Context = context.active()): string | null {
  const carrier: { traceparent?: string } = {}
  propagation.inject(ctx, carrier)
  return carrier.traceparent ?? null
}

/** The context a stored or received `traceparent` continues (a fresh root without one). */
export function contextFrom (carrier: Record<string, string | string[] | undefined>): Context {
  return propagation.extract(ROOT_CONTEXT, carrier)
}

/** {@link contextFrom} for one stored `traceparent`, or none. */
export function contextOfTraceparent (traceparent: string | null): Context {
  return traceparent === null ? ROOT_CONTEXT : contextFrom({ traceparent })
}

export interface SpanOptions {
  kind?: SpanKind
  attributes?: Attributes
  /** The parent's context; the active one by default. */
  parent?: Context
  /** When the work began, if before the span could be started (its parent was not known yet). */
  startTime?: TimeInput
}

/**
 * Runs `work` in a new span, active for everything it starts: an error is recorded on the span
 * (status ERROR) and thrown on; the span ends when `work` settles.
 */
export async function inSpan<T> (name: string, options: SpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  const parent = options.parent ?? context.active()
  const span = tracer.startSpan(name, { kind: options.kind, attributes: options.attributes, startTime: options.startTime }, parent)
  try {
    return await context.with(trace.setSpan(parent, span), async () => await work(span))
  } catch (error) {
    markFailed(span, error)
    throw error
  } finally {
    span.end()
  }
}

/**
 * Runs `work` once for several traces: one span per parent, each ending when `work` settles.
 * For a statement written for a batch of documents, each of which is followed by its own trace.
 */
export async function inSpans<T> (name: string, spans: Array<Pick<SpanOptions, 'parent' | 'attributes'>>, work: () => Promise<T>): Promise<T> {
  const started = spans.map((options) => tracer.startSpan(name, { attributes: options.attributes }, options.parent ?? context.active()))
  try {
    return await work()
  } catch (error) {
    for (const span of started) markFailed(span, error)
    throw error
  } finally {
    for (const span of started) span.end()
  }
}

/** Runs `work` with `span` as the active span, so that the spans it starts are its children. */
export async function withActiveSpan<T> (span: Span, work: () => Promise<T>): Promise<T> {
  return await context.with(trace.setSpan(context.active(), span), work)
}

/** Records, in the active context, a span for work that already happened between `start` and `end`. */
export function recordSpan (name: string, start: TimeInput, end: TimeInput): void {
  tracer.startSpan(name, { startTime: start }).end(end)
}

/** Records an error on a span and sets its status to ERROR. */
export function markFailed (span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error))
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) })
}
