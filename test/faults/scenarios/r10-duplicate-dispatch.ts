import { wakeUpJobId } from '../../../src/queue/wake-ups.js'
import { documentText } from '../corpus.js'
import { waitFor } from '../poll.js'
import type { ScenarioDefinition, ScenarioRun } from '../scenario.js'
import { WakeUpProbe, overlappingJobs } from '../wake-up-probe.js'
import { checkAllAccepted, checkNoCrash, currentItems, type CurrentItem } from './helpers.js'

const ADDS = 5
// Long enough that the second burst lands while a worker runs the item; if a slow machine
// lets it finish first, the burst is judged by the event order all the same.
const SLEEP_MS = 4_000

interface Burst {
  name: string
  added: number
  duplicated: number
  answeredIds: string[]
}

/** Adds the item's first wake-up `ADDS` times at once; counts what BullMQ did with them. */
async function burst (scenario: ScenarioRun, wakeUps: WakeUpProbe, item: CurrentItem, name: string): Promise<Burst> {
  const jobId = wakeUpJobId(item.itemId, 0)
  const seen = new Set((await wakeUps.events(new Set([jobId]))).map((entry) => entry.id))
  const answeredIds = await Promise.all(Array.from({ length: ADDS }, async () => await wakeUps.add({ ...item, wakeups: 0 }) ?? ''))
  const events = (await wakeUps.events(new Set([jobId]))).filter((entry) => !seen.has(entry.id))
  const result = {
    name,
    added: events.filter((entry) => entry.event === 'added').length,
    duplicated: events.filter((entry) => entry.event === 'duplicated').length,
    answeredIds
  }
  scenario.faults = (scenario.faults ?? 0) + 1
  scenario.metric(`${name}: added / duplicated`, `${result.added} / ${result.duplicated}`)
  scenario.check(`${name}: every add answered with the item's job id`, answeredIds.every((id) => id === jobId), [...new Set(answeredIds)].join(', '))
  return result
}

/**
 * R10: the same wake-up added 5 times at once, three times over: while it waits, while a
 * worker runs it, and after `removeOnComplete` removed it. BullMQ keeps one job per id while
 * one exists (the adds are deduplicated), a wake-up added after the removal is delivered and
 * finds the item completed in Postgres, and the document is extracted once: one attempt,
 * version 1, one completion.
 */
export const duplicateDispatch: ScenarioDefinition = {
  id: 'R10',
  title: 'duplicate dispatch of one wake-up',
  run: async (scenario) => {
    const redis = await scenario.redis()
    const deployment = await scenario.deployment({ redisUrl: redis.url })
    const wakeUps = new WakeUpProbe(redis.url, deployment.queuePrefix)
    scenario.onTeardown(async () => { await wakeUps.close() })
    await deployment.startApi()

    // No worker yet: the API's own wake-up waits in Redis, and is replaced by the burst's.
    const upload = await deployment.upload(`r10-dup-sleep${SLEEP_MS}.txt`, documentText(0, 'R10'))
    checkAllAccepted(scenario, [upload])
    const [item] = await currentItems(deployment, 'r10-dup-')
    const jobId = wakeUpJobId(item.itemId, 0)
    scenario.check('the upload\'s own wake-up is waiting', ['waiting', 'prioritized'].includes(await wakeUps.state(jobId)), await wakeUps.state(jobId))
    await wakeUps.remove(jobId)

    const waiting = await burst(scenario, wakeUps, item, 'while waiting')
    scenario.check('while waiting: exactly one job was created, the other adds were duplicates',
      waiting.added === 1 && waiting.duplicated === ADDS - 1 && await wakeUps.jobCount() === 1,
      `added=${waiting.added} duplicated=${waiting.duplicated} jobs=${await wakeUps.jobCount()}`)

    await Promise.all(['worker-1', 'worker-2'].map(async (name) => await deployment.startWorker(name)))
    await waitFor('a worker to hold the item', async () => (await deployment.heldItems()).some((held) => held.itemId === item.itemId) ? true : undefined,
      { timeoutMs: 30_000, intervalMs: 20 })
    await burst(scenario, wakeUps, item, 'while active')

    await deployment.waitAllFinal(60_000)
    await waitFor('the completed wake-up to be removed (removeOnComplete)', async () => await wakeUps.state(jobId) === 'unknown' ? true : undefined,
      { timeoutMs: 30_000, intervalMs: 50 })
    const afterRemoval = await burst(scenario, wakeUps, item, 'after removal')
    scenario.check('after removal: the id was free again, so a new job was created', afterRemoval.added >= 1, `added=${afterRemoval.added}`)
    // Every re-added wake-up is delivered, finds the item completed, and leaves the queue.
    const deliveries = await waitFor('the re-added wake-ups to be delivered and removed', async () => {
      const events = await wakeUps.events(new Set([jobId]))
      const added = events.filter((entry) => entry.event === 'added').length
      const gone = events.filter((entry) => entry.event === 'completed' || entry.event === 'failed' || entry.event === 'removed').length
      return added === gone && await wakeUps.state(jobId) === 'unknown' ? events : undefined
    }, { timeoutMs: 30_000, intervalMs: 50 })
    const failedDeliveries = deliveries.filter((entry) => entry.event === 'failed')
    scenario.check('no delivery failed in BullMQ', failedDeliveries.length === 0, failedDeliveries.map((entry) => entry.fields.failedReason).join('; '))
    const overlapping = overlappingJobs(deliveries)
    scenario.check('one BullMQ job per id while it exists (event order)', overlapping.length === 0, overlapping.join(', '))
    scenario.metric('jobs of this id over the run', deliveries.filter((entry) => entry.event === 'added').length)

    const row = await scenario.verify()
    const doc = scenario.snapshot.find((candidate) => candidate.id === item.documentId)
    const completions = doc?.history.filter((entry) => entry.outcome === 'completed').length ?? 0
    scenario.check('extracted once: one attempt, version 1, one completion',
      doc?.status === 'completed' && doc.history.length === 1 && doc.attempts === 1 && doc.version === 1 && completions === 1,
      `status=${doc?.status} attempts=${doc?.attempts} history=${doc?.history.map((entry) => entry.outcome).join(',')} version=${doc?.version}`)
    scenario.check('every document completed', row.completed === row.accepted, `${row.completed}/${row.accepted}`)
    checkNoCrash(scenario, deployment)
  }
}
