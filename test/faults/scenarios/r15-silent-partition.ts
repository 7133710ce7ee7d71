import type { ManagedProcess } from '../child-process.js'
import { documentText } from '../corpus.js'
import { DEFAULT_SERVICE_ENV, type Deployment, type HeldItem } from '../deployment.js'
import { readLogLines } from '../logs.js'
import { DeadlineError, waitFor } from '../poll.js'
import type { ScenarioDefinition, ScenarioRun } from '../scenario.js'
import type { SilentProxy } from '../silent-proxy.js'
import { WakeUpProbe } from '../wake-up-probe.js'
import { checkAllAccepted, checkNoCrash, secs, waitUntilHolding } from './helpers.js'

const LEASE_MS = Number(DEFAULT_SERVICE_ENV.LEASE_MS)
// The partition lasts at least this long, and until what it must provoke was seen.
const PARTITION_MS = 3 * LEASE_MS
// The silent worker is still running the item when the re-delivery reaches the other worker.
const REDIS_ONLY_SLEEP_MS = 5_000
// Outlasts the partition (which ends once the item was taken over), so that the silent worker
// finishes while the other worker holds the item, and its finish meets the fence. Finishing
// inside a long partition instead would end in a connection timeout, which proves nothing.
const FULL_SLEEP_MS = 8_000

interface Partitioned {
  worker: ManagedProcess
  redis: SilentProxy
  postgres: SilentProxy
}

interface Attempt { itemId: string, attempt: number, worker: string, outcome: string | null }

async function attemptsOf (deployment: Deployment, itemIds: string[]): Promise<Attempt[]> {
  const { rows } = await deployment.pool.query<Attempt>(
    'select item_id as "itemId", attempt, worker, outcome from queue_item_attempts where item_id = any($1::uuid[]) order by id', [itemIds])
  return rows
}

/** Keeps the partition for {@link PARTITION_MS} and until `provoked` holds; false if that never came. */
async function holdPartition (scenario: ScenarioRun, what: string, provoked: () => Promise<boolean>): Promise<boolean> {
  const startedAt = Date.now()
  scenario.faults = (scenario.faults ?? 0) + 1
  try {
    await waitFor(what, async () => Date.now() - startedAt >= PARTITION_MS && await provoked() ? true : undefined, { timeoutMs: 30_000, intervalMs: 50 })
    return true
  } catch (error) {
    if (!(error instanceof DeadlineError)) throw error
    scenario.problems.push(error.message)
    return false
  } finally {
    scenario.metric(`${what}: partition lasted`, secs(Date.now() - startedAt))
  }
}

/**
 * Waits until Postgres says every document is final and no delivery is still running: a stale
 * run still going could write after the check, and only then would a broken fence show.
 */
async function settle (deployment: Deployment, wakeUps: WakeUpProbe): Promise<void> {
  await deployment.waitAllFinal(60_000)
  await waitFor('every delivery to run to its end', async () => await wakeUps.activeCount() === 0 ? true : undefined, { timeoutMs: 60_000, intervalMs: 100 })
}

/**
 * Uploads one document and makes sure the worker to be partitioned takes it: the others stand
 * frozen meanwhile, so they keep a free slot for the re-delivery that follows.
 */
async function handTo (scenario: ScenarioRun, deployment: Deployment, silent: Partitioned, label: string, sleepMs: number): Promise<HeldItem[]> {
  const others = [...deployment.workers.values()].filter((worker) => worker !== silent.worker && worker.running)
  for (const other of others) other.freeze()
  try {
    const upload = await deployment.upload(`r15${label}-sleep${sleepMs}.txt`, documentText(0, `R15${label}`))
    checkAllAccepted(scenario, [upload], `${label}: upload answered 202`)
    return await waitUntilHolding(deployment, silent.worker, 1, 30_000)
  } finally {
    for (const other of others) other.thaw()
  }
}

/**
 * Redis only: the worker still reaches Postgres and keeps renewing its lease. BullMQ's lock
 * lapses and the other worker's stall check re-delivers the wake-up, but the item is held with
 * a live lease, so the re-delivery finds nothing to claim: the silent worker is alive as far as
 * the truth is concerned, and its completion is the one and only.
 */
