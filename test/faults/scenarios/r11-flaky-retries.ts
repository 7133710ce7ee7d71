import { documentText } from '../corpus.js'
import type { ScenarioDefinition } from '../scenario.js'
import { checkAllAccepted, checkNoCrash } from './helpers.js'

const BASE_MS = 200
const MAX_MS = 2_000
// How late a retry may start after its latest allowed time: delayed-job promotion, claim, clocks.
const LATE_TOLERANCE_MS = 500
// The retry time is computed in the worker a moment before Postgres stamps the failed attempt.
const EARLY_TOLERANCE_MS = 50

/**
 * R11: documents that fail transiently on their first two attempts. Each completes on attempt
 * 3, its history reads retrying, retrying, completed, and each retry starts within its backoff
 * window: full jitter, so between 0 and min(RETRY_MAX_MS, RETRY_BASE_MS × 2^(k−1)) after the failure.
 */
export const flakyRetries: ScenarioDefinition = {
  id: 'R11',
  title: 'flaky documents retry with backoff',
  run: async (scenario) => {
    const redis = await scenario.redis()
    const deployment = await scenario.deployment({ redisUrl: redis.url, env: { RETRY_BASE_MS: String(BASE_MS), RETRY_MAX_MS: String(MAX_MS) } })
    await deployment.startApi()
    await Promise.all(['worker-1', 'worker-2'].map(async (name) => await deployment.startWorker(name)))

    // Warm up every extraction thread first (4 slots, 4 concurrent documents): a worker's first
    // extractions are slow (~1 s), and a retry cannot start while both of its worker's slots are busy.
    const warmUp = await deployment.uploadAll(Array.from({ length: 4 }, (_, index) => ({ filename: `r11-warm-${index}-sleep300.txt`, text: documentText(100 + index, 'R11') })))
    checkAllAccepted(scenario, warmUp, 'warm-up uploads answered 202')
    await deployment.waitAllFinal(30_000)

    const total = scenario.scale(10)
    const uploads = await deployment.uploadAll(Array.from({ length: total }, (_, index) => ({ filename: `r11-${index}-flaky2.txt`, text: documentText(index, 'R11') })))
    checkAllAccepted(scenario, uploads)
    scenario.faultAt = Math.min(...uploads.map((upload) => upload.sentAt))
    await deployment.waitAllFinal(60_000)
    await scenario.verify()

    const wrongShape: string[] = []
    const outOfWindow: string[] = []
    let latest = -Infinity
    let earliest = Infinity
    for (const upload of uploads) {
      if (upload.id === undefined) continue
      const view = await deployment.document(upload.id)
      const outcomes = view.history.map((entry) => entry.outcome).join(',')
      if (view.status !== 'completed' || view.attempts !== 3 || view.version !== 1 || outcomes !== 'retrying,retrying,completed') {
        wrongShape.push(`${view.filename}: ${view.status} attempts=${view.attempts} version=${view.version} history=${outcomes}`)
        continue
      }
      for (let k = 1; k < view.history.length; k++) {
        const failedAt = Date.parse(view.history[k - 1].finishedAt ?? '')
        const gap = Date.parse(view.history[k].startedAt) - failedAt
        const ceiling = Math.min(MAX_MS, BASE_MS * 2 ** (k - 1))
        latest = Math.max(latest, gap - ceiling)
        earliest = Math.min(earliest, gap)
        if (gap < -EARLY_TOLERANCE_MS || gap > ceiling + LATE_TOLERANCE_MS) {
          outOfWindow.push(`${view.filename} retry ${k}: started ${gap} ms after the failure, window [0, ${ceiling}] ms`)
        }
      }
    }
    scenario.check('each completes on attempt 3 with history retrying, retrying, completed', wrongShape.length === 0, wrongShape.slice(0, 4).join('; '))
    scenario.check(`each retry starts within its backoff window (+${LATE_TOLERANCE_MS} ms)`, outOfWindow.length === 0, outOfWindow.slice(0, 4).join('; '))
    scenario.metric('earliest retry after its failure', `${earliest} ms`)
    scenario.metric('latest retry past its window', `${latest} ms`)
    checkNoCrash(scenario, deployment)
  }
}
