import { documentText } from '../corpus.js'
import type { Deployment, UploadResult } from '../deployment.js'
import { onCleanup } from '../cleanup.js'
import { pause, waitFor } from '../poll.js'
import { ClusterUnavailable, PrivateCluster } from '../postgres-cluster.js'
import type { ScenarioDefinition } from '../scenario.js'
import { checkAllAccepted, checkNoCrash, rowsOfRefusedUploads, secs } from './helpers.js'
import { join } from 'node:path'

const OUTAGE_MS = 2_000
const RECOVERY_WINDOW_MS = 2_500
const HANG_MS = 5_000

interface Exchange {
  kind: 'upload' | 'read' | 'readyz'
  /** The upload itself, for uploads. */
  upload?: UploadResult
  at: number
  ms: number
  status: number
  code?: string
  body: string
}

const STACK_TRACE = /\n\s+at \S|"stack"\s*:/

/** Whether an answer is one the API may give while Postgres is away. */
function acceptable (exchange: Exchange): boolean {
  if (exchange.status === 0) return false
  if (STACK_TRACE.test(exchange.body)) return false
  if (exchange.kind === 'readyz') return exchange.status === 200 || exchange.status === 503
  if (exchange.status >= 200 && exchange.status < 300) return true
  return exchange.status === 503 && exchange.code === 'DOCQ_DATABASE_UNAVAILABLE'
}

/** Client traffic against the API until `stop` is called: uploads, reads and readiness checks. */
function startTraffic (deployment: Deployment, readIds: string[]): { stop: () => Promise<Exchange[]> } {
  const exchanges: Exchange[] = []
  // An object, so that the loop sees the flip made by stop().
  const state = { running: true }
  let count = 0
  const loop = (async () => {
    while (state.running) {
      count += 1
      const kind: Exchange['kind'] = count % 3 === 0 ? 'readyz' : count % 3 === 1 ? 'upload' : 'read'
      const at = Date.now()
      if (kind === 'upload') {
        const result = await deployment.upload(`r8-traffic-${count}.txt`, documentText(1_000 + count, 'R8'), 20_000)
        exchanges.push({ kind, at, ms: result.ms, status: result.status, code: result.code, body: result.body ?? '', upload: result })
      } else {
        const path = kind === 'readyz' ? '/readyz' : `/documents/${readIds[count % readIds.length]}`
        try {
          const response = await fetch(`${deployment.apiUrl}${path}`, {
            headers: { authorization: `Bearer ${deployment.apiKey}` }, signal: AbortSignal.timeout(20_000)
          })
          const body = await response.text()
          let code: string | undefined
          try { code = (JSON.parse(body) as { code?: string }).code } catch {}
          exchanges.push({ kind, at, ms: Date.now() - at, status: response.status, code, body: body.slice(0, 500) })
        } catch (error) {
          exchanges.push({ kind, at, ms: Date.now() - at, status: 0, code: (error as Error).name, body: '' })
        }
      }
      await pause(100)
    }
  })()
  return {
    stop: async () => {
      state.running = false
      await loop
      return exchanges
    }
  }
}

/**
 * R8: the Postgres server restarts, twice, while documents are in flight. Requests meanwhile get a
 * fast 503 DOCQ_DATABASE_UNAVAILABLE (or succeed), never a hang or a stack trace; afterwards
 * API and workers carry on without a restart and every document completes. Runs on a private
 * cluster: the shared server is never restarted.
 */
