import { documentText } from '../corpus.js'
import type { UploadResult } from '../deployment.js'
import { pause, waitFor } from '../poll.js'
import type { ScenarioDefinition } from '../scenario.js'
import { checkNoCrash, rowsOfRefusedUploads, secs, sumLogField } from './helpers.js'

const OUTAGE_MS = 1_000

/**
 * R5: Redis with AOF `everysec` is killed -9 in the middle of an upload burst and restarted
 * from its AOF: up to a second of wake-ups may be gone. The reconciler fills the gap; uploads
 * during the outage still answer at once.
 */
export const redisAof: ScenarioDefinition = {
  id: 'R5',
  title: 'Redis kill -9 with AOF everysec during a burst',
  run: async (scenario) => {
    const redis = await scenario.redis({ appendOnly: true })
    const deployment = await scenario.deployment({ redisUrl: redis.url })
    await deployment.startApi()
    await Promise.all(['worker-1', 'worker-2'].map(async (name) => await deployment.startWorker(name)))

    const total = scenario.scale(60)
    const uploading = deployment.uploadAll(Array.from({ length: total }, (_, index) => ({
      filename: index % 2 === 0 ? `r5-${index}-sleep100.txt` : `r5-${index}.txt`, text: documentText(index, 'R5')
    })), 4)
    await waitFor('half of the burst accepted', () => deployment.accepted.size >= total / 2 ? true : undefined, { timeoutMs: 30_000, intervalMs: 5 })
    await redis.kill9()
    const downAt = Date.now()
    scenario.faultAt = downAt
    await pause(OUTAGE_MS)
    await redis.start()
    scenario.metric('redis down for', secs(Date.now() - downAt))
    const uploads: UploadResult[] = await uploading
    const wrong = uploads.filter((upload) => !(upload.status === 202 || upload.status === 503) || upload.ms > 2_000)
    scenario.check('every upload answered 202 (or 503) within 2 s', wrong.length === 0,
      wrong.slice(0, 5).map((upload) => `${upload.filename}: ${upload.status} ${upload.code ?? ''} in ${upload.ms} ms`).join('; '))
    scenario.metric('uploads refused', uploads.filter((upload) => upload.status !== 202).length)
    const leftovers = await rowsOfRefusedUploads(deployment, uploads)
    scenario.check('a refused upload leaves no document behind', leftovers.length === 0, leftovers.join(', '))

    await deployment.waitAllFinal(90_000)
    const row = await scenario.verify()
    scenario.check('every accepted document completed', row.completed === row.accepted, `${row.completed}/${row.accepted}`)
    const repaired = await sumLogField(deployment, 'reconciler repaired the queue', 'redispatched', downAt)
    scenario.metric('re-dispatched after the kill (reconciler logs)', repaired.after)
    scenario.metric('re-dispatched before the kill', repaired.before)
    scenario.metric('items with wakeups > 0', scenario.snapshot.filter((doc) => doc.wakeups > 0).length)
    checkNoCrash(scenario, deployment)
  }
}
