import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { PrivateRedis, redisCommand } from '../faults/redis-server.js'
import { TestContext } from '../helpers/context.js'
import { upload } from '../helpers/http.js'

const CRON_SECRET = 'cron-secret-for-tests-0123456789'
const context = TestContext.create(t, { CRON_SECRET })
const stack = await context.stack()
const app = await context.app(stack)
const { key } = await stack.apiKeys.create('ops')

t.test('GET /healthz answers without a key', async (t) => {
  const response = await app.inject({ method: 'GET', url: '/healthz' })
  t.equal(response.statusCode, 200)
  t.same(response.json(), { status: 'ok' })
})

t.test('GET /readyz reports Postgres and Redis up', async (t) => {
  const response = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(response.statusCode, 200)
  t.same(response.json(), { status: 'ready', postgres: 'up', redis: 'up', warnings: [] })
})

t.test('GET /readyz answers 503 naming Redis when Redis cannot be reached', async (t) => {
  const offline = await context.stack({ REDIS_URL: 'redis://127.0.0.1:1' })
  const offlineApp = await context.app(offline)
  const response = await offlineApp.inject({ method: 'GET', url: '/readyz' })
  t.equal(response.statusCode, 503)
  t.same(response.json(), { status: 'not_ready', postgres: 'up', redis: 'down', warnings: [] })

  const accepted = await upload(offlineApp, key, 'accepted while Redis is down')
  t.equal(accepted.statusCode, 202, 'uploads still succeed: Postgres holds the item')
  const { rows } = await offline.pool.query('select q.id, q.status from queue_items q join documents d on d.current_item_id = q.id where d.id = $1', [accepted.json().id])
  t.equal(rows[0].status, 'pending')
  t.equal(await stack.wakeUps.getJob(rows[0].id), undefined, 'no wake-up reached Redis')
  t.same(await stack.sweep(10), { processed: 1, completed: 1, failed: 0, retrying: 0, crashed: 0, takenOver: 0, due: 1, waitingOnWakeups: 0, heldByLiveWorkers: 0 }, 'the sweeper takes the undispatched item')
})

t.test('POST /cron/process needs the cron secret and runs the sweeper', async (t) => {
  const missing = await app.inject({ method: 'POST', url: '/cron/process' })
  t.equal(missing.statusCode, 401)
  t.equal(missing.json().code, 'DOCQ_AUTH_MISSING')
  const wrong = await app.inject({ method: 'POST', url: '/cron/process', headers: { authorization: 'Bearer not-the-secret' } })
  t.equal(wrong.statusCode, 403)
  t.equal(wrong.json().code, 'DOCQ_CRON_FORBIDDEN')
  const apiKey = await app.inject({ method: 'POST', url: '/cron/process', headers: { authorization: `Bearer ${key}` } })
  t.equal(apiKey.statusCode, 403, 'an API key is not the cron secret')
  const badLimit = await app.inject({ method: 'POST', url: '/cron/process?limit=0', headers: { authorization: `Bearer ${CRON_SECRET}` } })
  t.equal(badLimit.statusCode, 400)

  const ids = []
  for (let i = 0; i < 3; i++) ids.push((await upload(app, key, `cron document ${i}`)).json().id)
  await stack.wakeUps.obliterate({ force: true })
  const first = await app.inject({ method: 'POST', url: '/cron/process?limit=2', headers: { authorization: `Bearer ${CRON_SECRET}` } })
  t.equal(first.statusCode, 200)
  t.same(first.json(), { processed: 2, completed: 2, failed: 0, retrying: 0, crashed: 0, takenOver: 0, due: 2, waitingOnWakeups: 0, heldByLiveWorkers: 0 })
  const second = await app.inject({ method: 'POST', url: '/cron/process', headers: { authorization: `Bearer ${CRON_SECRET}` } })
  t.same(second.json(), { processed: 1, completed: 1, failed: 0, retrying: 0, crashed: 0, takenOver: 0, due: 1, waitingOnWakeups: 0, heldByLiveWorkers: 0 })
  const { rows } = await stack.pool.query("select count(*)::int as n from documents where id = any($1::uuid[]) and status = 'completed'", [ids])
  t.equal(rows[0].n, 3)
})