async function redisOnly (scenario: ScenarioRun, deployment: Deployment, silent: Partitioned, wakeUps: WakeUpProbe): Promise<void> {
  const held = await handTo(scenario, deployment, silent, 'a', REDIS_ONLY_SLEEP_MS)
  const ids = held.map((item) => item.itemId)
  const before = new Set((await wakeUps.events()).map((entry) => entry.id))
  silent.redis.blackHole()
  scenario.faultAt = Date.now()
  let stillHeld: boolean | undefined
  const redelivered = await holdPartition(scenario, 'redis only: wake-ups re-delivered to the other worker', async () => {
    const events = (await wakeUps.events()).filter((entry) => !before.has(entry.id))
    const handled = ids.every((id) => {
      const own = events.filter((entry) => entry.jobId?.startsWith(id) === true)
      const stalled = own.findIndex((entry) => entry.event === 'stalled')
      return stalled !== -1 && own.slice(stalled).some((entry) => entry.event === 'completed' || entry.event === 'failed')
    })
    if (handled) stillHeld = (await deployment.heldItems()).filter((item) => ids.includes(item.itemId) && item.pid === silent.worker.pid).length === ids.length
    return handled
  })
  silent.redis.heal()
  scenario.check('redis only: BullMQ re-delivered the silent worker\'s wake-ups to the other worker', redelivered, `${ids.length} item(s)`)
  scenario.metric('redis only: items still leased by the silent worker when their re-delivery was turned away', stillHeld === true ? 'all' : 'not all')
  await settle(deployment, wakeUps)

  // The partition cannot end the lease, but a machine starved for longer than the lease can
  // (renewals are late): then the item is taken over like a dead worker's, and fenced.
  const attempts = await attemptsOf(deployment, ids)
  const silentId = new Map(held.map((item) => [item.itemId, item.lockedBy]))
  let lapsed = 0
  const wrong = ids.filter((id) => {
    const own = attempts.filter((attempt) => attempt.itemId === id)
    const completed = own.filter((attempt) => attempt.outcome === 'completed')
    const first = own[0]
    if (first?.worker !== silentId.get(id) || completed.length !== 1) return true
    if (own.length === 1) return first.outcome !== 'completed'
    lapsed += 1
    return first.outcome !== 'crashed' || completed[0].worker === silentId.get(id)
  })
  scenario.metric('redis only: leases that lapsed anyway (renewals starved, not partitioned)', lapsed)
  scenario.check('redis only: one completion, by the silent worker that kept its lease (or, had the lease lapsed, by the other, fenced)', wrong.length === 0,
    wrong.map((id) => attempts.filter((attempt) => attempt.itemId === id).map((attempt) => `${attempt.attempt}:${attempt.outcome}@${attempt.worker === silentId.get(id) ? 'silent' : 'other'}`).join(',')).join('; '))
}

/**
 * Redis and Postgres: the worker is cut off from everything but keeps running (a frozen VM, a
 * host split from the network). Its lease expires, the other worker re-runs the item, and once
 * the partition heals the silent worker's finish reaches Postgres late and is fenced off.
 */
async function fullPartition (scenario: ScenarioRun, deployment: Deployment, silent: Partitioned, wakeUps: WakeUpProbe): Promise<void> {
  const held = await handTo(scenario, deployment, silent, 'b', FULL_SLEEP_MS)
  const ids = held.map((item) => item.itemId)
  const silentIds = new Set(held.map((item) => item.lockedBy))
  silent.redis.blackHole()
  silent.postgres.blackHole()
  scenario.faultAt = Date.now()
  const rerun = await holdPartition(scenario, 'redis and postgres: items re-run by the other worker', async () => {
    const attempts = await attemptsOf(deployment, ids)
    return ids.every((id) => attempts.some((attempt) => attempt.itemId === id && !silentIds.has(attempt.worker)))
  })
  silent.redis.heal()
  silent.postgres.heal()
  const healedAt = Date.now()
  scenario.check('redis and postgres: each item was re-run by the other worker', rerun, `${ids.length} item(s)`)
  await settle(deployment, wakeUps)

  const attempts = await attemptsOf(deployment, ids)
  const wrong = ids.filter((id) => {
    const own = attempts.filter((attempt) => attempt.itemId === id)
    const completed = own.filter((attempt) => attempt.outcome === 'completed')
    const stale = own.filter((attempt) => silentIds.has(attempt.worker))
    return completed.length !== 1 || silentIds.has(completed[0].worker) || stale.some((attempt) => attempt.outcome === 'completed')
  })
  scenario.check('redis and postgres: the silent worker\'s finish was rejected, the other worker\'s completion stands', wrong.length === 0,
    wrong.map((id) => attempts.filter((attempt) => attempt.itemId === id).map((attempt) => `${attempt.attempt}:${attempt.outcome}@${silentIds.has(attempt.worker) ? 'silent' : 'other'}`).join(',')).join('; '))
  // What the silent worker said about these items once it could reach Postgres again.
  const lines = (await readLogLines([silent.worker.logPath])).filter((line) => ids.includes(String(line.itemId)) && (line.time ?? 0) >= healedAt)
  scenario.metric('redis and postgres: the silent worker\'s warnings after healing', [...new Set(lines.map((line) => line.msg))].join(' | ') || 'none')
}

