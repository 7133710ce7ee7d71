import type { ItemStatus, Operation } from '../states.js'

/** One request to process a document, as the queue tracks it in `queue_items`. */
export interface QueueItem {
  id: string
  documentId: string
  operation: Operation
  priority: number
  status: ItemStatus
  attempts: number
  maxAttempts: number
  runAt: Date
  /** The worker holding the item while it is in progress. */
  lockedBy: string | null
  lockedUntil: Date | null
  /** Wake-ups sent after the first; names the current BullMQ job (see wakeUpJobId). */
  wakeups: number
}

/** The columns of a {@link QueueItem}, read from `queue_items q`. */
export const ITEM_COLUMNS = `
  q.id, q.document_id as "documentId", q.operation, q.priority, q.status, q.attempts,
  q.max_attempts as "maxAttempts", q.run_at as "runAt", q.locked_by as "lockedBy",
  q.locked_until as "lockedUntil", q.wakeups`

/** A claimed item with what processing needs from its document. */
export interface ClaimedItem extends QueueItem {
  /** The trace the item was queued in (W3C `traceparent`), which its run continues; null when not traced. */
  traceparent: string | null
  filename: string
  declaredType: string | null
  bytes: Buffer
}
