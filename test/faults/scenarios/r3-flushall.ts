import { documentText } from '../corpus.js'
import { waitFor } from '../poll.js'
import type { ScenarioDefinition } from '../scenario.js'
import { checkAllAccepted, checkNoCrash, secs, sumLogField } from './helpers.js'

/**
 * R3: FLUSHALL on Redis halfway through a run. Postgres still has every item; the reconciler
 * must re-dispatch those whose wake-ups vanished, with no manual step.
 */
export const flushAll: ScenarioDefinition = {
  id: 'R3',
  title: 'FLUSHALL under load',
  run: async (scenario) => {
    const redis = await scenario.redis()
    const deployment = await scenario.deployment({ redisUrl: redis.url })
    await deployment.startApi()
    await Promise.all(['worker-1', 'worker-2'].map(async (name) => await deployment.startWorker(name)))

    const total = scenario.scale(100)
    const docs = Array.from({ length: total }, (_, index) => ({
      filename: index % 4 === 0 ? `r3-${index}.txt` : `r3-${index}-sleep150.txt`,
      text: documentText(index, 'R3')
    }))
    const uploading = deployment.uploadAll(docs, 8)
    const half = Math.ceil(total / 2)
    await waitFor(`${half} documents final`, async () => {
      const { rows } = await deployment.pool.query<{ done: number }>("select count(*)::int as done from documents where status in ('completed', 'failed')")
      return rows[0].done >= half ? true : undefined
    }, { timeoutMs: 60_000, intervalMs: 20 })
    const { rows } = await deployment.pool.query<{ open: number }>("select count(*)::int as open from documents where status not in ('completed', 'failed')")
    await redis.flushAll()
    scenario.faultAt = Date.now()
    const pendingAtFlush = rows[0].open
    const uploads = await uploading
    checkAllAccepted(scenario, uploads)
    scenario.metric('not final at the flush', pendingAtFlush)

    await deployment.waitAllFinal(90_000)
    const row = await scenario.verify()
    scenario.check('every document completed', row.completed === total, `${row.completed}/${total}`)
    const repaired = await sumLogField(deployment, 'reconciler repaired the queue', 'redispatched', scenario.faultAt)
    const rewoken = scenario.snapshot.filter((doc) => doc.wakeups > 0).length
    scenario.metric('re-dispatched after the flush (reconciler logs)', repaired.after)
    scenario.metric('re-dispatched before the flush', repaired.before)
    scenario.metric('items with wakeups > 0', rewoken)
    if (repaired.firstAfter !== undefined) scenario.metric('first re-dispatch after the flush', secs(repaired.firstAfter - scenario.faultAt))
    scenario.check('the reconciler re-dispatched the flushed items', pendingAtFlush === 0 || repaired.after > 0,
      `${pendingAtFlush} not final at the flush, ${repaired.after} re-dispatched after it`)
    checkNoCrash(scenario, deployment)
  }
}
