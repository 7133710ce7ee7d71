import { Type, type Static } from 'typebox'
import { PauseJson } from '../pauses/pause-json.js'

// The overview as the JSON API answers it and the pages read it: one shape, so the two never
// drift apart. Times are ISO strings, ages are seconds.

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])
const Count = Type.Integer({ minimum: 0 })
const Timestamp = Type.String({ format: 'date-time' })

export const StatusCountsJson = Type.Object({
  pending: Count,
  inProgress: Count,
  completed: Count,
  failed: Count,
  retrying: Type.Integer({ minimum: 0, description: 'Pending documents waiting for a retry after a failed attempt (included in pending)' }),
  failedByKind: Type.Record(Type.String(), Count, { description: 'Failed documents by errorKind: permanent, exhausted, timeout, crashed' })
})
export type StatusCounts = Static<typeof StatusCountsJson>

const TenantCountsJson = Type.Object({
  tenant: Type.String(),
  counts: StatusCountsJson
})

const SeriesJson = (description: string) => Type.Object({
  bucketSeconds: Type.Integer({ description: 'Width of each bucket' }),
  buckets: Type.Array(Type.Object({
    start: Type.String({ format: 'date-time', description: 'Start of the bucket; the last bucket is the current one, still filling' }),
    completed: Type.Integer({ minimum: 0, description: 'Attempts that completed their item' }),
    failed: Type.Integer({ minimum: 0, description: 'Attempts that ended in a failure: the item failed for good, waits for a retry, or its worker crashed' })
  }), { description: 'Oldest first, every bucket present, empty ones with zeros' })
}, { description })
export type Series = Static<ReturnType<typeof SeriesJson>>

const WorkerJson = Type.Object({
  id: Type.String({ description: 'host:pid:publicId' }),
  host: Type.String(),
  pid: Type.Integer(),
  version: Type.String(),
  concurrency: Type.Integer(),
  itemsHeld: Type.Integer({ minimum: 0, description: 'Items the worker works on, as of its last heartbeat' }),
  startedAt: Timestamp,
  lastSeenAt: Timestamp,
  alive: Type.Boolean({ description: 'Whether its last heartbeat is recent enough (WORKER_DEAD_AFTER_MS)' })
})
export type WorkerJsonType = Static<typeof WorkerJson>

const Engine = Type.Enum(['up', 'down'])

export const WakeUpDriftJson = Type.Object({
  dueWithoutWakeUp: Type.Object({
    count: Type.Integer({ minimum: 0, description: 'How many of the due items looked at have no live wake-up' }),
    examined: Type.Integer({ description: 'At most this many due items are looked at, highest priority and longest waiting first; a count equal to it may be higher' }),
    sample: Type.Array(Type.String({ format: 'uuid' }), { description: 'Item ids, the first ones in claim order' })
  }, { description: 'Pending items due for over a second that no BullMQ wake-up will deliver; the reconciler re-sends them. Every due item counts while Redis cannot be asked.' }),
  wakeUpsOfFinishedItems: Type.Object({
    count: Type.Integer({ minimum: 0, description: 'How many of the jobs scanned name an item that is finished or gone' }),
    scanned: Type.Integer({ minimum: 0, description: 'Waiting, prioritized and delayed wake-ups looked at' }),
    scanLimitPerState: Type.Integer({ description: 'At most this many wake-ups are looked at in each of the three states' }),
    sample: Type.Array(Type.Object({
      jobId: Type.String(),
      itemId: Type.String(),
      state: Type.Enum(['waiting', 'prioritized', 'delayed']),
      item: Type.Enum(['completed', 'failed', 'gone'], { description: 'What became of the item: finished, or deleted' })
    }))
  }, { description: 'BullMQ wake-ups that will find nothing to do: harmless, but a sign of drift. Unknown (count 0, scanned 0) while Redis cannot be asked.' })
})
export type WakeUpDrift = Static<typeof WakeUpDriftJson>

export const OverviewJson = Type.Object({
  generatedAt: Timestamp,
  scope: Type.Object({
    tenants: Nullable(Type.Array(Type.String(), { description: 'The tenants this overview covers; null for all of them' }))
  }),
  counts: StatusCountsJson,
  tenants: Type.Object({
    list: Type.Array(TenantCountsJson, { description: 'The tenants with any document, by name' }),
    truncated: Type.Boolean({ description: 'Whether more tenants have documents than the list holds' })
  }),
  throughput: Type.Object({
    perMinute: SeriesJson('The last 60 minutes'),
    perHour: SeriesJson('The last 24 hours')
  }, { description: 'Finished attempts by when they finished' }),
  oldestPendingAgeSeconds: Nullable(Type.Number({ description: 'Seconds the oldest pending document has waited since it was queued; null when none is pending' })),
  oldestInProgressAgeSeconds: Nullable(Type.Number({ description: 'Seconds the longest-running attempt has run; null when none runs' })),
  health: Type.Object({
    postgres: Engine,
    redis: Type.Enum(['up', 'down', 'not used']),
    warnings: Type.Array(Type.String(), { description: 'Configuration that works but endangers the queue' })
  }),
  workers: Nullable(Type.Array(WorkerJson, {
    description: 'Every worker with a heartbeat row, the most recently seen first; dead ones stay listed for an hour'
  })),
  wakeUpDrift: Nullable(WakeUpDriftJson),
  pauses: Type.Array(PauseJson, { description: 'The paused scopes that apply to the overview\'s tenants: the global pause first, then each tenant\'s' })
}, {
  description: 'The queue at a glance. Workers and wake-up drift belong to the infrastructure all tenants share: they are null unless the overview covers every tenant.'
})
export type Overview = Static<typeof OverviewJson>
