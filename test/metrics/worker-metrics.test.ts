import t from 'tap'
import { loadConfig } from '../../src/config.js'
import { createLogger } from '../../src/logger.js'
import { startWorkerMetricsEndpoint } from '../../src/metrics/worker-metrics-endpoint.js'
import { TestContext, waitFor } from '../helpers/context.js'
import { upload } from '../helpers/http.js'
import { parseSamples, samplesOf, valueOf, type Sample } from '../helpers/prometheus-text.js'

const METRICS_TOKEN = 'worker-metrics-test-token-0123456789'
// The listener tests below need a queue to read the undelivered wake-ups from; none is lost.
const noWakeUpsLost = { undeliveredWakeUps: 0 }
const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(64)])

// Port 0: the listener takes a free port and the worker says which.
const context = TestContext.create(t, { METRICS_TOKEN, WORKER_METRICS_PORT: '0', RECONCILE_INTERVAL_MS: '200' })
const stack = await context.stack()
const app = await context.app(stack)
const { key } = await stack.apiKeys.create('measured')

/** A worker on the file's stack, and where its metrics listener answers. */
async function measuredWorker (): Promise<string> {
  const address = await context.worker(stack).metricsAddress
  if (address === undefined) throw new Error('the worker has no metrics listener')
  return `http://${address.address}:${address.port}`
}

t.test('a worker\'s own endpoint counts the claims, outcomes, durations and re-dispatches of what it processed', async (t) => {
  const ids: string[] = []
  for (const n of [1, 2, 3]) ids.push((await upload(app, key, `plain text document number ${n}`)).json().id)
  ids.push((await upload(app, key, '<!doctype html><p>Hello <b>world</b></p>', { filename: 'page.html', contentType: 'text/html' })).json().id)
  ids.push((await upload(app, key, PNG, { filename: 'pixel.png', contentType: 'image/png' })).json().id)
  // Their wake-ups lost, as with Redis's data: the reconciler of the worker sends them again.
  await stack.wakeUps.obliterate({ force: true })
  const base = await measuredWorker()
  await waitFor(async () => {
    const { rows } = await stack.pool.query<{ n: number }>("select count(*)::int as n from documents where id = any($1) and status in ('completed', 'failed')", [ids])
    return rows[0].n === ids.length ? true : undefined
  }, 'the five documents to be processed')

  const response = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
  t.equal(response.status, 200)
  t.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8')
  const samples: Sample[] = parseSamples(await response.text())
  t.equal(valueOf(samples, 'docqueue_worker_claims_total', { operation: 'process' }), 5)
  t.equal(valueOf(samples, 'docqueue_worker_completions_total', { operation: 'process', detected_type: 'text/plain' }), 3)
  t.equal(valueOf(samples, 'docqueue_worker_completions_total', { operation: 'process', detected_type: 'text/html' }), 1)
  t.equal(valueOf(samples, 'docqueue_worker_failures_total', { operation: 'process', code: 'unsupported_type' }), 1)
  t.same(samplesOf(samples, 'docqueue_worker_retries_total'), [], 'no attempt was retried')
  const processed = (detectedType: string, outcome: string): number | undefined =>
    valueOf(samples, 'docqueue_worker_processing_seconds_count', { operation: 'process', detected_type: detectedType, outcome })
  t.same([processed('text/plain', 'completed'), processed('text/html', 'completed'), processed('unknown', 'failed')], [3, 1, 1])
  const slowest = samplesOf(samples, 'docqueue_worker_processing_seconds_bucket', { detected_type: 'text/plain', le: '+Inf' })
  t.equal(slowest[0]?.value, 3, 'every duration falls in a bucket')
  t.equal(valueOf(samples, 'docqueue_reconciler_redispatched_total'), 5, 'each lost wake-up was sent again once')
  t.equal(valueOf(samples, 'docqueue_reconciler_taken_over_total'), 0)
  t.equal(valueOf(samples, 'docqueue_reconciler_crashed_total'), 0)
})

t.test('a worker\'s endpoint refuses a missing or wrong token and serves nothing but GET /metrics', async (t) => {
  const base = await measuredWorker()
  const answer = async (path: string, init: RequestInit = {}): Promise<{ status: number, code: string }> => {
    const response = await fetch(`${base}${path}`, init)
    return { status: response.status, code: (await response.json() as { code: string }).code }
  }
  t.same(await answer('/metrics'), { status: 401, code: 'DOCQ_AUTH_MISSING' })
  t.same(await answer('/metrics', { headers: { authorization: `Bearer ${key}` } }), { status: 403, code: 'DOCQ_METRICS_FORBIDDEN' }, 'an API key is not the token')
  t.same(await answer('/elsewhere', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } }), { status: 404, code: 'DOCQ_ROUTE_NOT_FOUND' })
  t.same(await answer('/metrics', { method: 'POST', headers: { authorization: `Bearer ${METRICS_TOKEN}` } }), { status: 404, code: 'DOCQ_ROUTE_NOT_FOUND' })
  const scraped = await fetch(`${base}/metrics?name[]=x`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
  t.equal(scraped.status, 200, 'a query string is ignored')
  t.match(await scraped.text(), /^# TYPE docqueue_worker_claims_total counter$/m)
})

t.test('without METRICS_TOKEN a worker\'s endpoint, on METRICS_HOST only, needs none; it is off without a port, and a taken port fails its start', async (t) => {
  const logger = createLogger('silent', 'test')
  const open = startWorkerMetricsEndpoint(loadConfig({ WORKER_METRICS_PORT: '0' }), logger, noWakeUpsLost)
  if (open === undefined) throw new Error('no metrics endpoint')
  t.teardown(open.close)
  const address = await open.address
  t.equal(address.address, '127.0.0.1', 'the default METRICS_HOST')
  const scraped = await fetch(`http://127.0.0.1:${address.port}/metrics`)
  t.equal(scraped.status, 200)
  t.match(await scraped.text(), /^# TYPE docqueue_worker_processing_seconds histogram$/m)

  t.equal(startWorkerMetricsEndpoint(loadConfig({}), logger, noWakeUpsLost), undefined, 'off by default')
  const clash = startWorkerMetricsEndpoint(loadConfig({ WORKER_METRICS_PORT: String(address.port) }), logger, noWakeUpsLost)
  if (clash === undefined) throw new Error('no metrics endpoint')
  t.teardown(clash.close)
  await t.rejects(clash.address, { code: 'EADDRINUSE' }, 'a second worker on the same port')
})
