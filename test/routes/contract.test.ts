import t from 'tap'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import type { Test } from 'tap'
import { AdminAccounts } from '../../src/admin/admin-accounts.js'
import { AdminClient } from '../helpers/admin-client.js'
import { AdminApiClient } from '../helpers/bulk-fixtures.js'
import { TestContext, waitFor } from '../helpers/context.js'
import { readCorpusFile } from '../helpers/corpus.js'
import { multipart, upload } from '../helpers/http.js'
import { ContractChecker } from '../helpers/openapi-contract.js'

const CRON_SECRET = 'contract-test-cron-secret'
const METRICS_TOKEN = 'contract-test-metrics-token'
const context = TestContext.create(t, { CRON_SECRET, METRICS_TOKEN, UPLOAD_MAX_BYTES: String(64 * 1024) })
const stack = await context.stack()
const app = await context.app(stack)
await app.ready()
const contract = new ContractChecker(app.swagger())
const { key } = await stack.apiKeys.create('contract')
const auth = { authorization: `Bearer ${key}` }
const cron = { authorization: `Bearer ${CRON_SECRET}` }
const json = { 'content-type': 'application/json' }

type Call = Omit<InjectOptions, 'method' | 'url'> & { method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string }

/** Sends a request as the contract tenant (unless it says otherwise) and checks the answer against `operationId`. */
async function call (t: Test, operationId: string, request: Call, on: FastifyInstance = app): Promise<LightMyRequestResponse> {
  const response = await on.inject({ ...request, headers: { ...auth, ...request.headers } })
  contract.check(t, operationId, request.method, request.url, response)
  return response
}

async function settled (id: string): Promise<string> {
  return await waitFor(async () => {
    const { rows } = await stack.pool.query<{ status: string }>('select status from documents where id = $1', [id])
    return rows[0]?.status === 'completed' || rows[0]?.status === 'failed' ? rows[0].status : undefined
  }, `document ${id} to be processed`)
}

const text = 'Durable queues keep every uploaded document safe in Postgres while workers extract its text.\n\n'.repeat(3)
const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(64)])

