import type { HealthService } from '../../services/health-service.js'
import { listWorkers, type WorkerRow } from '../../db/workers.js'
import type { AnyInfrastructure } from '../../infrastructure.js'
import { loadOldestWaits } from './oldest-waits.js'
import type { Overview, WorkerJsonType } from './overview-json.js'
import { coversAllTenants, type OverviewScope } from './overview-scope.js'
import { loadStatusCounts } from './status-counts.js'
import { LAST_DAY_BY_HOUR, LAST_HOUR_BY_MINUTE, loadSeries } from './throughput.js'
import { loadWakeUpDrift } from './wake-up-drift.js'
import { toPauseJson } from '../pauses/pause-json.js'

/** What the overview reads: Postgres, the wake-up queue on Redis, and the health checks. */
export type OverviewDeps = Pick<AnyInfrastructure, 'config' | 'pool' | 'queue' | 'wakeUps' | 'redis'> & { health: HealthService }

function toWorkerJson (row: WorkerRow): WorkerJsonType {
  return {
    id: row.id,
    host: row.host,
    pid: row.pid,
    version: row.version,
    concurrency: row.concurrency,
    itemsHeld: row.itemsHeld,
    startedAt: row.startedAt.toISOString(),
    lastSeenAt: row.lastSeenAt.toISOString(),
    alive: row.alive
  }
}

/**
 * The queue at a glance for the tenants of `scope`. Workers and wake-up drift are the
 * infrastructure every tenant shares, so only an overview of all tenants shows them: a worker
 * or a wake-up queue of some tenants alone does not exist. Every part is bounded work (see each
 * loader), and they run side by side.
 */
export async function loadOverview (deps: OverviewDeps, scope: OverviewScope): Promise<Overview> {
  const shared = coversAllTenants(scope)
  const [counts, waits, perMinute, perHour, readiness, workers, wakeUpDrift, pauses] = await Promise.all([
    loadStatusCounts(deps.pool, scope),
    loadOldestWaits(deps.pool, scope),
    loadSeries(deps.pool, scope, LAST_HOUR_BY_MINUTE),
    loadSeries(deps.pool, scope, LAST_DAY_BY_HOUR),
    deps.health.readiness(),
    shared ? listWorkers(deps.pool, deps.config.WORKER_DEAD_AFTER_MS) : undefined,
    shared ? loadWakeUpDrift(deps) : undefined,
    deps.queue.getPauses(scope.tenants)
  ])
  return {
    generatedAt: new Date().toISOString(),
    scope: { tenants: scope.tenants },
    counts: counts.total,
    tenants: { list: counts.tenants, truncated: counts.truncated },
    throughput: { perMinute, perHour },
    ...waits,
    health: { postgres: readiness.postgres, redis: readiness.redis, warnings: readiness.warnings },
    workers: workers?.map(toWorkerJson) ?? null,
    wakeUpDrift: wakeUpDrift ?? null,
    pauses: pauses.map(toPauseJson)
  }
}
