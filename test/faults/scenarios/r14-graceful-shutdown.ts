import { request, Agent } from 'node:http'
import { publicWorkerId } from '../../../src/db/workers.js'
import { multipart } from '../../helpers/http.js'
import { documentText } from '../corpus.js'
import type { Deployment } from '../deployment.js'
import { withTimeout } from '../poll.js'
import type { ScenarioDefinition, ScenarioRun } from '../scenario.js'
import { checkAllAccepted, checkNoCrash, waitUntilHolding } from './helpers.js'

const SHORT_GRACE_MS = 1_000
const LONG_GRACE_MS = 20_000

/**
 * Sends an upload with `Expect: 100-continue`: the server's 100 proves the request is in its
 * hands. Then `onInFlight` runs (the harness sends SIGTERM), and only then does the body go out.
 */
async function uploadAroundSignal (deployment: Deployment, filename: string, text: string, onInFlight: () => void): Promise<{ status: number, body: string, ms: number }> {
  const body = multipart([{ name: 'file', value: text, filename, contentType: 'text/plain' }])
  const agent = new Agent({ keepAlive: true })
  const started = Date.now()
  try {
    const req = request(`${deployment.apiUrl}/documents`, {
      method: 'POST',
      agent,
      headers: { ...body.headers, 'content-length': String(body.payload.length), authorization: `Bearer ${deployment.apiKey}`, expect: '100-continue' }
    })
    const continued = new Promise<void>((resolve) => req.once('continue', resolve))
    const answered = new Promise<{ status: number, body: string, ms: number }>((resolve, reject) => {
      req.once('response', (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.once('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: Date.now() - started }))
        response.once('error', reject)
      })
      req.once('error', reject)
    })
    answered.catch(() => {})
    req.flushHeaders()
    await withTimeout('100 Continue from the API', 10_000, continued)
    onInFlight()
    const half = Math.floor(body.payload.length / 2)
    req.write(body.payload.subarray(0, half))
    req.end(body.payload.subarray(half))
    return await withTimeout('the upload response', 15_000, answered)
  } finally {
    agent.destroy()
  }
}

async function shortGrace (scenario: ScenarioRun, deployment: Deployment): Promise<void> {
  const victim = deployment.workers.get('worker-1')
  if (victim === undefined) throw new Error('worker-1 is missing')
  const uploads = await deployment.uploadAll(Array.from({ length: 4 }, (_, index) => ({ filename: `r14a-${index}-sleep4000.txt`, text: documentText(index, 'R14') })))
  checkAllAccepted(scenario, uploads, 'short grace: uploads answered 202')
  const held = await waitUntilHolding(deployment, victim, 1, 20_000)
  victim.signal('SIGTERM')
  const termAt = Date.now()
  scenario.faultAt = termAt
  const exit = await victim.waitExit(SHORT_GRACE_MS + 20_000)
  const took = (exit?.at ?? Date.now()) - termAt
  scenario.metric('short grace: exit after SIGTERM', `${took} ms`)
  // That it left without waiting for its jobs shows in the check below (their items were released,
  // not completed by it); the time it took depends on the machine's load, so it is reported only.
  scenario.check('short grace: SIGTERM exits 0', exit?.code === 0,
    `exit ${JSON.stringify(exit)} after ${took} ms`)
  await deployment.waitAllFinal(60_000)

  const problems: string[] = []
  for (const item of held) {
    const view = await deployment.document(item.documentId)
    // The API shows tenants only the public part of a worker id.
    const victimId = publicWorkerId(item.lockedBy)
    const released = view.history.filter((entry) => entry.worker === victimId && entry.outcome === 'released')
    const completed = view.history.find((entry) => entry.outcome === 'completed')
    if (released.length !== 1) problems.push(`${view.filename}: history ${view.history.map((entry) => entry.outcome).join(',')}`)
    else if (completed === undefined || completed.worker === victimId) problems.push(`${view.filename}: not completed by another worker`)
    else if (view.attempts !== 1) problems.push(`${view.filename}: attempts=${view.attempts}, the release spent an attempt`)
  }
  scenario.metric('short grace: items released', held.length)
  scenario.check('short grace: held items released without spending an attempt, completed on another worker', problems.length === 0, problems.slice(0, 4).join('; '))
}

async function longGrace (scenario: ScenarioRun, deployment: Deployment): Promise<void> {
  const victim = await deployment.startWorker('worker-3', { env: { SHUTDOWN_GRACE_MS: String(LONG_GRACE_MS) } })
  const uploads = await deployment.uploadAll(Array.from({ length: 6 }, (_, index) => ({ filename: `r14b-${index}-sleep2000.txt`, text: documentText(10 + index, 'R14') })))
  checkAllAccepted(scenario, uploads, 'long grace: uploads answered 202')
  const held = await waitUntilHolding(deployment, victim, 1, 20_000)
  const fullWorkerId = held[0].lockedBy
  const workerId = publicWorkerId(fullWorkerId)
  victim.signal('SIGTERM')
  const termAt = Date.now()
  const exit = await victim.waitExit(LONG_GRACE_MS + 10_000)
  const took = (exit?.at ?? Date.now()) - termAt
  scenario.metric('long grace: exit after SIGTERM', `${took} ms`)
  // Before the grace runs out: the worker left because its jobs were done, not because time was up.
  // (How much sooner depends on the machine's load, so no tighter bound.)
  scenario.check('long grace: active jobs finish, then exit 0 before the grace period ends', exit?.code === 0 && took < LONG_GRACE_MS,
    `exit ${JSON.stringify(exit)} after ${took} ms`)
  await deployment.waitAllFinal(60_000)

  const problems: string[] = []
  for (const item of held) {
    const view = await deployment.document(item.documentId)
    const completed = view.history.find((entry) => entry.outcome === 'completed')
    if (completed?.worker !== workerId || view.history.some((entry) => entry.outcome === 'released')) {
      problems.push(`${view.filename}: history ${view.history.map((entry) => `${entry.outcome}@${entry.worker === workerId ? 'victim' : 'other'}`).join(',')}`)
    }
  }
  scenario.check('long grace: the jobs it held were finished by it, nothing released', problems.length === 0, problems.join('; '))
  const { rows } = await deployment.pool.query<{ late: number }>(
    "select count(*)::int as late from queue_item_attempts where worker = $1 and started_at > to_timestamp($2::float8 / 1000) + interval '250 milliseconds'", [fullWorkerId, termAt])
  scenario.check('long grace: no job taken after SIGTERM', rows[0].late === 0, `${rows[0].late} attempts started after SIGTERM`)
}

async function apiShutdown (scenario: ScenarioRun, deployment: Deployment): Promise<void> {
  const api = deployment.api
  if (api === undefined) throw new Error('the API is missing')
  let termAt = 0
  const response = await uploadAroundSignal(deployment, 'r14c-in-flight.txt', documentText(99, 'R14'), () => {
    api.signal('SIGTERM')
    termAt = Date.now()
  }).catch((error: Error) => ({ status: 0, body: error.message, ms: 0 }))
  const exit = await api.waitExit(20_000)
  const took = (exit?.at ?? Date.now()) - termAt
  scenario.check('API SIGTERM: the in-flight upload completes with 202', response.status === 202, `${response.status} ${response.body.slice(0, 200)}`)
  scenario.check('API SIGTERM: the API exits 0', exit?.code === 0, `exit ${JSON.stringify(exit)} after ${took} ms`)
  scenario.metric('API exit after SIGTERM', exit === undefined ? 'no exit in 20 s' : `${took} ms`)
  if (response.status === 202) {
    const id = (JSON.parse(response.body) as { id: string }).id
    deployment.accepted.set(id, { filename: 'r14c-in-flight.txt', status: 202, id, ms: response.ms, sentAt: termAt })
  }
  await deployment.waitAllFinal(30_000)
}

/**
 * R14: SIGTERM. With a short grace, a worker gives its unfinished items back (`released`, no
 * attempt spent) and exits 0; another worker completes them. With a long grace, its active jobs
 * finish and it exits 0, taking nothing new. The API finishes an in-flight upload and exits 0.
 */
export const gracefulShutdown: ScenarioDefinition = {
  id: 'R14',
  title: 'graceful shutdown (SIGTERM)',
  run: async (scenario) => {
    const redis = await scenario.redis()
    const deployment = await scenario.deployment({ redisUrl: redis.url, env: { SHUTDOWN_GRACE_MS: String(SHORT_GRACE_MS) } })
    await deployment.startApi()
    await Promise.all(['worker-1', 'worker-2'].map(async (name) => await deployment.startWorker(name)))
    await shortGrace(scenario, deployment)
    await longGrace(scenario, deployment)
    await apiShutdown(scenario, deployment)
    const row = await scenario.verify()
    scenario.check('every document completed', row.completed === row.accepted, `${row.completed}/${row.accepted}`)
    checkNoCrash(scenario, deployment)
  }
}
