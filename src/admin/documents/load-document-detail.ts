import type { Pool } from '../../db/pool.js'
import { AppError } from '../../errors.js'
import type { DocumentQueueService } from '../../queue/document-queue-service.js'
import { priorityName } from '../../queue/priority.js'
import type { AttemptRow } from '../../queue/sql/attempts.js'
import { ITEM_STATUS, type AdminAction, type ItemStatus } from '../../states.js'
import type { AdminIdentity } from '../admin-identity.js'
import { actionsAllowed } from '../actions/document-actions.js'
import type { DocumentDetail } from './detail-json.js'
import { listDocumentAudit } from './document-audit.js'
import { listDocumentItems } from './document-items.js'
import { loadDocumentPreview } from './document-preview.js'
import { findAdminDocument } from './find-admin-document.js'
import { explainPending } from './why-pending.js'

export interface DocumentDetailDeps {
  pool: Pool
  queue: DocumentQueueService
  config: { WORKER_DEAD_AFTER_MS: number, RECONCILE_INTERVAL_MS: number }
}

const ITEMS_SHOWN = 50
const AUDIT_SHOWN = 50
const PREVIEW = { textChars: 4_096, passages: 5, passageChars: 1_000 }

/** Which actions apply to a document in `status`. */
const APPLIES: Record<AdminAction, (status: ItemStatus) => boolean> = {
  retry: (status) => status === ITEM_STATUS.failed,
  reprocess: (status) => status === ITEM_STATUS.completed || status === ITEM_STATUS.failed,
  cancel: (status) => status === ITEM_STATUS.pending,
  delete: () => true
}

/** Whether `action` applies to a document in `status` (retry a failed one, cancel a pending one, ...). */
export function actionApplies (action: AdminAction, status: ItemStatus): boolean {
  return APPLIES[action](status)
}

function iso (date: Date | null): string | null {
  return date?.toISOString() ?? null
}

/**
 * Everything the detail page shows of a document the account may see: the document, each of
 * its items with its attempts, the audit entries naming it, a preview of its text, why it is
 * still pending, and the actions the account may take. 404 (DOCQ_DOCUMENT_NOT_FOUND) for a
 * document that does not exist or belongs to a tenant the account does not see.
 */
export async function loadDocumentDetail (deps: DocumentDetailDeps, admin: AdminIdentity, id: string): Promise<DocumentDetail> {
  const record = await findAdminDocument(deps.pool, id, admin.tenants)
  if (record === undefined) throw new AppError('DOCQ_DOCUMENT_NOT_FOUND', `no document ${id}`)
  const [items, attempts, audit, preview, whyPending] = await Promise.all([
    listDocumentItems(deps.pool, id, ITEMS_SHOWN),
    deps.queue.getAttempts(id),
    listDocumentAudit(deps.pool, id, AUDIT_SHOWN),
    loadDocumentPreview(deps.pool, id, PREVIEW),
    explainPending(deps, { ...record, id: record.itemId }, admin.tenants)
  ])
  const attemptsOf = new Map<string, AttemptRow[]>()
  for (const attempt of attempts) attemptsOf.set(attempt.itemId, [...attemptsOf.get(attempt.itemId) ?? [], attempt])
  return {
    document: {
      id: record.id,
      tenant: record.tenant,
      filename: record.filename,
      mediaType: record.mediaType,
      declaredType: record.declaredType,
      size: record.size,
      sha256: record.sha256,
      status: record.status,
      priority: priorityName(record.priority),
      operation: record.operation,
      attempts: record.attempts,
      maxAttempts: record.maxAttempts,
      lastError: record.lastError,
      errorKind: record.errorKind,
      errorCode: record.errorCode,
      runAt: record.runAt.toISOString(),
      version: record.version,
      createdAt: record.createdAt.toISOString(),
      updatedAt: record.updatedAt.toISOString(),
      processedAt: iso(record.processedAt),
      metadata: record.metadata
    },
    items: items.map((item) => ({
      id: item.id,
      current: item.id === record.itemId,
      operation: item.operation,
      status: item.status,
      priority: priorityName(item.priority),
      attempts: item.attempts,
      maxAttempts: item.maxAttempts,
      runAt: item.runAt.toISOString(),
      createdAt: item.createdAt.toISOString(),
      finishedAt: iso(item.finishedAt),
      lastError: item.lastError,
      errorKind: item.errorKind,
      errorCode: item.errorCode,
      attemptList: (attemptsOf.get(item.id) ?? []).map((attempt) => ({
        attempt: attempt.attempt,
        worker: attempt.worker,
        startedAt: attempt.startedAt.toISOString(),
        finishedAt: iso(attempt.finishedAt),
        durationMs: attempt.finishedAt === null ? null : Math.max(0, attempt.finishedAt.getTime() - attempt.startedAt.getTime()),
        outcome: attempt.outcome,
        error: attempt.error
      }))
    })),
    audit: audit.map((entry) => ({ ...entry, at: entry.at.toISOString() })),
    preview,
    whyPending: record.status === ITEM_STATUS.pending ? whyPending : null,
    actions: actionsAllowed(admin).filter((action) => actionApplies(action, record.status))
  }
}
