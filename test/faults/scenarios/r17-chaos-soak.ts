import { appendFileSync } from 'node:fs'
import { join } from 'node:path'
import { documentText } from '../corpus.js'
import { DEFAULT_SERVICE_ENV, type Deployment, type UploadResult } from '../deployment.js'
import type { PrivateRedis } from '../redis-server.js'
import { pause, waitFor } from '../poll.js'
import type { ScenarioDefinition, ScenarioRun } from '../scenario.js'
import type { SilentProxy } from '../silent-proxy.js'
import { WakeUpProbe } from '../wake-up-probe.js'
import { checkAllAccepted, checkNoCrash, secs } from './helpers.js'

const UPLOADS_PER_SECOND = 5
const WORKERS = 3
const LEASE_MS = Number(DEFAULT_SERVICE_ENV.LEASE_MS)
const PARTITION_MS = 3 * LEASE_MS
// A pause between faults, drawn from this range, so that the system is caught in every phase.
const GAP_MS = [1_000, 3_000] as const

type FaultKind = 'kill' | 'flush' | 'partition'

interface ChaosWorker {
  name: string
  env: Record<string, string>
  redis: SilentProxy
  postgres: SilentProxy
}

interface Chaos {
  scenario: ScenarioRun
  deployment: Deployment
  redis: PrivateRedis
  workers: ChaosWorker[]
  counts: Map<string, number>
  /** Workers being started again after a kill, by name. */
  restarting: Map<string, Promise<void>>
}

function pick<T> (items: T[]): T {
  return items[Math.floor(Math.random() * items.length)]
}

/** The kinds in a fresh random order: every kind comes up once per round, even in a short run. */
function shuffledKinds (): FaultKind[] {
  const kinds: FaultKind[] = ['kill', 'flush', 'partition']
  for (let index = kinds.length - 1; index > 0; index--) {
    const other = Math.floor(Math.random() * (index + 1))
    ;[kinds[index], kinds[other]] = [kinds[other], kinds[index]]
  }
  return kinds
}

/** Counts a fault and notes it in the scenario's chaos.log, for a post-mortem against the service logs. */
function count (chaos: Chaos, name: string, detail: string): void {
  chaos.counts.set(name, (chaos.counts.get(name) ?? 0) + 1)
  appendFileSync(join(chaos.scenario.logDir, 'chaos.log'), `${new Date().toISOString()} ${name} ${detail}\n`)
}

/**
 * R1: kill -9 a worker, one that holds work if there is one, and start it again in the
 * background (a start takes seconds on a busy machine; the storm goes on meanwhile). One
 * worker at least is left running.
 */
async function killOne (chaos: Chaos): Promise<void> {
  const { deployment } = chaos
  const held = await deployment.heldItems()
  const running = chaos.workers.filter((worker) => !chaos.restarting.has(worker.name) && deployment.workers.get(worker.name)?.running === true)
  if (running.length < 2) return
  const busy = running.filter((worker) => held.some((item) => item.pid === deployment.workers.get(worker.name)?.pid))
  const victim = pick(busy.length > 0 ? busy : running)
  const child = deployment.workers.get(victim.name)
  if (child === undefined) return
  child.signal('SIGKILL')
  await child.waitExit(10_000)
  count(chaos, busy.length > 0 ? 'kill (holding work)' : 'kill (idle)', child.name)
  const restart = deployment.startWorker(victim.name, { env: victim.env }).then(() => {}, (error: Error) => {
    chaos.scenario.problems.push(`restart of ${victim.name} failed: ${error.message}`)
  }).finally(() => chaos.restarting.delete(victim.name))
  chaos.restarting.set(victim.name, restart)
}

/** R3: FLUSHALL: every wake-up, lock and event in Redis is gone; Postgres still has the items. */
async function flush (chaos: Chaos): Promise<void> {
  await chaos.redis.flushAll()
  count(chaos, 'flush', '')
}

/** R15: one worker goes silent, from Redis only or from Redis and Postgres, for 3 × the lease. */
async function partition (chaos: Chaos): Promise<void> {
  const victim = pick(chaos.workers)
  const full = Math.random() < 0.5
  victim.redis.blackHole()
  if (full) victim.postgres.blackHole()
  count(chaos, full ? 'partition (redis and postgres)' : 'partition (redis)', `${victim.name} for ${PARTITION_MS} ms`)
  await pause(PARTITION_MS)
  victim.redis.heal()
  victim.postgres.heal()
}

const FAULTS: Record<FaultKind, (chaos: Chaos) => Promise<void>> = { kill: killOne, flush, partition }

/**
 * Injects faults one after another until `endAt`, and at least one of each kind however busy
 * the machine is; returns how many.
 */
async function injectFaults (chaos: Chaos, endAt: number): Promise<number> {
  let injected = 0
  let bag: FaultKind[] = shuffledKinds()
  while (Date.now() < endAt || bag.length > 0) {
    await pause(GAP_MS[0] + Math.random() * (GAP_MS[1] - GAP_MS[0]))
    if (bag.length === 0) bag = shuffledKinds()
    const kind = bag.pop() as FaultKind
    await FAULTS[kind](chaos)
    chaos.scenario.faultAt = Date.now()
    injected += 1
  }
  return injected
}

