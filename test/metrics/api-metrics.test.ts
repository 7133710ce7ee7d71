import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { isolatedService } from '../helpers/context.js'
import { upload } from '../helpers/http.js'
import { parseSamples, samplesOf, valueOf, type Sample } from '../helpers/prometheus-text.js'

const METRICS_TOKEN = 'api-metrics-test-token-0123456789'
const scraper = { authorization: `Bearer ${METRICS_TOKEN}` }
const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(64)])

async function scrape (app: FastifyInstance): Promise<Sample[]> {
  const response = await app.inject({ method: 'GET', url: '/metrics', headers: scraper })
  if (response.statusCode !== 200) throw new Error(`the scrape answered ${response.statusCode}: ${response.body}`)
  return parseSamples(response.body)
}

t.test('the queue gauges count each tenant\'s documents by status, as uploads and processing change them', async (t) => {
  const { stack, app, key } = await isolatedService(t, 'acme', { METRICS_TOKEN })
  const globex = await stack.apiKeys.create('globex')
  for (const n of [1, 2, 3]) t.equal((await upload(app, key, `acme document number ${n}`)).statusCode, 202)
  t.equal((await upload(app, globex.key, 'a globex document')).statusCode, 202)
  t.equal((await upload(app, globex.key, PNG, { filename: 'pixel.png', contentType: 'image/png' })).statusCode, 202)

  const before = await scrape(app)
  const documents = (tenant: string, status: string, samples: Sample[]): number | undefined => valueOf(samples, 'docqueue_documents', { tenant, status })
  t.same(['pending', 'in_progress', 'completed', 'failed'].map((status) => documents('acme', status, before)), [3, 0, 0, 0], 'acme: 3 pending')
  t.same(['pending', 'in_progress', 'completed', 'failed'].map((status) => documents('globex', status, before)), [2, 0, 0, 0], 'globex: 2 pending')
  for (const tenant of ['acme', 'globex']) {
    const age = valueOf(before, 'docqueue_oldest_pending_age_seconds', { tenant })
    t.ok(age !== undefined && age >= 0, `${tenant}: the oldest pending wait is there (${String(age)})`)
  }

  // Processed by a sweep in this process: its wake-ups are dropped so that it runs them all now.
  await stack.wakeUps.obliterate({ force: true })
  t.match(await stack.sweep(10), { processed: 5, completed: 4, failed: 1 })

  const after = await scrape(app)
  t.same(['pending', 'in_progress', 'completed', 'failed'].map((status) => documents('acme', status, after)), [0, 0, 3, 0], 'acme: 3 completed')
  t.same(['pending', 'in_progress', 'completed', 'failed'].map((status) => documents('globex', status, after)), [0, 0, 1, 1], 'globex: 1 completed, 1 failed')
  t.equal(valueOf(after, 'docqueue_documents_failed_by_kind', { tenant: 'globex', kind: 'permanent' }), 1, 'the PNG failed as permanent')
  t.same(samplesOf(after, 'docqueue_documents_failed_by_kind', { tenant: 'acme' }), [], 'acme has no failures')
  t.same([valueOf(after, 'docqueue_documents_retrying', { tenant: 'acme' }), valueOf(after, 'docqueue_documents_retrying', { tenant: 'globex' })], [0, 0])
  t.same(samplesOf(after, 'docqueue_oldest_pending_age_seconds'), [], 'nothing is pending any more')
  t.equal(valueOf(after, 'docqueue_wakeups_undelivered_total'), 0, 'every wake-up reached Redis')
})

t.test('uploads whose wake-ups cannot reach Redis are accepted, and counted as undelivered', async (t) => {
  const { app, key } = await isolatedService(t, 'offline', { METRICS_TOKEN, REDIS_URL: 'redis://127.0.0.1:1' })
  t.equal(valueOf(await scrape(app), 'docqueue_wakeups_undelivered_total'), 0, 'none before the first upload')
  for (const n of [1, 2, 3]) t.equal((await upload(app, key, `offline document ${n}`)).statusCode, 202, `upload ${n} accepted`)
  t.equal(valueOf(await scrape(app), 'docqueue_wakeups_undelivered_total'), 3, 'one per upload')
})