export const postgresRestart: ScenarioDefinition = {
  id: 'R8',
  title: 'Postgres restart under load',
  run: async (scenario) => {
    let cluster: PrivateCluster
    try {
      cluster = await PrivateCluster.create()
    } catch (error) {
      if (error instanceof ClusterUnavailable) scenario.skip(error.message)
      throw error
    }
    const unregister = onCleanup('private postgres cluster', async () => { await cluster.destroy() })
    scenario.onTeardown(async () => {
      await cluster.saveLog(join(scenario.logDir, 'postgres.log'))
      await cluster.destroy()
      unregister()
    })

    const redis = await scenario.redis()
    const deployment = await scenario.deployment({ redisUrl: redis.url, postgresUrl: cluster.url, dropDatabase: false })
    await deployment.startApi()
    await Promise.all(['worker-1', 'worker-2'].map(async (name) => await deployment.startWorker(name)))

    const total = scenario.scale(40)
    const uploads = await deployment.uploadAll(Array.from({ length: total }, (_, index) => ({
      filename: index % 4 === 0 ? `r8-${index}.txt` : `r8-${index}-sleep400.txt`, text: documentText(index, 'R8')
    })))
    checkAllAccepted(scenario, uploads)
    await waitFor('items in progress', async () => (await deployment.heldItems()).length >= 3 ? true : undefined, { timeoutMs: 15_000, intervalMs: 20 })

    // Two restarts: a clean one (fast: sessions are told to end) and a crash (immediate).
    const traffic = startTraffic(deployment, uploads.flatMap((upload) => upload.id === undefined ? [] : [upload.id]))
    const outages: Array<{ mode: string, downAt: number, upAt: number }> = []
    const bursts: UploadResult[][] = []
    for (const mode of ['fast', 'immediate'] as const) {
      // A burst of quick documents, so that workers are busy recording results when Postgres goes.
      const burstStart = Date.now()
      const burst = deployment.uploadAll(Array.from({ length: 20 }, (_, index) => ({ filename: `r8-${mode}-burst-${index}.txt`, text: documentText(500 + index, mode) })), 8)
      await waitFor('burst documents completing', async () => {
        const { rows } = await deployment.pool.query<{ done: number }>(
          "select count(*)::int as done from documents where filename like 'r8-%-burst-%' and status = 'completed' and processed_at > to_timestamp($1::float8 / 1000)", [burstStart])
        return rows[0].done >= 3 ? true : undefined
      }, { timeoutMs: 15_000, intervalMs: 10 })
      await cluster.stop(mode)
      const downAt = Date.now()
      scenario.faultAt = downAt
      await pause(OUTAGE_MS)
      await cluster.start()
      outages.push({ mode, downAt, upAt: Date.now() })
      bursts.push(await burst)
      // Keep the clients coming while API and workers find Postgres again.
      await pause(RECOVERY_WINDOW_MS)
    }
    const exchanges = await traffic.stop()
    const burstUploads = bursts.flat()
    const badBurst = burstUploads.filter((upload) => upload.ms > HANG_MS || !(upload.status === 202 || (upload.status === 503 && upload.code === 'DOCQ_DATABASE_UNAVAILABLE')))
    scenario.check('burst uploads answered 202 or 503 DOCQ_DATABASE_UNAVAILABLE, none hung', badBurst.length === 0,
      badBurst.slice(0, 4).map((upload) => `${upload.status} ${upload.code ?? ''} in ${upload.ms} ms`).join('; '))
    scenario.metric('outages', outages.map((outage) => `${outage.mode} ${secs(outage.upAt - outage.downAt)}`).join(', '))
    const upAt = outages[outages.length - 1].upAt

    await deployment.waitAllFinal(90_000, () => deployment.noWorkerLeft()).catch((error: Error) => {
      scenario.check('every document final after the restarts', false, error.message)
    })
    checkNoCrash(scenario, deployment, 'API and workers survived the restarts (no process exited)')
    const row = await scenario.verify()

    const during = exchanges.filter((exchange) => outages.some((outage) => exchange.at + exchange.ms >= outage.downAt && exchange.at <= outage.upAt))
    const unavailable = exchanges.filter((exchange) => exchange.code === 'DOCQ_DATABASE_UNAVAILABLE').length
    const slowest = Math.max(0, ...exchanges.map((exchange) => exchange.ms))
    const bad = exchanges.filter((exchange) => !acceptable(exchange))
    scenario.metric('requests', exchanges.length)
    scenario.metric('requests during the outage', during.length)
    scenario.metric('503 DOCQ_DATABASE_UNAVAILABLE', unavailable)
    scenario.metric('slowest request', `${slowest} ms`)
    scenario.check('requests were made during the outage', during.length > 0, `${during.length}`)
    scenario.check(`no request hung (> ${HANG_MS / 1000} s)`, slowest <= HANG_MS, `slowest ${slowest} ms`)
    scenario.check('every answer is a success or 503 DOCQ_DATABASE_UNAVAILABLE, without a stack trace', bad.length === 0,
      bad.slice(0, 4).map((exchange) => `${exchange.kind} ${exchange.status} ${exchange.code ?? ''} ${exchange.body.slice(0, 160)}`).join(' | '))
    scenario.check('every document completed', row.completed === row.accepted, `${row.completed}/${row.accepted}`)
    // A commit whose answer was lost with the connection is stored though the client saw 503:
    // not a loss (the client may retry with an Idempotency-Key), so reported, not failed.
    const trafficUploads = exchanges.flatMap((exchange) => exchange.upload === undefined ? [] : [exchange.upload])
    scenario.metric('refused uploads stored anyway', (await rowsOfRefusedUploads(deployment, [...burstUploads, ...trafficUploads])).length)
    const afterUp = exchanges.filter((exchange) => exchange.at > upAt + 1_000)
    scenario.check('the API answers normally again after Postgres is back', afterUp.length > 0 && afterUp.slice(-3).every((exchange) => exchange.status >= 200 && exchange.status < 300),
      afterUp.slice(-3).map((exchange) => `${exchange.kind} ${exchange.status}`).join(', '))
  }
}