/** A steady stream of uploads until `endAt`, some quick, some slow enough to be caught in flight. */
async function uploadSteadily (deployment: Deployment, endAt: number): Promise<UploadResult[]> {
  const startedAt = Date.now()
  const uploads: Array<Promise<UploadResult>> = []
  for (let index = 0; Date.now() < endAt; index++) {
    const sleep = index % 2 === 0 ? '' : `-sleep${50 + (index * 137) % 300}`
    uploads.push(deployment.upload(`r17-${index}${sleep}.txt`, documentText(index, 'R17')))
    await pause(Math.max(0, startedAt + (index + 1) * 1_000 / UPLOADS_PER_SECOND - Date.now()))
  }
  return await Promise.all(uploads)
}

/**
 * R17: the chaos soak. A steady 5 uploads/s while faults of R1 (kill -9 a worker mid-job), R3
 * (FLUSHALL) and R15 (a silent partition of a worker from Redis, or from Redis and Postgres)
 * strike at random, one after another, every 1–3 s. Every worker reaches Redis and Postgres
 * through proxies of its own so that any of them can be partitioned. After the storm every
 * document must complete exactly once (INV); the table reports the faults, the duplicate
 * executions and the upload → completed latency. 30 s × FAULTS_SCALE in CI, or as long as
 * FAULTS_SOAK_SECONDS says (1800 for the nightly soak).
 */
export const chaosSoak: ScenarioDefinition = {
  id: 'R17',
  title: 'chaos soak: kills, flushes, silent partitions',
  run: async (scenario) => {
    const redis = await scenario.redis()
    // A document can be held at several kills and partitions; it must not fail as a poison pill.
    const deployment = await scenario.deployment({ redisUrl: redis.url, env: { MAX_ATTEMPTS: '10' } })
    await deployment.startApi()
    const workers: ChaosWorker[] = []
    for (let index = 1; index <= WORKERS; index++) {
      const redisPath = await scenario.proxy(redis.url)
      const postgresPath = await scenario.proxy(deployment.databaseUrl)
      workers.push({ name: `worker-${index}`, env: { REDIS_URL: redisPath.url, DATABASE_URL: postgresPath.url }, redis: redisPath.proxy, postgres: postgresPath.proxy })
    }
    await Promise.all(workers.map(async (worker) => await deployment.startWorker(worker.name, { env: worker.env })))
    // Workers load their parsers after start-up; on a busy machine that takes a while, and the
    // soak measures faults, not the first warm-up.
    const warmUp = await deployment.uploadAll(Array.from({ length: 2 * WORKERS }, (_, index) => ({ filename: `r17-warm-${index}.txt`, text: documentText(index, 'R17warm') })))
    checkAllAccepted(scenario, warmUp, 'warm-up uploads answered 202')
    await deployment.waitAllFinal(120_000)

    const chaos: Chaos = { scenario, deployment, redis, workers, counts: new Map(), restarting: new Map() }
    const startedAt = Date.now()
    const endAt = startedAt + scenario.settings.soakSeconds * 1_000
    const [uploads, injected] = await Promise.all([uploadSteadily(deployment, endAt), injectFaults(chaos, endAt)])
    for (const worker of workers) {
      worker.redis.heal()
      worker.postgres.heal()
    }
    await Promise.all(chaos.restarting.values())
    scenario.faults = injected
    scenario.metric('soak', secs(Date.now() - startedAt))
    scenario.metric('faults', [...chaos.counts].map(([name, n]) => `${name} ${n}`).join(', '))
    checkAllAccepted(scenario, uploads)

    await deployment.waitAllFinal(120_000 + scenario.settings.soakSeconds * 1_000)
    // A stale run still going could write after the check; only then would a broken fence show.
    const wakeUps = new WakeUpProbe(redis.url, deployment.queuePrefix)
    scenario.onTeardown(async () => { await wakeUps.close() })
    await waitFor('every delivery to run to its end', async () => await wakeUps.activeCount() === 0 ? true : undefined, { timeoutMs: 60_000, intervalMs: 100 })
    const row = await scenario.verify()
    scenario.check('every document completed', row.completed === row.accepted, `${row.completed}/${row.accepted}`)
    scenario.metric('duplicate executions', row.duplicateExecutions)
    const byWorker = new Map<string, number>()
    for (const doc of scenario.snapshot) {
      const completed = doc.history.find((entry) => entry.outcome === 'completed')
      const name = completed === undefined ? undefined : deployment.processOfWorkerId(completed.worker)?.name.replace(/#\d+$/, '')
      if (name !== undefined) byWorker.set(name, (byWorker.get(name) ?? 0) + 1)
    }
    scenario.metric('completed by', [...byWorker].sort().map(([name, n]) => `${name} ${n}`).join(', '))
    if (row.latencyP50Ms !== null) scenario.metric('upload → completed p50 / p99', `${secs(row.latencyP50Ms)} / ${secs(row.latencyP99Ms ?? 0)}`)
    checkNoCrash(scenario, deployment, 'no process died other than the killed workers')
  }
}
