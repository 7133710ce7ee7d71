/** A paused scope: every tenant (tenant null) or one tenant. */
export interface QueuePause {
  tenant: string | null
  pausedAt: Date
  pausedBy: string
  reason: string | null
}

/** The columns of a {@link QueuePause}, read from `queue_pauses p`. */
export const PAUSE_COLUMNS = 'p.tenant, p.paused_at as "pausedAt", p.paused_by as "pausedBy", p.reason'