t.test('POST /cron/process is refused when no CRON_SECRET is configured', async (t) => {
  const bare = await context.stack({ CRON_SECRET: undefined })
  const bareApp = await context.app(bare)
  const response = await bareApp.inject({ method: 'POST', url: '/cron/process', headers: { authorization: 'Bearer anything-at-all-here' } })
  t.equal(response.statusCode, 403)
  t.equal(response.json().code, 'DOCQ_CRON_DISABLED')
})

t.test('GET /docs serves the OpenAPI UI and /docs/json the spec of every route', async (t) => {
  const ui = await app.inject({ method: 'GET', url: '/docs' })
  t.ok([200, 302].includes(ui.statusCode), `ui answers (${ui.statusCode})`)
  const spec = (await app.inject({ method: 'GET', url: '/docs/json' })).json()
  t.equal(spec.openapi.slice(0, 2), '3.')
  t.same(Object.keys(spec.paths).sort(), [
    '/admin/api/audit', '/admin/api/bulk-actions', '/admin/api/bulk-actions/{id}', '/admin/api/bulk-actions/{id}/cancel', '/admin/api/documents', '/admin/api/documents/{id}', '/admin/api/documents/{id}/actions', '/admin/api/failures', '/admin/api/overview', '/admin/api/pauses', '/admin/api/redispatch', '/admin/api/retention',
    '/cron/process', '/documents', '/documents/{id}', '/documents/{id}/chunks', '/documents/{id}/content', '/documents/{id}/events',
    '/documents/{id}/reprocess', '/documents/{id}/text', '/healthz', '/metrics', '/queue/stats', '/readyz', '/search',
    '/webhooks', '/webhooks/callback-secret', '/webhooks/deliveries', '/webhooks/{id}'
  ])
  t.ok(spec.paths['/documents'].post.responses['202'], 'upload documents its 202')
})

t.test('a server error answers 500 without internals', async (t) => {
  const broken = await context.stack()
  const brokenApp = await context.app(broken)
  await broken.pool.end()
  const response = await brokenApp.inject({ method: 'GET', url: '/documents', headers: { authorization: `Bearer ${key}` } })
  t.equal(response.statusCode, 500)
  t.same(response.json(), { statusCode: 500, code: 'DOCQ_SERVER_INTERNAL', error: 'Internal Server Error', message: 'internal server error' })
})

t.test('the OpenAPI spec describes the multipart upload body', async (t) => {
  const spec = (await app.inject({ method: 'GET', url: '/docs/json' })).json()
  const body = spec.paths['/documents'].post.requestBody
  t.ok(body.content['multipart/form-data'], 'multipart/form-data')
  t.match(body.content['multipart/form-data'].schema.properties, { file: { type: 'string', format: 'binary' } })
})

t.test('GET /readyz reports degraded, naming the setting, when Redis may evict jobs', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'docq-evicting-redis-'))
  const redis = await PrivateRedis.start({ logDir: dir, dataDir: dir, appendOnly: false, logCapBytes: 64 * 1024 })
  t.teardown(async () => {
    await redis.stop()
    await rm(dir, { recursive: true, force: true })
  })
  t.equal(await redisCommand(redis.port, ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru']), '+OK')
  const evicting = await context.stack({ REDIS_URL: redis.url })
  const evictingApp = await context.app(evicting)
  const response = await evictingApp.inject({ method: 'GET', url: '/readyz' })
  t.equal(response.statusCode, 200, 'still serving')
  t.same(response.json(), {
    status: 'degraded', postgres: 'up', redis: 'up', warnings: ['redis maxmemory-policy is allkeys-lru; BullMQ needs noeviction']
  })
})
