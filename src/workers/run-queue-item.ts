import type { Logger } from 'pino'
import type { ClaimedItem, ItemResult } from '../db/queue-items.js'
import { ProcessingError, type DocumentProcessor } from '../processing/index.js'
import type { DocumentQueueService, FailureInfo } from '../queue/document-queue-service.js'

/**
 * What happened to one delivery of an item:
 * - `completed` / `failed`: this call claimed the item and recorded the outcome;
 * - `skipped`: nothing to do (already claimed by another worker, finished, or deleted);
 * - `lost`: this call processed the item but its claim was taken over meanwhile, so its
 *   result was discarded and the new holder's outcome stands.
 */
export type RunOutcome = 'completed' | 'failed' | 'skipped' | 'lost'

export interface ItemRunnerDeps {
  queue: DocumentQueueService
  processor: DocumentProcessor
  logger: Logger
  leaseMs: number
}

/**
 * Extraction as the queue sees it: the claimed item's bytes in, the document's text and
 * metadata out. Everything format-specific lives behind the processor.
 */
export async function processDocumentContent (processor: DocumentProcessor, item: ClaimedItem): Promise<ItemResult> {
  const processed = await processor.process({ bytes: item.bytes, filename: item.filename, declaredType: item.declaredType })
  return { mediaType: processed.detectedType, text: processed.text, metadata: { ...processed.metadata }, chunks: processed.chunks }
}

function describeFailure (error: unknown): FailureInfo {
  if (error instanceof ProcessingError) {
    return { message: error.message, kind: error.permanent ? 'permanent' : 'transient', code: error.code }
  }
  return { message: error instanceof Error ? error.message : String(error), kind: 'transient', code: 'internal' }
}

/**
 * The one path every delivery takes, from a BullMQ worker or the sweeper alike:
 * claim (a conditional update with a lease) → {@link processDocumentContent} → mark completed
 * or failed, fenced by the claim. A second delivery of an item that is claimed or finished
 * finds nothing to claim and returns `skipped`. Errors reaching Postgres are thrown: the item
 * keeps its lease and is taken again once the lease expires.
 */
export async function runQueueItem (deps: ItemRunnerDeps, ref: { id: string }): Promise<RunOutcome> {
  const item = await deps.queue.markInProgress(ref)
  if (item === undefined) return 'skipped'

  const log = deps.logger.child({ itemId: item.id, documentId: item.documentId, attempt: item.attempts, worker: deps.queue.workerId })
  const startedAt = performance.now()
  log.info({ operation: item.operation }, 'item claimed')
  const renewal = setInterval(() => {
    deps.queue.renewLease(item).then((held) => {
      if (!held) log.warn('lease lost while processing; the result will be discarded')
    }, (error: Error) => log.warn({ err: error.message }, 'lease renewal failed'))
  }, Math.max(250, Math.floor(deps.leaseMs / 3)))

  try {
    let result: ItemResult
    try {
      result = await processDocumentContent(deps.processor, item)
    } catch (error) {
      const failure = describeFailure(error)
      const recorded = await deps.queue.markFailed(item, failure)
      const durationMs = Math.round(performance.now() - startedAt)
      if (!recorded) {
        log.warn({ durationMs }, 'item failed but its claim was lost; outcome discarded')
        return 'lost'
      }
      log.warn({ durationMs, errorKind: failure.kind, err: failure.message }, 'item failed')
      return 'failed'
    }
    const recorded = await deps.queue.markCompleted(item, result)
    const durationMs = Math.round(performance.now() - startedAt)
    if (!recorded) {
      log.warn({ durationMs }, 'item processed but its claim was lost; result discarded')
      return 'lost'
    }
    log.info({ durationMs, words: result.metadata.words }, 'item completed')
    return 'completed'
  } finally {
    clearInterval(renewal)
  }
}
