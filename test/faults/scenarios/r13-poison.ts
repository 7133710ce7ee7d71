import type { ManagedProcess } from '../child-process.js'
import { documentText } from '../corpus.js'
import type { UploadResult } from '../deployment.js'
import { pause } from '../poll.js'
import type { ScenarioDefinition } from '../scenario.js'
import { checkAllAccepted, secs } from './helpers.js'

const MAX_RESTARTS = 20

/**
 * R13: a document that kills its worker on every attempt. The harness restarts dead workers like
 * a process supervisor would; the document must end failed as crashed after MAX_ATTEMPTS
 * attempts while the other documents keep completing.
 */
export const poisonPill: ScenarioDefinition = {
  id: 'R13',
  title: 'poison pill kills its worker',
  run: async (scenario) => {
    const redis = await scenario.redis()
    const deployment = await scenario.deployment({ redisUrl: redis.url })
    await deployment.startApi()
    const maxAttempts = 4

    // A supervisor: a worker that dies by itself is started again at once.
    const deaths: Array<{ worker: string, at: number }> = []
    let supervising = true
    const supervise = (name: string, worker: ManagedProcess): void => {
      worker.exited.then(async () => {
        if (!supervising || worker.expectedExit) return
        deaths.push({ worker: worker.name, at: Date.now() })
        if (deaths.length > MAX_RESTARTS) return
        supervise(name, await deployment.startWorker(name, { ready: false }))
      }).catch(() => {})
    }
    for (const name of ['worker-1', 'worker-2']) supervise(name, await deployment.startWorker(name))
    scenario.onTeardown(async () => { supervising = false })

    const poison = await deployment.upload('r13-poison.txt', documentText(0, 'R13'))
    if (poison.id === undefined) throw new Error(`the poison upload was refused: ${poison.status} ${poison.code}`)
    scenario.expectedFailures.add(poison.id)
    scenario.faultAt = poison.sentAt

    // Healthy documents trickle in while the poison kills workers: throughput must go on.
    const total = scenario.scale(20)
    const uploads: UploadResult[] = []
    for (let index = 1; index <= total; index++) {
      uploads.push(await deployment.upload(index % 3 === 0 ? `r13-${index}-sleep300.txt` : `r13-${index}.txt`, documentText(index, 'R13')))
      await pause(250)
    }
    checkAllAccepted(scenario, [poison, ...uploads])
    await deployment.waitAllFinal(120_000)
    supervising = false
    await scenario.verify()

    const view = await deployment.document(poison.id)
    const outcomes = view.history.map((entry) => entry.outcome)
    scenario.check('poison ends failed with errorKind crashed', view.status === 'failed' && view.errorKind === 'crashed',
      `status=${view.status} errorKind=${view.errorKind} errorCode=${view.errorCode}`)
    scenario.check(`poison used exactly MAX_ATTEMPTS=${maxAttempts} attempts, all crashed`,
      view.attempts === maxAttempts && view.maxAttempts === maxAttempts && outcomes.length === maxAttempts && outcomes.every((outcome) => outcome === 'crashed'),
      `attempts=${view.attempts}/${view.maxAttempts} history=${outcomes.join(',')}`)
    scenario.check('one worker death per poison attempt', deaths.length === view.attempts, `${deaths.length} deaths, ${view.attempts} attempts`)

    const poisonDoc = scenario.snapshot.find((doc) => doc.id === poison.id)
    const poisonFinal = poisonDoc?.finishedAt?.getTime() ?? Date.now()
    const healthy = scenario.snapshot.filter((doc) => doc.id !== poison.id)
    const during = healthy.filter((doc) => doc.processedAt !== null && doc.processedAt.getTime() < poisonFinal).length
    const latencies = uploads.flatMap((upload) => {
      const doc = healthy.find((candidate) => candidate.id === upload.id)
      return doc?.processedAt === null || doc === undefined ? [] : [doc.processedAt.getTime() - upload.sentAt]
    })
    const maxLatency = Math.max(0, ...latencies)
    scenario.metric('worker deaths', deaths.length)
    scenario.metric('poison final after', secs(poisonFinal - poison.sentAt))
    scenario.metric('healthy completed while the poison was live', `${during}/${healthy.length}`)
    scenario.metric('healthy upload→completed max', secs(maxLatency))
    // The criterion is that healthy documents keep flowing past the poison; how fast is reported,
    // not asserted, because a restarted worker's start-up time depends on the machine's load.
    scenario.check('throughput continued while the poison was live', during > 0,
      `${during} completed before the poison failed; slowest healthy document ${secs(maxLatency)}`)
  }
}
