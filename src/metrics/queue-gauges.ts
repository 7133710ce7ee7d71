import { Gauge, type Registry } from 'prom-client'
import type { Queryable } from '../db/pool.js'
import { ITEM_STATUS } from '../states.js'
import { loadQueueSnapshot, type QueueSnapshot } from './queue-snapshot.js'

/** A gauge set afresh from the snapshot at every scrape. */
function snapshotGauge<L extends string> (
  definition: { name: string, help: string, labelNames: readonly L[] },
  snapshot: () => Promise<QueueSnapshot>,
  fill: (gauge: Gauge<L>, snapshot: QueueSnapshot) => void
): Gauge<L> {
  return new Gauge({
    ...definition,
    registers: [],
    async collect () {
      const taken = await snapshot()
      // Reset first, so that a tenant whose documents are all gone leaves no stale series.
      this.reset()
      fill(this, taken)
    }
  })
}

/**
 * The queue-wide gauges, read from Postgres when scraped: every API process exports the same
 * values (aggregate them with `max`, not `sum`). A scrape's gauges share one snapshot, so they
 * agree with each other and cost one query.
 */
export function registerQueueGauges (registry: Registry, db: Queryable): void {
  let inFlight: Promise<QueueSnapshot> | undefined
  const snapshot = async (): Promise<QueueSnapshot> => {
    inFlight ??= loadQueueSnapshot(db).finally(() => { inFlight = undefined })
    return await inFlight
  }
  const gauges = [
    snapshotGauge({
      name: 'docqueue_documents',
      help: 'Documents by tenant and status (their current queue item\'s), from the kept counts in Postgres',
      labelNames: ['tenant', 'status']
    }, snapshot, (gauge, { tenants }) => {
      for (const { tenant, counts } of tenants) {
        gauge.set({ tenant, status: ITEM_STATUS.pending }, counts.pending)
        gauge.set({ tenant, status: ITEM_STATUS.inProgress }, counts.inProgress)
        gauge.set({ tenant, status: ITEM_STATUS.completed }, counts.completed)
        gauge.set({ tenant, status: ITEM_STATUS.failed }, counts.failed)
      }
    }),
    snapshotGauge({
      name: 'docqueue_documents_retrying',
      help: 'Pending documents whose last attempt failed transiently or crashed, by tenant',
      labelNames: ['tenant']
    }, snapshot, (gauge, { tenants }) => {
      for (const { tenant, counts } of tenants) gauge.set({ tenant }, counts.retrying)
    }),
    snapshotGauge({
      name: 'docqueue_documents_failed_by_kind',
      help: 'Failed documents by tenant and error kind (permanent, timeout, exhausted, crashed)',
      labelNames: ['tenant', 'kind']
    }, snapshot, (gauge, { tenants }) => {
      for (const { tenant, counts } of tenants) {
        for (const [kind, n] of Object.entries(counts.failedByKind)) gauge.set({ tenant, kind }, n)
      }
    }),
    snapshotGauge({
      name: 'docqueue_oldest_pending_age_seconds',
      help: 'How long the oldest pending document of each tenant with any has waited, in seconds',
      labelNames: ['tenant']
    }, snapshot, (gauge, { tenants }) => {
      for (const { tenant, oldestPendingAgeSeconds } of tenants) {
        if (oldestPendingAgeSeconds !== null) gauge.set({ tenant }, oldestPendingAgeSeconds)
      }
    })
  ]
  for (const gauge of gauges) registry.registerMetric(gauge)
}
