import type { BeforeCommit, DocumentQueueService } from '../../queue/document-queue-service.js'
import type { AdminAction } from '../../states.js'
import { documentActionMethods } from '../actions/document-actions.js'
import type { BulkTarget } from './bulk-target.js'

/**
 * Applies an action to one batch of ids through the queue, touching only documents of
 * `tenants` (null = all), with `beforeCommit` in the same transaction; returns the ids it
 * changed (the others were no longer in a state the action applies to).
 */
export type BatchMethod = (ids: string[], tenants: string[] | null, beforeCommit: BeforeCommit) => Promise<string[]>

function documentMethod (queue: DocumentQueueService, action: AdminAction): BatchMethod {
  return async (ids, tenants, beforeCommit) => await documentActionMethods[action](queue, ids, tenants, beforeCommit)
}

/** The queue call a target's batches go through. */
export function batchMethodFor (queue: DocumentQueueService, target: BulkTarget): BatchMethod {
  switch (target.kind) {
    case 'filter':
    case 'selected':
      return documentMethod(queue, target.action)
    case 'old-documents':
      return documentMethod(queue, 'delete')
    case 'history':
      return async (ids, tenants, beforeCommit) => await queue.removeFinishedItems(ids, tenants, beforeCommit)
  }
}
