import type { AnyInfrastructure } from '../../infrastructure.js'
import { redisCall } from '../../queue/redis-call.js'
import { ITEM_STATUS } from '../../states.js'
import type { WakeUpDrift } from './overview-json.js'

/**
 * How many due items are checked for a live wake-up: one BullMQ state lookup each, so this sets
 * the overview's time (500 lookups took about half a second on two busy cores, 100 about 80 ms).
 * The page shows the drift, the reconciler repairs it: a sample of the first due items is enough
 * to see whether wake-ups go missing.
 */
export const DUE_ITEMS_EXAMINED = 100
/** How many wake-ups of each waiting state are scanned: one range read per state, one query for their items. */
export const WAKE_UPS_SCANNED_PER_STATE = 200
/** How many ids each part of the drift lists. */
export const DRIFT_SAMPLE_SIZE = 20
// The reconciler's settle time: an item due for less than this may have its wake-up on the way.
const SETTLE_MS = 1_000

// The states in which a wake-up waits for a worker, with BullMQ's name for each range.
const WAITING_STATES = [
  { state: 'waiting', range: 'wait' },
  { state: 'prioritized', range: 'prioritized' },
  { state: 'delayed', range: 'delayed' }
] as const

// A wake-up's job id is its item id, then `<itemId>_w<n>` after a re-send (see wakeUpJobId).
const JOB_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:_w\d+)?$/

type DriftDeps = Pick<AnyInfrastructure, 'pool' | 'queue' | 'wakeUps' | 'redis'>
type StaleWakeUp = WakeUpDrift['wakeUpsOfFinishedItems']['sample'][number]
type WaitingJob = Omit<StaleWakeUp, 'item'>

/**
 * Where Postgres and Redis disagree, in bounded work. Due items with no live wake-up: the first
 * {@link DUE_ITEMS_EXAMINED} due items in claim order, checked as the reconciler checks them.
 * Wake-ups whose item is finished or deleted: the first {@link WAKE_UPS_SCANNED_PER_STATE} jobs
 * of each waiting state, their items read in one query. Active jobs are left out: a worker is on
 * them, and finishing the item before the job is the normal order of things.
 */
export async function loadWakeUpDrift (deps: DriftDeps): Promise<WakeUpDrift> {
  const [orphans, stale] = await Promise.all([
    deps.queue.getPendingItems(DUE_ITEMS_EXAMINED, SETTLE_MS),
    wakeUpsOfFinishedItems(deps)
  ])
  return {
    dueWithoutWakeUp: {
      count: orphans.length,
      examined: DUE_ITEMS_EXAMINED,
      sample: orphans.slice(0, DRIFT_SAMPLE_SIZE).map((item) => item.id)
    },
    wakeUpsOfFinishedItems: stale
  }
}

async function wakeUpsOfFinishedItems (deps: DriftDeps): Promise<WakeUpDrift['wakeUpsOfFinishedItems']> {
  const jobs = await waitingJobs(deps)
  const nothing = { count: 0, scanned: 0, scanLimitPerState: WAKE_UPS_SCANNED_PER_STATE, sample: [] }
  if (jobs === undefined || jobs.length === 0) return nothing
  const itemIds = [...new Set(jobs.map((job) => job.itemId))]
  const { rows } = await deps.pool.query<{ id: string, status: string }>(
    'select id, status from queue_items where id = any($1::uuid[])', [itemIds])
  const statusOf = new Map(rows.map((row) => [row.id, row.status]))
  const stale = jobs.flatMap((job): StaleWakeUp[] => {
    const status = statusOf.get(job.itemId)
    if (status === undefined) return [{ ...job, item: 'gone' }]
    if (status === ITEM_STATUS.completed || status === ITEM_STATUS.failed) return [{ ...job, item: status }]
    return []
  })
  return { ...nothing, count: stale.length, scanned: jobs.length, sample: stale.slice(0, DRIFT_SAMPLE_SIZE) }
}

/** The first jobs of each waiting state with the item each names; undefined when Redis does not answer. */
async function waitingJobs (deps: DriftDeps): Promise<WaitingJob[] | undefined> {
  try {
    // Without Redis (the embedded mode) the wake-ups are in this process, always there to ask.
    const ranges = await redisCall(() => deps.redis === undefined || deps.redis.status === 'ready', async () =>
      await Promise.all(WAITING_STATES.map(async ({ state, range }) =>
        ({ state, ids: await deps.wakeUps.getRanges([range], 0, WAKE_UPS_SCANNED_PER_STATE - 1, true) }))))
    return ranges.flatMap(({ state, ids }) => ids.flatMap((jobId) => {
      // Not a wake-up docqueue sent: nothing to compare it with.
      const itemId = JOB_ID.exec(jobId)?.[1]
      return itemId === undefined ? [] : [{ jobId, itemId, state }]
    }))
  } catch {
    return undefined
  }
}