t.test('requests are measured by route pattern and status, uploads by size, and the scrapes are not measured', async (t) => {
  const { app, key, auth } = await isolatedService(t, 'traffic', { METRICS_TOKEN })
  const small = 'x'.repeat(100)
  const first = (await upload(app, key, small, { headers: { 'idempotency-key': 'k-1' } })).json()
  await upload(app, key, 'y'.repeat(2000))
  const replay = await upload(app, key, small, { headers: { 'idempotency-key': 'k-1' } })
  t.equal(replay.headers['idempotent-replayed'], 'true', 'the third upload is a replay')
  for (let i = 0; i < 2; i++) await app.inject({ method: 'GET', url: `/documents/${first.id as string}`, headers: auth })
  t.equal((await app.inject({ method: 'GET', url: '/documents/not-a-uuid', headers: auth })).statusCode, 400)
  t.equal((await app.inject({ method: 'GET', url: '/nowhere/at/all', headers: auth })).statusCode, 404)
  await app.inject({ method: 'GET', url: '/metrics' })
  await scrape(app)

  const samples = await scrape(app)
  const requests = (method: string, route: string, status: string): number | undefined =>
    valueOf(samples, 'docqueue_http_request_duration_seconds_count', { method, route, status })
  t.equal(requests('POST', '/documents', '202'), 3, 'three uploads answered 202, the replay included')
  t.equal(requests('GET', '/documents/:id', '200'), 2)
  t.equal(requests('GET', '/documents/:id', '400'), 1)
  t.equal(requests('GET', 'unmatched', '404'), 1, 'an unknown path is one series, whatever its URL')
  t.same(samplesOf(samples, 'docqueue_http_request_duration_seconds_count', { route: '/metrics' }), [], 'the scrapes, refused or not, are not measured')
  const buckets = samplesOf(samples, 'docqueue_http_request_duration_seconds_bucket', { method: 'POST', route: '/documents', status: '202', le: '+Inf' })
  t.equal(buckets[0]?.value, 3, 'the histogram\'s buckets count the same requests')

  t.equal(valueOf(samples, 'docqueue_upload_size_bytes_count'), 2, 'a replay stores nothing and is not counted')
  t.equal(valueOf(samples, 'docqueue_upload_size_bytes_sum'), 2100, 'the stored documents\' sizes')
  t.equal(valueOf(samples, 'docqueue_upload_size_bytes_bucket', { le: '1024' }), 1)
  t.equal(valueOf(samples, 'docqueue_upload_size_bytes_bucket', { le: '4096' }), 2)
})

t.test('/metrics needs METRICS_TOKEN, never a tenant\'s API key, and is off without one', async (t) => {
  const { context, stack, app, auth } = await isolatedService(t, 'scraped', { METRICS_TOKEN })
  const refused = async (on: FastifyInstance, headers: Record<string, string>): Promise<{ status: number, code: string }> => {
    const response = await on.inject({ method: 'GET', url: '/metrics', headers })
    return { status: response.statusCode, code: response.json().code }
  }
  t.same(await refused(app, {}), { status: 401, code: 'DOCQ_AUTH_MISSING' })
  t.same(await refused(app, auth), { status: 403, code: 'DOCQ_METRICS_FORBIDDEN' }, 'a valid API key is not the metrics token')
  t.same(await refused(app, { authorization: `Bearer ${METRICS_TOKEN}x` }), { status: 403, code: 'DOCQ_METRICS_FORBIDDEN' })
  t.same(await refused(app, { authorization: `Basic ${METRICS_TOKEN}` }), { status: 401, code: 'DOCQ_AUTH_MISSING' })

  const accepted = await app.inject({ method: 'GET', url: '/metrics', headers: scraper })
  t.equal(accepted.statusCode, 200)
  t.equal(accepted.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8')
  t.match(accepted.body, /^# HELP docqueue_http_request_duration_seconds /m)

  const off = await context.app({ ...stack, config: { ...stack.config, METRICS_TOKEN: undefined } })
  t.same(await refused(off, auth), { status: 403, code: 'DOCQ_METRICS_DISABLED' })
  t.same(await refused(off, scraper), { status: 403, code: 'DOCQ_METRICS_DISABLED' })
  t.equal((await app.inject({ method: 'POST', url: '/metrics', headers: scraper })).statusCode, 404, 'only GET')
})
