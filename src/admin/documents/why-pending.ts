import type { Pool } from '../../db/pool.js'
import { listWorkers } from '../../db/workers.js'
import type { DocumentQueueService } from '../../queue/document-queue-service.js'
import type { QueueItem } from '../../queue/queue-item.js'
import { ITEM_STATUS, type ItemStatus } from '../../states.js'
import { countDueAhead } from './due-ahead.js'

/** Why a pending document is still pending; a document may have several reasons at once. */
export const PENDING_REASON = {
  /** Its item is not due yet: a retry waits for its backoff. */
  dueLater: 'due_later',
  /** Every tenant is paused. */
  pausedGlobally: 'paused_globally',
  /** Its tenant is paused. */
  pausedTenant: 'paused_tenant',
  /** No worker has a recent heartbeat. */
  noWorkerOnline: 'no_worker_online',
  /** Due items of higher priority, or waiting longer, come first. */
  behindDueItems: 'behind_due_items',
  /** Redis holds no wake-up that will deliver it; the reconciler will send one. */
  noLiveWakeUp: 'no_live_wake_up',
  /** Due, woken, with workers online: it waits for one of them to take it. */
  waitingForWorkerSlot: 'waiting_for_worker_slot'
} as const
export type PendingReasonCode = typeof PENDING_REASON[keyof typeof PENDING_REASON]
export const pendingReasonCodes: readonly PendingReasonCode[] = Object.values(PENDING_REASON)

export interface PendingReason {
  code: PendingReasonCode
  message: string
}

/** How many due items ahead are counted before saying "more than". */
export const DUE_AHEAD_CAP = 1_000

export interface WhyPendingDeps {
  pool: Pool
  queue: DocumentQueueService
  config: { WORKER_DEAD_AFTER_MS: number, RECONCILE_INTERVAL_MS: number }
}

type PendingItem = Pick<QueueItem, 'id' | 'priority' | 'runAt' | 'attempts' | 'wakeups'> & { status: ItemStatus, tenant: string }

function formatAhead (n: number): string {
  return n > DUE_AHEAD_CAP ? `${DUE_AHEAD_CAP.toLocaleString('en')}+` : n.toLocaleString('en')
}

/**
 * Every reason a document's current item is still pending, as far as Postgres and Redis tell;
 * empty for an item that is not pending. `tenants` (null: every tenant) limits the due items it
 * is compared with to those the account may see. Bounded work: the pauses and workers are few
 * rows, the items ahead are counted up to {@link DUE_AHEAD_CAP}, and one BullMQ lookup.
 */
export async function explainPending (deps: WhyPendingDeps, item: PendingItem, tenants: string[] | null): Promise<PendingReason[]> {
  if (item.status !== ITEM_STATUS.pending) return []
  const [pauses, workers, nowRow] = await Promise.all([
    deps.queue.getPauses([item.tenant]),
    listWorkers(deps.pool, deps.config.WORKER_DEAD_AFTER_MS),
    deps.pool.query<{ due: boolean }>('select $1::timestamptz <= now() as due', [item.runAt])
  ])
  const reasons: PendingReason[] = []
  const due = nowRow.rows[0].due
  if (!due) {
    const why = item.attempts > 0 ? `a retry after attempt ${item.attempts} failed` : 'it was scheduled for later'
    reasons.push({ code: PENDING_REASON.dueLater, message: `Not due before ${item.runAt.toISOString()}: ${why}.` })
  }
  for (const pause of pauses) {
    const since = `since ${pause.pausedAt.toISOString()} by ${pause.pausedBy}${pause.reason === null ? '' : ` (${pause.reason})`}`
    reasons.push(pause.tenant === null
      ? { code: PENDING_REASON.pausedGlobally, message: `Processing is paused for every tenant ${since}.` }
      : { code: PENDING_REASON.pausedTenant, message: `Processing is paused for tenant ${pause.tenant} ${since}.` })
  }
  const alive = workers.filter((worker) => worker.alive)
  if (alive.length === 0) {
    reasons.push({ code: PENDING_REASON.noWorkerOnline, message: 'No worker is online: none has sent a heartbeat recently.' })
  }
  if (!due || pauses.length > 0) return reasons

  const ahead = await countDueAhead(deps.pool, item, tenants, DUE_AHEAD_CAP)
  if (ahead > 0) {
    const among = tenants === null ? 'due items' : 'due items of your tenants'
    reasons.push({ code: PENDING_REASON.behindDueItems, message: `${formatAhead(ahead)} ${among} come before it (higher priority, or waiting longer).` })
  }
  if (!await deps.queue.hasLiveWakeUp(item)) {
    const within = Math.ceil(deps.config.RECONCILE_INTERVAL_MS / 1000)
    reasons.push({ code: PENDING_REASON.noLiveWakeUp, message: `Redis holds no live wake-up for it; the reconciler sends a new one within about ${within} s while a worker runs.` })
  } else if (alive.length > 0) {
    const slots = alive.reduce((sum, worker) => sum + worker.concurrency, 0)
    const busy = alive.reduce((sum, worker) => sum + worker.itemsHeld, 0)
    reasons.push({ code: PENDING_REASON.waitingForWorkerSlot, message: `Its wake-up is queued; it waits for a worker slot (${Math.min(busy, slots)} of ${slots} busy).` })
  }
  return reasons
}
