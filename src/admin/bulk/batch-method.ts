import type { Pool } from '../../db/pool.js'
import type { DocumentQueueService } from '../../queue/document-queue-service.js'
import type { BulkTarget, DocumentActionName } from './bulk-target.js'

/**
 * Applies an action to one batch of ids, touching only documents of `tenants` (null = all);
 * returns the ids it changed (the others were no longer in a state the action applies to).
 */
export type BatchMethod = (ids: string[], tenants: string[] | null) => Promise<string[]>

export interface BatchMethodDeps {
  queue: DocumentQueueService
  pool: Pool
}

// Stand-in until the queue's bulk methods land: per document, through the single-document calls.
async function perDocument (pool: Pool, ids: string[], tenants: string[] | null, apply: (tenant: string, id: string) => Promise<boolean>): Promise<string[]> {
  const { rows } = await pool.query<{ id: string, tenant: string }>(
    'select id, tenant from documents where id = any($1::uuid[]) and ($2::text[] is null or tenant = any($2::text[])) order by id', [ids, tenants])
  const changed: string[] = []
  for (const row of rows) if (await apply(row.tenant, row.id)) changed.push(row.id)
  return changed
}

function documentMethod (action: DocumentActionName, { queue, pool }: BatchMethodDeps): BatchMethod {
  switch (action) {
    case 'delete': return async (ids, tenants) => await perDocument(pool, ids, tenants, async (tenant, id) => await queue.remove(tenant, id))
    case 'reprocess': return async (ids, tenants) => await perDocument(pool, ids, tenants, async (tenant, id) => await queue.enqueue(tenant, id) !== undefined)
    case 'retry':
    case 'cancel':
      return async () => { throw new Error(`the queue cannot ${action} documents in bulk yet`) }
  }
}

/** The queue call a target's batches go through. */
export function batchMethodFor (target: BulkTarget, deps: BatchMethodDeps): BatchMethod {
  switch (target.kind) {
    case 'filter':
    case 'selected':
      return documentMethod(target.action, deps)
    case 'old-documents':
      return documentMethod('delete', deps)
    case 'history':
      return async (ids, tenants) => await deps.queue.removeFinishedItems(ids, tenants)
  }
}
