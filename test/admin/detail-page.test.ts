import t from 'tap'
import { newWorkerIdentity, recordHeartbeat } from '../../src/db/workers.js'
import { priorityRanks } from '../../src/queue/priority.js'
import { signedInAs } from '../helpers/admin-accounts.js'
import type { AdminClient } from '../helpers/admin-client.js'
import { TestContext } from '../helpers/context.js'
import {
  claim, completedDocument, DISTANT_RETRIES, enqueueOne, newTenant, newUpload, resultOf
} from '../helpers/queue-fixtures.js'

// The document detail page and its JSON twin: what it shows, escaped; the actions each role
// gets; the download; and every reason "why is it still pending" can give.
const context = TestContext.create(t, DISTANT_RETRIES as unknown as Record<string, string>)
// A heartbeat this file records stays "online" for the whole test: on a busy machine the steps
// between it and the checks that expect a worker online can take longer than the default window.
const stack = await context.stack({ WORKER_DEAD_AFTER_MS: 600_000 })
const app = await context.app(stack)

const viewer = await signedInAs(app, stack.pool, 'vera', 'viewer')
const operator = await signedInAs(app, stack.pool, 'otto', 'operator')
const admin = await signedInAs(app, stack.pool, 'ada', 'admin')

const hostileName = '<img src=x onerror=alert(1)>.txt'
const hostileError = '<script>alert("boom")</script> & <b>bold</b>'

/** The codes of the why-pending reasons a document's JSON gives to `client`. */
async function reasonsOf (client: AdminClient, id: string): Promise<string[]> {
  const answer = await client.json('GET', `/admin/api/documents/${id}`)
  return (answer.json().whyPending ?? []).map((reason: { code: string }) => reason.code)
}

/** The post forms of a page other than the logout button's. */
function actionForms (html: string): string[] {
  return [...html.matchAll(/<form method="post" action="(\/admin\/documents\/[^"]+)"/g)].map((match) => match[1])
}

t.test('a hostile file name, error text and extracted text render as text', async (t) => {
  const document = await enqueueOne(stack, { filename: hostileName })
  await stack.queue.markFailed(await claim(stack, document.itemId), { message: hostileError, permanent: true, code: 'corrupt' })
  const page = await viewer.get(`/admin/documents/${document.id}`)
  t.equal(page.statusCode, 200)
  t.notOk(page.body.includes('<img src=x'), 'no markup from the file name')
  t.notOk(page.body.includes('<script>alert'), 'no markup from the error')
  t.notOk(page.body.includes('<b>bold'), 'no markup from the error')
  t.match(page.body, '&lt;img src=x onerror=alert(1)&gt;.txt')
  t.match(page.body, '&lt;script&gt;alert(&quot;boom&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;')

  const text = await completedDocument(stack, { filename: 'text.txt' }, resultOf('<iframe src="//evil"></iframe> & friends'))
  const preview = await viewer.get(`/admin/documents/${text.id}`)
  t.notOk(preview.body.includes('<iframe'), 'no markup from the text or its passages')
  t.match(preview.body, '&lt;iframe src=&quot;//evil&quot;&gt;&lt;/iframe&gt; &amp; friends')
})

t.test('the page and its JSON show the document, its items and attempts, and the audit entries that named it', async (t) => {
  const document = await enqueueOne(stack, { filename: 'report.txt', tenant: 'tenant-a' })
  await stack.queue.markFailed(await claim(stack, document.itemId), { message: 'bad bytes', permanent: true, code: 'corrupt' })
  const token = await operator.csrfToken()
  t.equal((await operator.json('POST', `/admin/api/documents/${document.id}/actions`, { action: 'reprocess', reason: 'try the new parser' }, token)).statusCode, 200)

  const detail = (await viewer.json('GET', `/admin/api/documents/${document.id}`)).json()
  t.match(detail.document, { id: document.id, tenant: 'tenant-a', filename: 'report.txt', status: 'pending', operation: 'reprocess', priority: 'normal' })
  t.match(detail.items, [
    { operation: 'process', status: 'failed', current: false, errorCode: 'corrupt', attemptList: [{ attempt: 1, worker: stack.queue.workerId, outcome: 'failed', error: 'bad bytes', durationMs: Number }] },
    { operation: 'reprocess', status: 'pending', current: true, attemptList: [] }
  ])
  t.match(detail.audit, [{ accountName: 'otto', action: 'document.reprocess', affected: 1, reason: 'try the new parser' }])
  t.same(detail.actions, [], 'a viewer may take no action')

  const page = await viewer.get(`/admin/documents/${document.id}`)
  t.match(page.body, 'document.reprocess')
  t.match(page.body, 'try the new parser')
  t.match(page.body, 'bad bytes')
  t.match(page.body, `href="/admin/documents/${document.id}/download"`)
  t.match(page.body, /<caption>process queued/)
})

