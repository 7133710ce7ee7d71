import { documentText } from '../corpus.js'
import type { HeldItem } from '../deployment.js'
import { waitFor } from '../poll.js'
import type { ScenarioDefinition } from '../scenario.js'
import { checkAllAccepted, checkNoCrash, secs } from './helpers.js'

interface Kill {
  worker: string
  workerIds: Set<string>
  at: number
  held: HeldItem[]
}

/**
 * R1: kill -9 a worker that holds work, restart it, again and again. Every document must still
 * complete exactly once, and the killed attempts must show as crashed.
 */
export const killWorkers: ScenarioDefinition = {
  id: 'R1',
  title: 'kill -9 workers mid-job',
  run: async (scenario) => {
    const total = scenario.scale(80)
    const rounds = scenario.scale(5)
    const redis = await scenario.redis()
    // A slow document can be the one held at every kill; with fewer attempts than kills it would
    // rightly end failed as crashed (the poison rule, tested by R13), which is not this scenario.
    // The production lease (30 s): a killed worker's items must come back through its missed
    // heartbeats (WORKER_DEAD_AFTER_MS, 5 s by default), not through the lease expiring.
    const deployment = await scenario.deployment({ redisUrl: redis.url, env: { MAX_ATTEMPTS: String(rounds + 1), LEASE_MS: '30000' } })
    await deployment.startApi()
    const names = ['worker-1', 'worker-2']
    await Promise.all(names.map(async (name) => await deployment.startWorker(name)))

    const docs = Array.from({ length: total }, (_, index) => ({
      filename: index % 2 === 0 ? `r1-${index}-sleep300.txt` : `r1-${index}.txt`,
      text: documentText(index, 'R1')
    }))
    const kills: Kill[] = []
    const uploads = []
    for (let round = 0; round < rounds; round++) {
      // Fresh work every round, so that there is always a job to interrupt.
      const batch = docs.slice(Math.floor(round * total / rounds), Math.floor((round + 1) * total / rounds))
      uploads.push(...await deployment.uploadAll(batch))
      const victim = await waitFor('a worker holding an item', async () => {
        const held = await deployment.heldItems()
        const busy = names.filter((name) => {
          const worker = deployment.workers.get(name)
          return worker?.running === true && held.some((item) => item.pid === worker.pid)
        })
        if (busy.length === 0) return undefined
        const name = busy[Math.floor(Math.random() * busy.length)]
        const worker = deployment.workers.get(name)
        return worker === undefined ? undefined : { name, worker, held: held.filter((item) => item.pid === worker.pid) }
      }, { timeoutMs: 30_000, intervalMs: 20 })
      victim.worker.signal('SIGKILL')
      const at = Date.now()
      await victim.worker.waitExit(10_000)
      kills.push({ worker: victim.worker.name, workerIds: new Set(victim.held.map((item) => item.lockedBy)), at, held: victim.held })
      scenario.faultAt = at
      await deployment.startWorker(victim.name)
    }
    checkAllAccepted(scenario, uploads)
    scenario.metric('kills', kills.length)
    scenario.metric('items held at kills', kills.reduce((sum, kill) => sum + kill.held.length, 0))

    await deployment.waitAllFinal(120_000)
    const row = await scenario.verify()
    scenario.check('every document completed', row.completed === total, `${row.completed}/${total}`)

    // Each attempt open in a killed worker at the kill must end crashed and be taken over, unless
    // the worker's completion was already on its way: a completion is one statement, its own
    // transaction, so one that reached Postgres commits although its sender died. Only the
    // killed worker's own statement can close its attempt as completed (each is fenced by the
    // claim), and then the item must not run again.
    const byId = new Map(scenario.snapshot.map((doc) => [doc.id, doc]))
    const wrong: string[] = []
    const takeovers: number[] = []
    let completedInFlight = 0
    for (const kill of kills) {
      for (const item of kill.held) {
        const doc = byId.get(item.documentId)
        const attempt = doc?.history.find((entry) => entry.worker === item.lockedBy && entry.attempt === item.attempts)
        const finishedBefore = attempt?.finishedAt !== null && attempt?.finishedAt !== undefined && attempt.finishedAt.getTime() <= kill.at
        if (attempt === undefined) wrong.push(`${doc?.filename ?? item.documentId}: no attempt ${item.attempts} by the killed worker`)
        else if (attempt.outcome === 'completed' && !finishedBefore) {
          completedInFlight++
          if (doc?.history.some((entry) => entry.attempt > attempt.attempt) === true) wrong.push(`${doc.filename}: completed by the killed worker, then run again`)
        } else if (attempt.outcome !== 'crashed' && !finishedBefore) wrong.push(`${doc?.filename}: killed attempt ended ${attempt.outcome}`)
        const next = doc?.history.find((entry) => entry.startedAt.getTime() >= kill.at && entry.worker !== item.lockedBy)
        if (attempt?.outcome === 'crashed' && next !== undefined) takeovers.push(next.startedAt.getTime() - kill.at)
      }
    }
    scenario.check('killed attempts recorded as crashed (or completed by the statement in flight at the kill, and not run again)', wrong.length === 0, wrong.slice(0, 5).join('; '))
    scenario.metric('completed by the statement in flight at the kill', completedInFlight)
    const crashed = scenario.snapshot.reduce((sum, doc) => sum + doc.history.filter((entry) => entry.outcome === 'crashed').length, 0)
    scenario.metric('crashed attempts', crashed)
    if (takeovers.length > 0) {
      scenario.metric('takeover max', secs(Math.max(...takeovers)))
      scenario.metric('takeover mean', secs(takeovers.reduce((a, b) => a + b, 0) / takeovers.length))
    }
    checkNoCrash(scenario, deployment, 'no process died other than the killed workers')
  }
}
