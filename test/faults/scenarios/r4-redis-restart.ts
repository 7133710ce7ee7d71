import { documentText } from '../corpus.js'
import type { Deployment, UploadResult } from '../deployment.js'
import { pause, waitFor } from '../poll.js'
import type { ScenarioDefinition } from '../scenario.js'
import { checkAllAccepted, checkNoCrash, rowsOfRefusedUploads, secs, waitUntilHolding } from './helpers.js'
import { FAULT_WORKER_READY } from '../fault-injector.js'

const OUTAGE_MS = 3_000
const PROBE_ROUNDS = 3

async function readiness (deployment: Deployment): Promise<{ redis?: string, postgres?: string }> {
  const response = await fetch(`${deployment.apiUrl}/readyz`, { signal: AbortSignal.timeout(5_000) })
  return await response.json() as { redis?: string, postgres?: string }
}

/** Runs the sweeper through the API until every accepted document is final; returns the sweeps. */
async function sweepUntilFinal (deployment: Deployment, timeoutMs: number): Promise<number> {
  let sweeps = 0
  await waitFor('the sweeper to finish every document', async () => {
    if (await deployment.unfinished() === 0) return true
    sweeps += 1
    const response = await fetch(`${deployment.apiUrl}/cron/process?limit=200`, {
      method: 'POST', headers: { authorization: `Bearer ${deployment.cronSecret}` }, signal: AbortSignal.timeout(60_000)
    })
    if (response.status !== 200) throw new Error(`POST /cron/process answered ${response.status}: ${await response.text()}`)
    return undefined
  }, { timeoutMs, intervalMs: 200 })
  return sweeps
}

/**
 * R4/R7/R6: Redis without persistence is killed -9 and started again 3 s later. With the
 * reconciler slowed to a minute, only BullMQ can deliver: every worker, including one started
 * while Redis was down, must take new jobs without a restart (the BullMQ pitfall of workers that
 * go quiet after a reconnect). Uploads during the outage answer fast and complete afterwards
 * through the sweeper.
 */