t.test('every operation answers a success and a client error as the OpenAPI document says', async (t) => {
  // What the other tests drove does not count towards this test's coverage.
  contract.seen.clear()
  const doc = (await call(t, 'uploadDocument', { method: 'POST', url: '/documents', ...withFile(text, 'notes.txt', 'text/plain', { 'idempotency-key': 'contract-1' }) })).json()
  const html = (await call(t, 'uploadDocument', { method: 'POST', url: '/documents', ...withFile('<!doctype html><p>Hello <b>world</b></p>', 'page.html', 'text/html') })).json()
  const pdf = (await upload(app, key, readCorpusFile('pdfjs_copy_paste_ligatures.pdf'), { filename: 'ligatures.pdf', contentType: 'application/pdf' })).json()
  const docx = (await upload(app, key, readCorpusFile('mammoth_tables.docx'), { filename: 'tables.docx' })).json()
  const image = (await upload(app, key, png, { filename: 'image.png', contentType: 'image/png' })).json()

  const replay = await call(t, 'uploadDocument', { method: 'POST', url: '/documents', ...withFile(text, 'notes.txt', 'text/plain', { 'idempotency-key': 'contract-1' }) })
  t.equal(replay.headers['idempotent-replayed'], 'true', 'a replay says so')
  await call(t, 'uploadDocument', { method: 'POST', url: '/documents', ...withFile('other bytes', 'notes.txt', 'text/plain', { 'idempotency-key': 'contract-1' }) })
  await call(t, 'uploadDocument', { method: 'POST', url: '/documents', ...withFile('', 'empty.txt', 'text/plain') })
  await call(t, 'uploadDocument', { method: 'POST', url: '/documents', ...withFile(Buffer.alloc(65 * 1024, 'a'), 'big.txt', 'text/plain') })
  await call(t, 'uploadDocument', { method: 'POST', url: '/documents', payload: '{}', headers: json })
  await call(t, 'uploadDocument', { method: 'POST', url: '/documents', payload: 'x', headers: { 'content-type': 'multipart/form-data' } })
  await call(t, 'uploadDocument', { method: 'POST', url: '/documents', headers: { authorization: 'Bearer nope' } })

  // Before any worker runs, the results are not ready and a reprocess is refused.
  await call(t, 'getDocumentText', { method: 'GET', url: `/documents/${doc.id}/text` })
  await call(t, 'listDocumentChunks', { method: 'GET', url: `/documents/${doc.id}/chunks` })
  await call(t, 'reprocessDocument', { method: 'POST', url: `/documents/${doc.id}/reprocess` })
  await call(t, 'getQueueStats', { method: 'GET', url: '/queue/stats' })

  const worker = context.worker(stack)
  for (const id of [doc.id, html.id, pdf.id, docx.id, image.id]) await settled(id)

  await call(t, 'getDocument', { method: 'GET', url: `/documents/${doc.id}` })
  await call(t, 'getDocument', { method: 'GET', url: `/documents/${image.id}` })
  await call(t, 'getDocument', { method: 'GET', url: '/documents/00000000-0000-0000-0000-000000000000' })
  await call(t, 'getDocument', { method: 'GET', url: `/documents/urn:uuid:${doc.id}` })
  await call(t, 'getDocument', { method: 'GET', url: `/documents/${doc.id}`, headers: { authorization: '' } })

  // A finished document's stream is its current state, then the end.
  await call(t, 'streamDocumentEvents', { method: 'GET', url: `/documents/${doc.id}/events` })
  await call(t, 'streamDocumentEvents', { method: 'GET', url: `/documents/${doc.id}/events`, headers: { 'last-event-id': 'x' } })
  await call(t, 'streamDocumentEvents', { method: 'GET', url: '/documents/00000000-0000-0000-0000-000000000000/events' })

  const page = (await call(t, 'listDocuments', { method: 'GET', url: '/documents?limit=2' })).json()
  await call(t, 'listDocuments', { method: 'GET', url: `/documents?limit=2&cursor=${page.nextCursor as string}&status=completed` })
  await call(t, 'listDocuments', { method: 'GET', url: '/documents?cursor=forged' })

  await call(t, 'getDocumentText', { method: 'GET', url: `/documents/${doc.id}/text` })
  await call(t, 'getDocumentText', { method: 'GET', url: `/documents/${image.id}/text` })
  await call(t, 'getDocumentText', { method: 'GET', url: '/documents/00000000-0000-0000-0000-000000000000/text' })

  const chunks = (await call(t, 'listDocumentChunks', { method: 'GET', url: `/documents/${pdf.id}/chunks?limit=1` })).json()
  await call(t, 'listDocumentChunks', { method: 'GET', url: `/documents/${pdf.id}/chunks?after=${chunks.nextAfter as number}` })
  await call(t, 'listDocumentChunks', { method: 'GET', url: `/documents/${pdf.id}/chunks?after=2147483648` })

  for (const id of [doc.id, html.id, pdf.id, docx.id, image.id]) {
    await call(t, 'getDocumentContent', { method: 'GET', url: `/documents/${id}/content` })
  }
  await call(t, 'getDocumentContent', { method: 'GET', url: '/documents/00000000-0000-0000-0000-000000000000/content' })

  await call(t, 'searchDocuments', { method: 'GET', url: '/search?q=durable+queues' })
  await call(t, 'searchDocuments', { method: 'GET', url: '/search?q=a%00b' })

  await call(t, 'reprocessDocument', { method: 'POST', url: `/documents/${docx.id}/reprocess` })
  await call(t, 'reprocessDocument', { method: 'POST', url: `/documents/${html.id}/reprocess`, payload: '{"priority":"high"}', headers: json })
  await call(t, 'reprocessDocument', { method: 'POST', url: `/documents/${pdf.id}/reprocess`, payload: '{"priority":"urgent"}', headers: json })
  await call(t, 'reprocessDocument', { method: 'POST', url: `/documents/${pdf.id}/reprocess`, payload: '<p/>', headers: { 'content-type': 'application/xml' } })
  await call(t, 'reprocessDocument', { method: 'POST', url: `/documents/${pdf.id}/reprocess`, payload: `{"priority":"${'x'.repeat(70_000)}"}`, headers: json })
  await call(t, 'reprocessDocument', { method: 'POST', url: '/documents/00000000-0000-0000-0000-000000000000/reprocess' })

  await call(t, 'deleteDocument', { method: 'DELETE', url: `/documents/${image.id}` })
  await call(t, 'deleteDocument', { method: 'DELETE', url: `/documents/${image.id}` })

  await call(t, 'getQueueStats', { method: 'GET', url: '/queue/stats' })
  await call(t, 'getQueueStats', { method: 'GET', url: '/queue/stats?x=%ff' })

  await call(t, 'runSweeper', { method: 'POST', url: '/cron/process?limit=5', headers: cron })
  await call(t, 'runSweeper', { method: 'POST', url: '/cron/process?limit=0', headers: cron })
  await call(t, 'runSweeper', { method: 'POST', url: '/cron/process', headers: { authorization: '' } })
  await call(t, 'runSweeper', { method: 'POST', url: '/cron/process', headers: { authorization: 'Bearer wrong-secret' } })

  await call(t, 'getMetrics', { method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
  await call(t, 'getMetrics', { method: 'GET', url: '/metrics', headers: { authorization: '' } })
  await call(t, 'getMetrics', { method: 'GET', url: '/metrics' })
  await call(t, 'getMetrics', { method: 'GET', url: '/metrics?x=1', headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
  const webhook = (await call(t, 'createWebhook', { method: 'POST', url: '/webhooks', headers: json, payload: JSON.stringify({ url: 'https://example.com/hook' }) })).json()
  await call(t, 'createWebhook', { method: 'POST', url: '/webhooks', headers: json, payload: JSON.stringify({ url: 'ftp://example.com/hook' }) })
  await call(t, 'listWebhooks', { method: 'GET', url: '/webhooks' })
  await call(t, 'listWebhooks', { method: 'GET', url: '/webhooks?x=1' })
  await call(t, 'rotateCallbackSecret', { method: 'POST', url: '/webhooks/callback-secret' })
  await call(t, 'rotateCallbackSecret', { method: 'POST', url: '/webhooks/callback-secret?x=1' })
  await call(t, 'listWebhookDeliveries', { method: 'GET', url: '/webhooks/deliveries?limit=5' })
  await call(t, 'listWebhookDeliveries', { method: 'GET', url: '/webhooks/deliveries?status=lost' })
  await call(t, 'deleteWebhook', { method: 'DELETE', url: `/webhooks/${webhook.id as string}` })
  await call(t, 'deleteWebhook', { method: 'DELETE', url: `/webhooks/${webhook.id as string}` })

  await call(t, 'getLiveness', { method: 'GET', url: '/healthz' })
  await call(t, 'getLiveness', { method: 'GET', url: '/healthz?x=%00' })
  await call(t, 'getReadiness', { method: 'GET', url: '/readyz' })
  await call(t, 'getReadiness', { method: 'GET', url: '/readyz?x=%ff' })

  // The admin JSON API, with an admin session's cookie (and without one).
  const { password } = await new AdminAccounts(stack.pool).create({ name: 'contract-admin', role: 'viewer', tenants: null })
  const admin = new AdminClient(app)
  t.equal((await admin.login('contract-admin', password)).statusCode, 303, 'the admin signed in')
  const session = { cookie: [...admin.cookies].map(([name, value]) => `${name}=${value}`).join('; '), authorization: '' }
  await call(t, 'getAdminOverview', { method: 'GET', url: '/admin/api/overview', headers: session })
  await call(t, 'getAdminOverview', { method: 'GET', url: '/admin/api/overview?x=1', headers: session })
  await call(t, 'getAdminOverview', { method: 'GET', url: '/admin/api/overview' })
  await call(t, 'getAdminAudit', { method: 'GET', url: '/admin/api/audit?limit=1', headers: session })
  await call(t, 'getAdminAudit', { method: 'GET', url: '/admin/api/audit?from=2026-02-31', headers: session })
  const { password: operatorPassword } = await new AdminAccounts(stack.pool).create({ name: 'contract-operator', role: 'operator', tenants: null })
  const operator = new AdminClient(app)
  t.equal((await operator.login('contract-operator', operatorPassword)).statusCode, 303, 'the operator signed in')
  const acting = { cookie: [...operator.cookies].map(([name, value]) => `${name}=${value}`).join('; '), authorization: '', 'x-csrf-token': await operator.csrfToken() }
  // The tenant paused, so that its new document stays pending for the cancel.
  await call(t, 'pauseAdminQueue', { method: 'POST', url: '/admin/api/pauses', headers: { ...acting, ...json }, payload: JSON.stringify({ tenant: 'contract' }) })
  await call(t, 'pauseAdminQueue', { method: 'POST', url: '/admin/api/pauses', headers: { ...acting, ...json }, payload: JSON.stringify({ tenant: '' }) })
  await call(t, 'listAdminPauses', { method: 'GET', url: '/admin/api/pauses', headers: session })
  await call(t, 'listAdminPauses', { method: 'GET', url: '/admin/api/pauses?x=1', headers: session })
  const cancelMe = (await upload(app, key, 'a document to cancel', { filename: 'cancel.txt' })).json()
  await call(t, 'getAdminDocument', { method: 'GET', url: `/admin/api/documents/${cancelMe.id}`, headers: session })
  await call(t, 'getAdminDocument', { method: 'GET', url: '/admin/api/documents/00000000-0000-4000-8000-000000000000', headers: session })
  const actions = `/admin/api/documents/${cancelMe.id}/actions`
  await call(t, 'takeAdminDocumentAction', { method: 'POST', url: actions, headers: { ...acting, ...json }, payload: JSON.stringify({ action: 'cancel' }) })
  await call(t, 'takeAdminDocumentAction', { method: 'POST', url: actions, headers: { ...acting, ...json }, payload: JSON.stringify({ action: 'cancel' }) })
  await call(t, 'takeAdminDocumentAction', { method: 'POST', url: actions, headers: { ...acting, ...json }, payload: JSON.stringify({ action: 'shred' }) })
  await call(t, 'resumeAdminQueue', { method: 'DELETE', url: '/admin/api/pauses?tenant=contract', headers: acting })
  await call(t, 'resumeAdminQueue', { method: 'DELETE', url: '/admin/api/pauses?x=1', headers: acting })
  await call(t, 'redispatchWakeUps', { method: 'POST', url: '/admin/api/redispatch', headers: acting })
  await call(t, 'redispatchWakeUps', { method: 'POST', url: '/admin/api/redispatch?x=1', headers: acting })
  await call(t, 'redispatchWakeUps', { method: 'POST', url: '/admin/api/redispatch', headers: session })
  await call(t, 'listAdminDocuments', { method: 'GET', url: '/admin/api/documents?status=failed&limit=5', headers: session })
  await call(t, 'listAdminDocuments', { method: 'GET', url: '/admin/api/documents?q=%25_', headers: session })
  await call(t, 'listAdminDocuments', { method: 'GET', url: '/admin/api/documents' })
  await call(t, 'listAdminFailures', { method: 'GET', url: '/admin/api/failures?window=24h', headers: session })
  await call(t, 'listAdminFailures', { method: 'GET', url: '/admin/api/failures?window=2h', headers: session })

  // Bulk actions and retention, as an admin over every tenant, with the session's CSRF token.
  // The worker stops first: as the leader it would run a new bulk action before the cancel below.
  await worker.close(5_000)
  const keeper = await AdminApiClient.signIn(app, new AdminAccounts(stack.pool), 'contract-keeper', 'admin')
  const asAdmin = { cookie: [...keeper.cookies].map(([name, value]) => `${name}=${value}`).join('; '), authorization: '', 'x-csrf-token': keeper.csrf }
  await call(t, 'createAdminBulkAction', { method: 'POST', url: '/admin/api/bulk-actions', headers: asAdmin, payload: { action: 'retry', filter: { status: 'failed' }, dryRun: true } })
  const bulk = (await call(t, 'createAdminBulkAction', { method: 'POST', url: '/admin/api/bulk-actions', headers: asAdmin, payload: { action: 'clear', clear: { what: 'history', olderThanDays: 30 } } })).json()
  await call(t, 'createAdminBulkAction', { method: 'POST', url: '/admin/api/bulk-actions', headers: asAdmin, payload: { action: 'clear' } })
  await call(t, 'createAdminBulkAction', { method: 'POST', url: '/admin/api/bulk-actions', headers: session, payload: { action: 'retry' } })
  await call(t, 'listAdminBulkActions', { method: 'GET', url: '/admin/api/bulk-actions', headers: asAdmin })
  await call(t, 'listAdminBulkActions', { method: 'GET', url: '/admin/api/bulk-actions' })
  await call(t, 'getAdminBulkAction', { method: 'GET', url: `/admin/api/bulk-actions/${bulk.id}`, headers: asAdmin })
  await call(t, 'getAdminBulkAction', { method: 'GET', url: '/admin/api/bulk-actions/00000000-0000-4000-8000-000000000000', headers: asAdmin })
  await call(t, 'cancelAdminBulkAction', { method: 'POST', url: `/admin/api/bulk-actions/${bulk.id}/cancel`, headers: asAdmin })
  await call(t, 'cancelAdminBulkAction', { method: 'POST', url: `/admin/api/bulk-actions/${bulk.id}/cancel`, headers: asAdmin })
  await call(t, 'getAdminRetention', { method: 'GET', url: '/admin/api/retention', headers: asAdmin })
  await call(t, 'getAdminRetention', { method: 'GET', url: '/admin/api/retention?x=1', headers: asAdmin })
  await call(t, 'putAdminRetention', { method: 'PUT', url: '/admin/api/retention', headers: asAdmin, payload: { completed: null, failed: null, history: null } })
  await call(t, 'putAdminRetention', { method: 'PUT', url: '/admin/api/retention', headers: asAdmin, payload: { completed: 0, failed: null, history: null } })
  await call(t, 'putAdminRetention', { method: 'PUT', url: '/admin/api/retention', headers: session, payload: { completed: null, failed: null, history: null } })

  for (const operationId of contract.operationIds) {
    const statuses = [...(contract.seen.get(operationId) ?? [])]
    t.ok(statuses.some((s) => s < 300), `${operationId}: a success was checked (${statuses.join(', ')})`)
    t.ok(statuses.some((s) => s >= 400 && s < 500), `${operationId}: a client error was checked`)
  }
})

t.test('the rate limit answers 429 with Retry-After, as documented', async (t) => {
  const limited = await context.app({ ...stack, config: { ...stack.config, RATE_LIMIT_PER_MINUTE: 1 } })
  const tenant = await stack.apiKeys.create('rate-limited')
  const headers = { authorization: `Bearer ${tenant.key}` }
  await call(t, 'getQueueStats', { method: 'GET', url: '/queue/stats', headers }, limited)
  const over = await call(t, 'getQueueStats', { method: 'GET', url: '/queue/stats', headers }, limited)
  t.equal(over.statusCode, 429)
})

t.test('readiness answers 503 in its documented shape when Redis is down', async (t) => {
  const unreachable = await context.stack({ REDIS_URL: 'redis://127.0.0.1:1' })
  const noRedis = await context.app(unreachable)
  const response = await call(t, 'getReadiness', { method: 'GET', url: '/readyz' }, noRedis)
  t.equal(response.statusCode, 503)
  t.match(response.json(), { status: 'not_ready', postgres: 'up', redis: 'down' })
})

function withFile (content: string | Buffer, filename: string, contentType: string, headers: Record<string, string> = {}): { payload: Buffer, headers: Record<string, string> } {
  const body = multipart([{ name: 'file', value: content, filename, contentType }])
  return { payload: body.payload, headers: { ...body.headers, ...headers } }
}
