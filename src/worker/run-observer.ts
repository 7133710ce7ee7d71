import type { DocumentResult } from '../db/document-results.js'
import type { FailureInfo, FailureOutcome } from '../queue/document-queue-service.js'
import type { ClaimedItem } from '../queue/queue-item.js'

/**
 * What a worker tells its metrics about the items it runs and the repairs it makes; the runner
 * and the reconciler call it at their few decisive points and know nothing else of metrics.
 * `durationMs` runs from the claim to the recorded outcome.
 */
export interface RunObserver {
  claimed: (item: ClaimedItem) => void
  completed: (item: ClaimedItem, result: DocumentResult, durationMs: number) => void
  /** A failed attempt, and what the queue made of it: failed for good, a retry, or lost to a takeover. */
  failed: (item: ClaimedItem, failure: FailureInfo, outcome: FailureOutcome, durationMs: number) => void
  reconciled: (repairs: { redispatched: number, crashed: number, takenOver: number }) => void
}