t.test('each role gets the buttons its role and the document\'s state allow; a viewer none', async (t) => {
  const failed = await enqueueOne(stack)
  await stack.queue.markFailed(await claim(stack, failed.itemId), { message: 'no', permanent: true, code: 'corrupt' })
  const pending = await enqueueOne(stack)
  const url = (id: string): string => `/admin/documents/${id}`
  t.same(actionForms((await viewer.get(url(failed.id))).body), [], 'a viewer gets no action form')
  t.same(actionForms((await operator.get(url(failed.id))).body), [`${url(failed.id)}/retry`, `${url(failed.id)}/reprocess`])
  t.same(actionForms((await admin.get(url(failed.id))).body), [`${url(failed.id)}/retry`, `${url(failed.id)}/reprocess`, `${url(failed.id)}/delete`])
  t.same(actionForms((await operator.get(url(pending.id))).body), [`${url(pending.id)}/cancel`])
  t.match((await admin.get(url(pending.id))).body, /<input type="checkbox" name="confirm" value="yes" required>/, 'deleting asks for a ticked box')
})

t.test('the download sends the original bytes as an attachment with a safe file name', async (t) => {
  const bytes = Buffer.from('<html><script>alert(1)</script></html>')
  const document = await enqueueOne(stack, { filename: 'a "quoted"\r\nname<>.html', bytes, mediaType: 'text/html', declaredType: 'text/html' })
  const answer = await viewer.get(`/admin/documents/${document.id}/download`)
  t.equal(answer.statusCode, 200)
  t.same(answer.rawPayload, bytes)
  t.equal(answer.headers['content-type'], 'application/octet-stream', 'markup is never served as itself')
  t.match(answer.headers['content-disposition'], /^attachment; filename="a _quoted___name<>.html"; filename\*=UTF-8''/)
  t.equal((await viewer.get('/admin/documents/00000000-0000-4000-8000-000000000000/download')).statusCode, 404)
})

t.test('why is it pending: each reason, by its code and on the page', async (t) => {
  // Compared with the due items of its account's tenants only: what other tests left is not ahead.
  const tenant = newTenant()
  const watcher = await signedInAs(app, stack.pool, 'watcher', 'viewer', [tenant, 'crowd'])
  const document = await enqueueOne(stack, { tenant, priority: priorityRanks.low })
  t.same(await reasonsOf(watcher, document.id), ['no_worker_online'], 'no worker online; its wake-up is live, nothing ahead')
  t.match((await watcher.get(`/admin/documents/${document.id}`)).body, /data-reason="no_worker_online">No worker is online/)

  // A worker heartbeats, with all its slots taken.
  const worker = newWorkerIdentity('busy-host', 4242)
  await recordHeartbeat(stack.pool, { worker, version: 'test', concurrency: 1, heldItems: [document.itemId] })
  t.same(await reasonsOf(watcher, document.id), ['waiting_for_worker_slot'])

  // Due items ahead of it: higher priority ones, counted up to 1,000.
  const ahead = await stack.queue.enqueueMany(Array.from({ length: 1_001 }, () => newUpload({ tenant: 'crowd', priority: priorityRanks.high, bytes: Buffer.from('x') })))
  const detail = (await watcher.json('GET', `/admin/api/documents/${document.id}`)).json()
  t.match(detail.whyPending, [{ code: 'behind_due_items', message: /^1,000\+ due items of your tenants come before it/ }, { code: 'waiting_for_worker_slot' }])
  await stack.queue.cancelPending(ahead.flatMap((doc) => doc === undefined ? [] : [doc.id]), null)

  // Its wake-up gone from Redis.
  await stack.wakeUps.remove(document.itemId)
  t.same(await reasonsOf(watcher, document.id), ['no_live_wake_up'])

  // Paused, for its tenant and for everyone.
  await stack.queue.pause(tenant, 'ops', 'disk full')
  await stack.queue.pause(null, 'ops', null)
  const paused = (await viewer.json('GET', `/admin/api/documents/${document.id}`)).json()
  t.match(paused.whyPending, [
    { code: 'paused_globally', message: /paused for every tenant since .* by ops/ },
    { code: 'paused_tenant', message: /paused for tenant .* by ops \(disk full\)/ }
  ])
  await stack.queue.resume(null)
  await stack.queue.resume(tenant)

  // A retry due later.
  const retrying = await enqueueOne(stack, { tenant })
  t.equal(await stack.queue.markFailed(await claim(stack, retrying.itemId), { message: 'flaky', permanent: false, code: 'internal' }), 'retrying')
  t.match((await viewer.json('GET', `/admin/api/documents/${retrying.id}`)).json().whyPending, [{ code: 'due_later', message: /^Not due before .*: a retry after attempt 1 failed/ }])

  const completed = await completedDocument(stack)
  t.equal((await viewer.json('GET', `/admin/api/documents/${completed.id}`)).json().whyPending, null, 'none for a document that is not pending')
})