export const redisRestart: ScenarioDefinition = {
  id: 'R4',
  title: 'Redis kill -9 and restart, no persistence (R4/R6/R7)',
  run: async (scenario) => {
    const redis = await scenario.redis()
    const deployment = await scenario.deployment({ redisUrl: redis.url, env: { RECONCILE_INTERVAL_MS: '60000' } })
    await deployment.startApi()
    const [first] = await Promise.all(['worker-1', 'worker-2'].map(async (name) => await deployment.startWorker(name)))

    const baseline = await deployment.uploadAll(Array.from({ length: 6 }, (_, index) => ({ filename: `r4-base-${index}.txt`, text: documentText(index, 'R4') })))
    checkAllAccepted(scenario, baseline, 'baseline uploads answered 202')
    await deployment.waitAllFinal(30_000)

    // Jobs active in the workers (and some waiting) when Redis dies.
    const inFlight = await deployment.uploadAll(Array.from({ length: 8 }, (_, index) => ({ filename: `r4-flight-${index}-sleep1500.txt`, text: documentText(100 + index, 'R4') })))
    checkAllAccepted(scenario, inFlight, 'in-flight uploads answered 202')
    await waitUntilHolding(deployment, first, 1, 15_000)

    await redis.kill9()
    const downAt = Date.now()
    scenario.faultAt = downAt
    // R7: a worker that starts while Redis is down.
    const late = await deployment.startWorker('worker-3', { ready: false })
    // R6: uploads while Redis is down answer at once; 202 means Postgres has them.
    const duringOutage: UploadResult[] = []
    for (let index = 0; index < 4; index++) {
      duringOutage.push(await deployment.upload(`r6-down-${index}.txt`, documentText(200 + index, 'R4'), 10_000))
    }
    const slow = duringOutage.filter((upload) => upload.ms > 2_000 || (upload.status !== 202 && upload.status !== 503))
    scenario.check('R6 uploads during the outage answer 202 or 503 within 2 s', slow.length === 0,
      duringOutage.map((upload) => `${upload.status} in ${upload.ms} ms`).join(', '))
    scenario.metric('R6 upload latency max', `${Math.max(...duringOutage.map((upload) => upload.ms))} ms`)
    const refused = duringOutage.filter((upload) => upload.status === 503)
    if (refused.length > 0) scenario.metric('R6 uploads refused with 503', refused.length)
    const leftovers = await rowsOfRefusedUploads(deployment, duringOutage)
    scenario.check('R6 a refused upload leaves no document behind', leftovers.length === 0, leftovers.join(', '))

    await pause(Math.max(0, downAt + OUTAGE_MS - Date.now()))
    await redis.start()
    const upAt = Date.now()
    scenario.metric('redis down for', secs(upAt - downAt))
    await late.waitForLog(FAULT_WORKER_READY, 30_000)
    await waitFor('the API to see Redis up', async () => (await readiness(deployment)).redis === 'up' ? true : undefined,
      { timeoutMs: 30_000, intervalMs: 100, tolerateErrors: true })

    // Only BullMQ delivers now (the reconciler ticks once a minute): every worker must take jobs.
    const workers = [...deployment.workers.values()]
    const takers = new Set<number>()
    const probeIds: string[] = []
    let lastProbeFinal = upAt
    for (let round = 1; round <= PROBE_ROUNDS && takers.size < workers.length; round++) {
      const probes = await deployment.uploadAll(Array.from({ length: workers.length * 2 }, (_, index) => ({
        filename: `r7-probe-${round}-${index}-sleep1000.txt`, text: documentText(300 + round * 10 + index, 'R4')
      })))
      checkAllAccepted(scenario, probes, `probe round ${round} uploads answered 202`)
      const ids = probes.flatMap((probe) => probe.id === undefined ? [] : [probe.id])
      probeIds.push(...ids)
      const delivered = await waitFor(`probe round ${round} completed through BullMQ`, async () => {
        const { rows } = await deployment.pool.query<{ status: string, worker: string | null }>(`
          select d.status, a.worker
            from documents d join queue_items q on q.id = d.current_item_id
            left join queue_item_attempts a on a.item_id = q.id and a.outcome = 'completed'
           where d.id = any($1::uuid[])`, [ids])
        return rows.every((row) => row.status === 'completed') ? rows : undefined
      }, { timeoutMs: 25_000, intervalMs: 100 }).catch((error: Error) => {
        scenario.check(`probe round ${round} completed through BullMQ`, false, error.message)
        return undefined
      })
      if (delivered === undefined) break
      lastProbeFinal = Date.now()
      for (const row of delivered) if (row.worker !== null) takers.add(deployment.processOfWorkerId(row.worker)?.pid ?? -1)
    }
    const idle = workers.filter((worker) => !takers.has(worker.pid)).map((worker) => worker.name)
    scenario.check('every worker took new jobs after the restart without a process restart', idle.length === 0 && workers.every((worker) => worker.running),
      idle.length === 0 ? `${workers.length} workers` : `never took a job: ${idle.join(', ')}`)
    scenario.check('R7 the worker started during the outage processes within 20 s of Redis coming up',
      takers.has(late.pid) && lastProbeFinal - upAt <= 20_000, `took a job: ${takers.has(late.pid)}, probes done ${secs(lastProbeFinal - upAt)} after Redis came up`)
    scenario.metric('probes done after redis up', secs(lastProbeFinal - upAt))

    // Documents whose wake-ups Redis never got (R6) or lost: still pending, for the sweeper.
    const accepted = duringOutage.flatMap((upload) => upload.id === undefined ? [] : [upload.id])
    const { rows: waiting } = await deployment.pool.query<{ pending: number }>(
      "select count(*)::int as pending from documents where id = any($1::uuid[]) and status = 'pending'", [accepted])
    scenario.metric('R6 documents pending before the sweep', `${waiting[0].pending}/${accepted.length}`)
    scenario.metric('not final before the sweep', await deployment.unfinished())
    const sweeps = await sweepUntilFinal(deployment, 60_000)
    scenario.metric('sweeps', sweeps)
    await deployment.waitAllFinal(30_000)
    const row = await scenario.verify()
    scenario.check('every document completed', row.completed === row.accepted, `${row.completed}/${row.accepted}`)
    checkNoCrash(scenario, deployment, 'no process exited (workers reconnected by themselves)')
  }
}
