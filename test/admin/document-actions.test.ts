import t, { type Test } from 'tap'
import type { DocumentRecord } from '../../src/db/documents.js'
import { TestContext, type TestStack } from '../helpers/context.js'
import { signedInAs } from '../helpers/admin-accounts.js'
import { ContractChecker } from '../helpers/openapi-contract.js'
import { claim, completedDocument, enqueueOne, readDocument, readItemIds } from '../helpers/queue-fixtures.js'
import { recount } from '../helpers/recount.js'

// The single-document actions and pause/resume, through the admin app as a browser and as a
// script would use them: each one's effect, its audit entry, and every refusal.
const context = TestContext.create(t)
const stack = await context.stack()
const app = await context.app(stack)
await app.ready()
const contract = new ContractChecker(app.swagger())

const viewer = await signedInAs(app, stack.pool, 'vera', 'viewer')
const operator = await signedInAs(app, stack.pool, 'otto', 'operator')
const admin = await signedInAs(app, stack.pool, 'ada', 'admin')
const limited = await signedInAs(app, stack.pool, 'lim', 'operator', ['tenant-a'])

async function failedDocument (tenant: string): Promise<DocumentRecord> {
  const document = await enqueueOne(stack, { tenant })
  await stack.queue.markFailed(await claim(stack, document.itemId), { message: 'not a PDF', permanent: true, code: 'corrupt' })
  return document
}

async function auditOf (action: string): Promise<Array<Record<string, unknown>>> {
  const { rows } = await stack.pool.query(`
    select account_name as "accountName", action, target_filter as "targetFilter", target_item_ids as "targetItemIds", affected::int, reason, address
      from admin_audit where action = $1 order by id`, [action])
  return rows
}

async function countsExact (t: Test, pool: TestStack['pool'], tenant: string): Promise<void> {
  const { oldestPendingAgeSeconds: _p, oldestInProgressAgeSeconds: _i, ...counts } = await stack.queue.getQueueStats(tenant)
  t.same(counts, await recount(pool, tenant), `the counts of ${tenant} match a recount`)
}

t.test('an operator retries a failed document from its page: pending again, audited with the reason', async (t) => {
  const document = await failedDocument('tenant-a')
  const page = `/admin/documents/${document.id}`
  const answer = await operator.submit(page, `${page}/retry`, { reason: 'parser fixed' })
  t.equal(answer.statusCode, 303)
  t.equal(answer.headers.location, `${page}?done=retry`)
  t.match(await readDocument(stack.pool, document.id), { status: 'pending', errorKind: null })
  t.match(await auditOf('document.retry'), [{ accountName: 'otto', targetItemIds: [document.id], affected: 1, reason: 'parser fixed', address: '127.0.0.1' }])
  t.match((await operator.get(`${page}?done=retry`)).body, /Retry: done\./)
  await countsExact(t, stack.pool, 'tenant-a')
})

t.test('an operator cancels a pending document and reprocesses it through the JSON API', async (t) => {
  const document = await enqueueOne(stack, { tenant: 'tenant-b' })
  const url = `/admin/api/documents/${document.id}/actions`
  const token = await operator.csrfToken()
  const cancelled = await operator.json('POST', url, { action: 'cancel', reason: 'uploaded by mistake' }, token)
  contract.check(t, 'takeAdminDocumentAction', 'POST', url, cancelled)
  t.equal(cancelled.statusCode, 200)
  t.same(cancelled.json(), { action: 'cancel', documentId: document.id, affected: 1 })
  t.match(await readDocument(stack.pool, document.id), { status: 'failed', errorKind: 'cancelled' })
  t.match(await auditOf('document.cancel'), [{ accountName: 'otto', targetItemIds: [document.id], affected: 1, reason: 'uploaded by mistake' }])

  const again = await operator.json('POST', url, { action: 'cancel' }, token)
  contract.check(t, 'takeAdminDocumentAction', 'POST', url, again)
  t.match(again, { statusCode: 409 })
  t.match(again.json(), { code: 'DOCQ_ADMIN_ACTION_NOT_APPLICABLE' })
  t.equal((await auditOf('document.cancel')).length, 1, 'a refused action writes no audit entry')

  const reprocessed = await operator.json('POST', url, { action: 'reprocess' }, token)
  t.equal(reprocessed.statusCode, 200)
  t.equal((await readItemIds(stack.pool, document.id)).length, 2, 'a new reprocess item')
  t.match(await readDocument(stack.pool, document.id), { status: 'pending' })
  t.match(await auditOf('document.reprocess'), [{ targetItemIds: [document.id], affected: 1, reason: null }])
  await countsExact(t, stack.pool, 'tenant-b')
})

