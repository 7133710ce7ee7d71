import { documentText } from '../corpus.js'
import type { ScenarioDefinition } from '../scenario.js'
import { checkAllAccepted, checkNoCrash, countLogLines } from './helpers.js'

const BLOCK_MS = 2_500

/**
 * R2: a job blocks its worker's event loop for longer than the lease (block2500 with
 * LEASE_MS=1000), so neither the BullMQ lock nor the Postgres lease is renewed and another
 * worker may take the item over. It may run twice; it must complete exactly once.
 */
export const blockedEventLoop: ScenarioDefinition = {
  id: 'R2',
  title: 'event loop blocked past the lease',
  run: async (scenario) => {
    const redis = await scenario.redis()
    const deployment = await scenario.deployment({ redisUrl: redis.url, env: { LEASE_MS: '1000' } })
    await deployment.startApi()
    await Promise.all(['worker-1', 'worker-2'].map(async (name) => await deployment.startWorker(name)))

    const blocked = await deployment.upload(`r2-block${BLOCK_MS}.txt`, documentText(0, 'R2'))
    scenario.faultAt = blocked.sentAt
    const others = await deployment.uploadAll(Array.from({ length: scenario.scale(8) }, (_, index) => ({
      filename: index % 2 === 0 ? `r2-${index}-sleep200.txt` : `r2-${index}.txt`, text: documentText(1 + index, 'R2')
    })))
    checkAllAccepted(scenario, [blocked, ...others])
    await deployment.waitAllFinal(60_000)
    const row = await scenario.verify()

    const doc = scenario.snapshot.find((candidate) => candidate.id === blocked.id)
    const completions = doc?.history.filter((entry) => entry.outcome === 'completed').length ?? 0
    const executions = doc?.history.length ?? 0
    scenario.check('the blocked document completes exactly once (version 1)', doc?.status === 'completed' && doc.version === 1 && completions === 1,
      `status=${doc?.status} version=${doc?.version} completions=${completions} history=${doc?.history.map((entry) => entry.outcome).join(',')}`)
    scenario.metric('blocked document executions', executions)
    scenario.metric('blocked document duplicate executions', Math.max(0, executions - 1))
    scenario.metric('stale finishes discarded (worker logs)', await countLogLines(deployment, 'claim was lost'))
    scenario.check('every document completed', row.completed === row.accepted, `${row.completed}/${row.accepted}`)
    checkNoCrash(scenario, deployment)
  }
}
