import type { Logger } from 'pino'
import type { DocumentResult } from '../db/document-results.js'
import { ProcessingError, type DocumentProcessor } from '../processing/index.js'
import type { DocumentQueueService, FailureInfo } from '../queue/document-queue-service.js'
import { InvalidResultError } from '../queue/invalid-result-error.js'
import type { ClaimedItem, QueueItem } from '../queue/queue-item.js'
import { FAILURE_CODE } from '../states.js'
import { contextOfTraceparent, inSpan, markFailed, recordSpan, SpanKind, TRACE_ATTRIBUTE, type Span } from '../tracing/trace-context.js'
import type { RunObserver } from './run-observer.js'

/**
 * What happened to one delivery of an item:
 * - `completed` / `failed`: this call claimed the item and recorded the final outcome;
 * - `retrying`: the attempt failed transiently and the next one is scheduled;
 * - `skipped`: nothing to do (claimed by another worker, not due, finished, or deleted);
 * - `lost`: this call ran the item but its claim was taken over or released meanwhile, so its
 *   outcome was discarded and the new holder's stands.
 */
export type RunOutcome = 'completed' | 'failed' | 'retrying' | 'skipped' | 'lost'

export interface ItemRunnerDeps {
  queue: DocumentQueueService
  processor: DocumentProcessor
  logger: Logger
  leaseMs: number
  /** Items this process holds right now, so that a shutdown can give them back. */
  active: Set<QueueItem>
  hooks?: RunnerHooks
  observer?: RunObserver
}

/** A seam for the reliability tests, which make chosen documents misbehave; none in production. */
export interface RunnerHooks {
  /** Runs after the claim, before processing; a throw counts as a processing failure. */
  beforeProcessing?: (item: ClaimedItem) => Promise<void>
}

/**
 * Extraction as the queue sees it: the claimed item's bytes in, the document's text, metadata
 * and passages out. Everything format-specific lives behind the processor.
 */
export async function processDocumentContent (processor: DocumentProcessor, item: ClaimedItem): Promise<DocumentResult> {
  const processed = await processor.process({ bytes: item.bytes, filename: item.filename, declaredType: item.declaredType })
  return { mediaType: processed.detectedType, text: processed.text, metadata: { ...processed.metadata }, chunks: processed.chunks }
}

function describeFailure (error: unknown): FailureInfo {
  if (error instanceof ProcessingError) return { message: error.message, permanent: error.permanent, code: error.code }
  return { message: error instanceof Error ? error.message : String(error), permanent: false, code: FAILURE_CODE.internal }
}

/**
 * The one path every delivery takes, from a wake-up or a sweep alike:
 * claim (a conditional update with a lease) → {@link processDocumentContent} → record the
 * outcome, fenced by the claim. A second delivery of an item that is claimed or finished finds
 * nothing to claim and returns `skipped`. A result Postgres refuses for its values fails the
 * item for good (`invalid_result`); other errors reaching Postgres are thrown: the item keeps
 * its lease and is taken again once the lease expires.
 *
 * Each run is a `docqueue.process` span in the trace the item was queued in (a retry is one
 * more run of the same trace), with `docqueue.claim`, `docqueue.extract` and `docqueue.complete`
 * (and its `docqueue.index`) beneath it. A delivery that claims nothing records no span.
 */
export async function runQueueItem (deps: ItemRunnerDeps, ref: { id: string }): Promise<RunOutcome> {
  const claimStart = new Date()
  const item = await deps.queue.markInProgress(ref)
  if (item === undefined) return 'skipped'
  const claimEnd = new Date()
  // The claim is what tells which trace the run belongs to: its span is recorded afterwards.
  return await inSpan('docqueue.process', {
    kind: SpanKind.CONSUMER,
    parent: contextOfTraceparent(item.traceparent),
    startTime: claimStart,
    attributes: {
      [TRACE_ATTRIBUTE.documentId]: item.documentId,
      [TRACE_ATTRIBUTE.itemId]: item.id,
      [TRACE_ATTRIBUTE.operation]: item.operation,
      [TRACE_ATTRIBUTE.attempt]: item.attempts,
      [TRACE_ATTRIBUTE.maxAttempts]: item.maxAttempts,
      [TRACE_ATTRIBUTE.worker]: deps.queue.workerId
    }
  }, async (span) => {
    recordSpan('docqueue.claim', claimStart, claimEnd)
    const outcome = await runClaimedItem(deps, item, span)
    span.setAttribute(TRACE_ATTRIBUTE.outcome, outcome)
    return outcome
  })
}

async function runClaimedItem (deps: ItemRunnerDeps, item: ClaimedItem, span: Span): Promise<RunOutcome> {
  const log = deps.logger.child({ itemId: item.id, documentId: item.documentId, attempt: item.attempts, worker: deps.queue.workerId })
  const startedAt = performance.now()
  const elapsed = (): number => Math.round(performance.now() - startedAt)
  log.info({ operation: item.operation }, 'item claimed')
  deps.observer?.claimed(item)
  deps.active.add(item)
  const renewal = setInterval(() => {
    deps.queue.renewLease(item).then((held) => {
      if (!held) log.warn('lease lost while processing; the outcome will be discarded')
    }, (error: Error) => log.warn({ err: error.message }, 'lease renewal failed'))
  }, Math.max(100, Math.floor(deps.leaseMs / 3)))

  const recordFailure = async (failure: FailureInfo): Promise<RunOutcome> => {
    markFailed(span, failure.message)
    span.setAttribute(TRACE_ATTRIBUTE.errorCode, failure.code)
    const outcome = await deps.queue.markFailed(item, failure)
    deps.observer?.failed(item, failure, outcome, elapsed())
    const fields = { durationMs: elapsed(), errorCode: failure.code, err: failure.message }
    if (outcome === 'lost') log.warn(fields, 'item failed but its claim was lost; outcome discarded')
    else if (outcome === 'retrying') log.warn(fields, 'item failed transiently; retry scheduled')
    else log.warn(fields, 'item failed')
    return outcome
  }

  try {
    let result: DocumentResult
    try {
      result = await inSpan('docqueue.extract', {}, async (extraction) => {
        await deps.hooks?.beforeProcessing?.(item)
        const extracted = await processDocumentContent(deps.processor, item)
        extraction.setAttributes({
          [TRACE_ATTRIBUTE.detectedType]: extracted.mediaType,
          [TRACE_ATTRIBUTE.characters]: extracted.text.length,
          [TRACE_ATTRIBUTE.passages]: extracted.chunks.length
        })
        return extracted
      })
    } catch (error) {
      return await recordFailure(describeFailure(error))
    }
    let recorded: boolean
    try {
      // The result and the completed status, written in one transaction (see markCompleted).
      recorded = await inSpan('docqueue.complete', {}, async () => await deps.queue.markCompleted(item, result))
    } catch (error) {
      // A result Postgres refuses would be refused on every attempt: fail it now rather than
      // let it pass for a crashed worker until the attempts run out.
      if (error instanceof InvalidResultError) return await recordFailure({ message: error.message, permanent: true, code: error.code })
      throw error
    }
    if (!recorded) {
      log.warn({ durationMs: elapsed() }, 'item processed but its claim was lost; result discarded')
      return 'lost'
    }
    deps.observer?.completed(item, result, elapsed())
    log.info({ durationMs: elapsed(), words: result.metadata.words }, 'item completed')
    return 'completed'
  } finally {
    clearInterval(renewal)
    deps.active.delete(item)
  }
}