t.test('deleting needs the admin role and, from a page, the ticked confirmation', async (t) => {
  const document = await completedDocument(stack, { tenant: 'tenant-a' })
  const page = `/admin/documents/${document.id}`
  const refused = await operator.json('POST', `/admin/api/documents/${document.id}/actions`, { action: 'delete' }, await operator.csrfToken())
  contract.check(t, 'takeAdminDocumentAction', 'POST', `/admin/api/documents/${document.id}/actions`, refused)
  t.match(refused, { statusCode: 403 })
  t.match(refused.json(), { code: 'DOCQ_ADMIN_FORBIDDEN' })
  t.equal((await operator.submit(page, `${page}/delete`, { confirm: 'yes' })).statusCode, 403, 'nor from the form')

  const unconfirmed = await admin.submit(page, `${page}/delete`, { reason: 'gdpr' })
  t.equal(unconfirmed.statusCode, 400, 'without the confirmation')
  t.match(await readDocument(stack.pool, document.id), { status: 'completed' }, 'still there')

  const deleted = await admin.submit(page, `${page}/delete`, { reason: 'gdpr', confirm: 'yes' })
  t.equal(deleted.statusCode, 303)
  t.equal(deleted.headers.location, '/admin/documents?done=delete')
  const { rows } = await stack.pool.query('select count(*)::int as n from documents where id = $1', [document.id])
  t.equal(rows[0].n, 0)
  t.match(await auditOf('document.delete'), [{ accountName: 'ada', targetItemIds: [document.id], affected: 1, reason: 'gdpr' }])
  t.equal((await admin.get(page)).statusCode, 404, 'its page is gone')
  await countsExact(t, stack.pool, 'tenant-a')
})

t.test('a viewer may read but not act, and the API refuses it', async (t) => {
  const document = await failedDocument('tenant-a')
  const url = `/admin/api/documents/${document.id}/actions`
  const answer = await viewer.json('POST', url, { action: 'retry' }, await viewer.csrfToken())
  contract.check(t, 'takeAdminDocumentAction', 'POST', url, answer)
  t.match(answer, { statusCode: 403 })
  t.match(answer.json(), { code: 'DOCQ_ADMIN_FORBIDDEN' })
  const page = `/admin/documents/${document.id}`
  t.equal((await viewer.submit(page, `${page}/retry`, {})).statusCode, 403)
  t.match(await readDocument(stack.pool, document.id), { status: 'failed' }, 'nothing changed')
  const pause = await viewer.json('POST', '/admin/api/pauses', { tenant: 'tenant-a' }, await viewer.csrfToken())
  contract.check(t, 'pauseAdminQueue', 'POST', '/admin/api/pauses', pause)
  t.equal(pause.statusCode, 403)
})

t.test('a POST without the CSRF token is refused and changes nothing', async (t) => {
  const document = await failedDocument('tenant-a')
  const form = await operator.request('POST', `/admin/documents/${document.id}/retry`, { reason: 'no token' })
  t.equal(form.statusCode, 403)
  t.match(form.json(), { code: 'DOCQ_ADMIN_CSRF_INVALID' })
  const url = `/admin/api/documents/${document.id}/actions`
  const json = await operator.json('POST', url, { action: 'retry' })
  contract.check(t, 'takeAdminDocumentAction', 'POST', url, json)
  t.equal(json.statusCode, 403)
  t.match(json.json(), { code: 'DOCQ_ADMIN_CSRF_INVALID' })
  const wrong = await operator.json('POST', url, { action: 'retry' }, 'not-the-token')
  t.equal(wrong.statusCode, 403)
  const pause = await operator.request('POST', '/admin/pauses', { tenant: '' })
  t.equal(pause.statusCode, 403)
  t.match(await readDocument(stack.pool, document.id), { status: 'failed' })
  t.same(await stack.queue.getPauses(null), [])
})