/** After healing, the silent worker takes new work through BullMQ like any other. */
async function healed (scenario: ScenarioRun, deployment: Deployment, silent: Partitioned): Promise<void> {
  for (let round = 1; round <= 3; round++) {
    const uploads = await deployment.uploadAll(Array.from({ length: 4 }, (_, index) => ({
      filename: `r15c-${round}-${index}-sleep300.txt`, text: documentText(20 + round * 4 + index, 'R15c')
    })))
    checkAllAccepted(scenario, uploads, `healed round ${round}: uploads answered 202`)
    await deployment.waitAllFinal(60_000)
    const { rows } = await deployment.pool.query<{ n: number }>(`
      select count(*)::int as n from queue_item_attempts a join queue_items q on q.id = a.item_id join documents d on d.id = q.document_id
       where starts_with(d.filename, 'r15c-') and a.outcome = 'completed' and split_part(a.worker, ':', 2) = $1`, [String(silent.worker.pid)])
    if (rows[0].n > 0) {
      scenario.check('after healing, the silent worker completes new documents', true, `round ${round}, ${rows[0].n} document(s)`)
      return
    }
  }
  scenario.check('after healing, the silent worker completes new documents', false, 'none in 3 rounds')
}

/**
 * R15: a silent partition between one worker and Redis (a proxy that stops forwarding without
 * closing anything), for at least 3 × the lease, BullMQ's lock, while that worker holds jobs.
 *
 * What it must show depends on what the worker can still reach, because in docqueue BullMQ's
 * lock is only the wake-up's and the claim lives in Postgres:
 * - cut off from Redis only, the worker keeps renewing its Postgres lease, so it is alive and
 *   its claim valid. BullMQ re-delivers the wake-up (at-least-once) and the other worker turns
 *   it away: one execution, completed by the partitioned worker. Taking the item over here
 *   would run it twice for nothing: a worker that reaches Postgres keeps its item. (Only a
 *   machine so starved that renewals come later than the lease could end it; that is then a
 *   takeover like any other, fenced, and counted apart, so the scenario does not hang on timing);
 * - cut off from Redis and Postgres, the lease lapses: the other worker re-runs the item, and
 *   after healing the partitioned worker's late finish is rejected by the fence.
 * Both: exactly one completion per document, and INV.
 */
export const silentPartition: ScenarioDefinition = {
  id: 'R15',
  title: 'silent partition of a worker from Redis (and Postgres)',
  run: async (scenario) => {
    const redis = await scenario.redis()
    const deployment = await scenario.deployment({ redisUrl: redis.url, env: { LEASE_MS: String(LEASE_MS) } })
    const wakeUps = new WakeUpProbe(redis.url, deployment.queuePrefix)
    scenario.onTeardown(async () => { await wakeUps.close() })
    const redisPath = await scenario.proxy(redis.url)
    const postgresPath = await scenario.proxy(deployment.databaseUrl)
    await deployment.startApi()
    const [worker] = await Promise.all([
      deployment.startWorker('worker-1', { env: { REDIS_URL: redisPath.url, DATABASE_URL: postgresPath.url } }),
      deployment.startWorker('worker-2')
    ])
    const silent: Partitioned = { worker, redis: redisPath.proxy, postgres: postgresPath.proxy }

    await redisOnly(scenario, deployment, silent, wakeUps)
    await fullPartition(scenario, deployment, silent, wakeUps)
    await healed(scenario, deployment, silent)

    const row = await scenario.verify()
    scenario.check('every document completed', row.completed === row.accepted, `${row.completed}/${row.accepted}`)
    checkNoCrash(scenario, deployment)
  }
}
