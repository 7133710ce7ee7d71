import { wakeUpJobId } from '../../../src/queue/wake-ups.js'
import { documentText } from '../corpus.js'
import { DEFAULT_SERVICE_ENV } from '../deployment.js'
import { waitFor } from '../poll.js'
import type { ScenarioDefinition } from '../scenario.js'
import { WakeUpProbe } from '../wake-up-probe.js'
import { adoptUnanswered, checkAllAccepted, checkNoCrash, currentItems, secs } from './helpers.js'

const PREFIX = 'r9-crash-'

/**
 * R9: the API dies between its commit and its `queue.add`. The API reaches Redis through a
 * proxy that goes silent before a burst of uploads: each upload commits in Postgres, then its
 * wake-up hangs in the silent connection, and the API is killed -9 while it waits, so the
 * wake-ups die with it and the clients get no answer. Nothing but the repair path (the
 * workers' reconciler, or the sweeper) can dispatch these documents; they must complete.
 */
export const crashBeforeDispatch: ScenarioDefinition = {
  id: 'R9',
  title: 'API killed between commit and queue.add',
  run: async (scenario) => {
    const redis = await scenario.redis()
    const { proxy, url: apiRedisUrl } = await scenario.proxy(redis.url)
    const deployment = await scenario.deployment({ redisUrl: redis.url })
    const wakeUps = new WakeUpProbe(redis.url, deployment.queuePrefix)
    scenario.onTeardown(async () => { await wakeUps.close() })
    await deployment.startApi({ REDIS_URL: apiRedisUrl })
    await Promise.all(['worker-1', 'worker-2'].map(async (name) => await deployment.startWorker(name)))

    // The proxied path works before the fault.
    const before = await deployment.uploadAll(Array.from({ length: 3 }, (_, index) => ({ filename: `r9-before-${index}.txt`, text: documentText(index, 'R9') })))
    checkAllAccepted(scenario, before, 'uploads before the fault answered 202')
    await deployment.waitAllFinal(30_000)

    const total = scenario.scale(6)
    proxy.blackHole()
    const uploading = deployment.uploadAll(Array.from({ length: total }, (_, index) => ({
      filename: `${PREFIX}${index}.txt`, text: documentText(10 + index, 'R9')
    })), total)
    const committed = await waitFor(`${total} uploads committed in Postgres`, async () => {
      const items = await currentItems(deployment, PREFIX)
      return items.length === total ? items : undefined
    }, { timeoutMs: 30_000, intervalMs: 20 })
    deployment.api?.signal('SIGKILL')
    const killedAt = Date.now()
    scenario.faultAt = killedAt
    scenario.faults = 1
    await deployment.api?.waitExit(10_000)
    const answers = await uploading

    // An upload whose wake-up timed out before the kill was answered 202 (the Redis-down path);
    // the others lost their answer with the API. Either way no wake-up reached Redis.
    const answered = answers.filter((upload) => upload.status === 202).length
    scenario.metric('uploads committed', committed.length)
    scenario.metric('uploads cut off by the kill (no answer)', answers.filter((upload) => upload.status === 0).length)
    scenario.metric('uploads answered 202 before the kill', answered)
    scenario.check('no upload was refused', answers.every((upload) => upload.status === 202 || upload.status === 0),
      answers.filter((upload) => upload.status !== 202 && upload.status !== 0).map((upload) => `${upload.filename}: ${upload.status} ${upload.code ?? ''}`).join('; '))
    const firstWakeUps = new Set(committed.map((item) => wakeUpJobId(item.itemId, 0)))
    const reached = (await wakeUps.events(firstWakeUps)).filter((entry) => entry.event === 'added')
    scenario.check('the fault hit: none of their first wake-ups reached Redis', reached.length === 0, reached.map((entry) => entry.jobId).join(', '))
    adoptUnanswered(deployment, committed, killedAt)

    const finishedAt = await deployment.waitAllFinal(60_000)
    scenario.metric('kill → all final (polled)', secs(finishedAt - killedAt))
    scenario.metric('reconciler period (configured)', `${DEFAULT_SERVICE_ENV.RECONCILE_INTERVAL_MS} ms`)

    const row = await scenario.verify()
    const crashed = new Set(committed.map((item) => item.documentId))
    const notCompleted = scenario.snapshot.filter((doc) => crashed.has(doc.id) && doc.status !== 'completed')
    scenario.check('every document of the crash window completed', notCompleted.length === 0,
      notCompleted.map((doc) => `${doc.filename}: ${doc.status}`).join('; '))
    scenario.check('every document completed', row.completed === row.accepted, `${row.completed}/${row.accepted}`)
    checkNoCrash(scenario, deployment, 'no process died other than the killed API')
  }
}