t.test('an account limited to some tenants gets 404 for another tenant\'s document, whatever it asks', async (t) => {
  const theirs = await failedDocument('tenant-b')
  const ours = await failedDocument('tenant-a')
  const token = await limited.csrfToken()
  t.equal((await limited.get(`/admin/documents/${theirs.id}`)).statusCode, 404)
  t.equal((await limited.get(`/admin/documents/${theirs.id}/download`)).statusCode, 404)
  const read = await limited.json('GET', `/admin/api/documents/${theirs.id}`)
  contract.check(t, 'getAdminDocument', 'GET', `/admin/api/documents/${theirs.id}`, read)
  t.equal(read.statusCode, 404)
  const act = await limited.json('POST', `/admin/api/documents/${theirs.id}/actions`, { action: 'retry' }, token)
  contract.check(t, 'takeAdminDocumentAction', 'POST', `/admin/api/documents/${theirs.id}/actions`, act)
  t.equal(act.statusCode, 404)
  t.equal((await limited.request('POST', `/admin/documents/${theirs.id}/retry`, { _csrf: token })).statusCode, 404)
  t.match(await readDocument(stack.pool, theirs.id), { status: 'failed' }, 'untouched')
  t.equal((await limited.json('POST', `/admin/api/documents/${ours.id}/actions`, { action: 'retry' }, token)).statusCode, 200, 'its own tenant\'s is fine')
})

t.test('pause and resume, by form and by JSON, with audit entries; a limited account pauses only its tenants', async (t) => {
  const token = await operator.csrfToken()
  const paused = await operator.submit('/admin', '/admin/pauses', { tenant: 'tenant-a', reason: 'disk full' })
  t.equal(paused.statusCode, 303)
  t.equal(paused.headers.location, '/admin?done=pause')
  const list = await viewer.json('GET', '/admin/api/pauses')
  contract.check(t, 'listAdminPauses', 'GET', '/admin/api/pauses', list)
  t.match(list.json(), { pauses: [{ tenant: 'tenant-a', pausedBy: 'otto', reason: 'disk full' }] })
  const overview = await viewer.get('/admin?done=pause')
  t.match(overview.body, /Paused tenants/)
  t.notMatch(overview.body, /action="\/admin\/pauses/, 'a viewer gets no pause or resume form')
  t.match((await operator.get('/admin')).body, /action="\/admin\/pauses\/resume"/, 'an operator gets the resume form')
  t.match(await auditOf('queue.pause'), [{ accountName: 'otto', targetFilter: { tenant: 'tenant-a' }, reason: 'disk full' }])

  const global = await operator.json('POST', '/admin/api/pauses', { reason: 'maintenance' }, token)
  contract.check(t, 'pauseAdminQueue', 'POST', '/admin/api/pauses', global)
  t.match(global.json(), { created: true, pause: { tenant: null, reason: 'maintenance' } })
  const twice = await operator.json('POST', '/admin/api/pauses', {}, token)
  t.match(twice.json(), { created: false, pause: { reason: 'maintenance' } })
  t.match((await operator.get('/admin')).body, /Paused for every tenant/)

  const limitedToken = await limited.csrfToken()
  const everyTenant = await limited.json('POST', '/admin/api/pauses', {}, limitedToken)
  t.match(everyTenant, { statusCode: 403 })
  t.equal((await limited.json('POST', '/admin/api/pauses', { tenant: 'tenant-b' }, limitedToken)).statusCode, 403)
  t.equal((await limited.json('DELETE', '/admin/api/pauses', undefined, limitedToken)).statusCode, 403)
  const listedForLimited = await limited.json('GET', '/admin/api/pauses')
  t.same(listedForLimited.json().pauses.map((p: { tenant: string | null }) => p.tenant), [null, 'tenant-a'])

  const resumed = await operator.json('DELETE', '/admin/api/pauses', undefined, token)
  contract.check(t, 'resumeAdminQueue', 'DELETE', '/admin/api/pauses', resumed)
  t.match(resumed.json(), { resumed: { tenant: null }, woken: Number })
  const resumedTenant = await limited.submit('/admin', '/admin/pauses/resume', { tenant: 'tenant-a' })
  t.equal(resumedTenant.headers.location, '/admin?done=resume')
  t.same(await stack.queue.getPauses(null), [])
  t.equal((await auditOf('queue.resume')).length, 2)
  const none = await operator.json('DELETE', '/admin/api/pauses?tenant=tenant-a', undefined, token)
  t.match(none.json(), { resumed: null, woken: 0 })
})
