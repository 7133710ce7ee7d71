import t from 'tap'
import { AdminAccounts } from '../../src/admin/admin-accounts.js'
import { claimBulkAction } from '../../src/admin/bulk/bulk-store.js'
import { runBulkActions } from '../../src/admin/bulk/bulk-runner.js'
import { TestContext, waitFor } from '../helpers/context.js'
import { AdminApiClient, bulkRunner, completedDocuments, failedDocument, runAll } from '../helpers/bulk-fixtures.js'
import { newTenant, readDocument } from '../helpers/queue-fixtures.js'

const context = TestContext.create(t)
const stack = await context.stack()
const app = await context.app(stack)
const accounts = new AdminAccounts(stack.pool)
const admin = await AdminApiClient.signIn(app, accounts, 'bulk-admin', 'admin')
const operator = await AdminApiClient.signIn(app, accounts, 'bulk-operator', 'operator')
const viewer = await AdminApiClient.signIn(app, accounts, 'bulk-viewer', 'viewer')

async function bulkRow (id: string): Promise<{ status: string, total: number, done: number, affected: number }> {
  const { rows } = await stack.pool.query('select status, total::int, done::int, affected::int from admin_bulk_actions where id = $1', [id])
  return rows[0]
}

async function auditOf (id: string): Promise<Array<{ action: string, affected: number, reason: string | null, accountName: string }>> {
  const { rows } = await stack.pool.query(`
    select action, affected::int, reason, account_name as "accountName" from admin_audit
     where target_filter->>'bulkActionId' = $1 order by id`, [id])
  return rows
}

/** How many items each document has: a reprocess adds one. */
async function itemCounts (documentIds: string[]): Promise<number[]> {
  const { rows } = await stack.pool.query<{ n: number }>(`
    select count(q.id)::int as n from unnest($1::uuid[]) with ordinality as x(id, i) left join queue_items q on q.document_id = x.id
     group by x.i order by x.i`, [documentIds])
  return rows.map((row) => row.n)
}

t.test('the dry run counts what the action then changes, batch after batch, with audit entries', async (t) => {
  const tenant = newTenant()
  const failed = await Promise.all(Array.from({ length: 5 }, async () => await failedDocument(stack, tenant)))
  await completedDocuments(stack, tenant, 2)
  const dry = await operator.call('POST', '/admin/api/bulk-actions', { action: 'retry', filter: { tenant }, dryRun: true })
  t.equal(dry.statusCode, 200)
  t.same(dry.json(), { dryRun: true, action: 'retry', total: 5 })
  t.equal((await stack.pool.query('select 1 from admin_bulk_actions')).rowCount, 0, 'a dry run stores nothing')

  const created = await operator.call('POST', '/admin/api/bulk-actions', { action: 'retry', filter: { tenant }, reason: 'bad deploy fixed' })
  t.equal(created.statusCode, 201)
  const body = created.json()
  t.match(body, { action: 'retry', status: 'queued', total: 5, done: 0, affected: 0, account: 'bulk-operator', reason: 'bad deploy fixed', target: { kind: 'filter', filter: { tenant } } })
  t.equal(created.headers.location, `/admin/api/bulk-actions/${body.id}`)

  t.equal(await runAll(stack), 3, 'five documents in batches of two')
  t.match(await bulkRow(body.id), { status: 'completed', total: 5, done: 5, affected: 5 })
  for (const document of failed) t.equal((await readDocument(stack.pool, document.id)).status, 'pending')
  t.match(await auditOf(body.id), [
    { action: 'bulk.retry.created', affected: 5, reason: 'bad deploy fixed', accountName: 'bulk-operator' },
    { action: 'bulk.retry.finished', affected: 5, reason: 'bad deploy fixed', accountName: 'bulk-operator' }
  ])
  const read = await viewer.call('GET', `/admin/api/bulk-actions/${body.id}`)
  t.equal(read.statusCode, 200)
  t.match(read.json(), { status: 'completed', done: 5, affected: 5 })
})

t.test('a runner stopped between batches, or gone mid-lease, is resumed where it stopped, each document touched once', async (t) => {
  const tenant = newTenant()
  const documents = await completedDocuments(stack, tenant, 5)
  const created = (await operator.call('POST', '/admin/api/bulk-actions', { action: 'reprocess', filter: { tenant } })).json()
  t.equal(await runBulkActions(bulkRunner(stack, 'first'), { maxBatches: 1 }), 1)
  t.match(await bulkRow(created.id), { status: 'running', done: 2, affected: 2 })
  const progress = (await viewer.call('GET', `/admin/api/bulk-actions/${created.id}`)).json()
  t.match(progress, { status: 'running', total: 5, done: 2 })

  // A runner that dies holding the action: its lease is made to lapse, as time would.
  t.ok(await claimBulkAction(stack.pool, 'dies', 60_000), 'the dying runner holds it')
  t.equal(await runBulkActions(bulkRunner(stack, 'second'), { maxBatches: 10 }), 0, 'nobody else runs it while the lease holds')
  await stack.pool.query("update admin_bulk_actions set lease_until = now() - interval '1 second' where id = $1", [created.id])
  t.equal(await runBulkActions(bulkRunner(stack, 'second'), { maxBatches: 10 }), 2)
  t.match(await bulkRow(created.id), { status: 'completed', total: 5, done: 5, affected: 5 })
  t.same(await itemCounts(documents.map((document) => document.id)), [2, 2, 2, 2, 2], 'each document reprocessed once')
})

t.test('two runners never run the same action at once, and together touch each document once', async (t) => {
  const tenant = newTenant()
  const documents = await completedDocuments(stack, tenant, 6)
  const created = (await operator.call('POST', '/admin/api/bulk-actions', { action: 'reprocess', filter: { tenant } })).json()
  const claims = await Promise.all([claimBulkAction(stack.pool, 'a', 60_000), claimBulkAction(stack.pool, 'b', 60_000)])
  t.equal(claims.filter((claimed) => claimed !== undefined).length, 1, 'one claim wins')
  await stack.pool.query('update admin_bulk_actions set runner = null, lease_until = null where id = $1', [created.id])
  const ran = await Promise.all([runBulkActions(bulkRunner(stack, 'a', 1), { maxBatches: 100 }), runBulkActions(bulkRunner(stack, 'b', 1), { maxBatches: 100 })])
  t.equal(ran[0] + ran[1], 6, 'six batches of one between them')
  t.match(await bulkRow(created.id), { status: 'completed', done: 6, affected: 6 })
  t.same(await itemCounts(documents.map((document) => document.id)), [2, 2, 2, 2, 2, 2])
})

t.test('a cancelled action runs no further batch; cancelling it again is a 409', async (t) => {
  const tenant = newTenant()
  const documents = await completedDocuments(stack, tenant, 6)
  const created = (await operator.call('POST', '/admin/api/bulk-actions', { action: 'reprocess', filter: { tenant } })).json()
  await runBulkActions(bulkRunner(stack, 'r'), { maxBatches: 1 })
  t.equal((await viewer.call('POST', `/admin/api/bulk-actions/${created.id}/cancel`)).statusCode, 403, 'a viewer may not cancel')
  const cancelled = await operator.call('POST', `/admin/api/bulk-actions/${created.id}/cancel`)
  t.equal(cancelled.statusCode, 200)
  t.match(cancelled.json(), { status: 'cancelled', done: 2 })
  t.equal(await runAll(stack), 0)
  t.match(await bulkRow(created.id), { status: 'cancelled', done: 2, affected: 2 })
  t.same((await itemCounts(documents.map((document) => document.id))).sort(), [1, 1, 1, 1, 2, 2])
  const again = await operator.call('POST', `/admin/api/bulk-actions/${created.id}/cancel`)
  t.equal(again.statusCode, 409)
  t.equal(again.json().code, 'DOCQ_BULK_ENDED')
  t.match((await auditOf(created.id)).map((entry) => entry.action), ['bulk.reprocess.created', 'bulk.reprocess.cancelled'])
})

t.test('a batch that finds its action cancelled when it records itself is rolled back whole', async (t) => {
  const tenant = newTenant()
  const documents = await completedDocuments(stack, tenant, 2)
  const created = (await operator.call('POST', '/admin/api/bulk-actions', { action: 'reprocess', filter: { tenant } })).json()
  // Hold the documents, so the runner's batch waits inside its transaction; cancel meanwhile.
  const holder = await stack.pool.connect()
  t.teardown(() => { holder.release() })
  await holder.query('begin')
  await holder.query('select 1 from documents where tenant = $1 for update', [tenant])
  const running = runBulkActions(bulkRunner(stack, 'raced'), { maxBatches: 1 })
  await waitFor(async () => (await stack.pool.query(`
    select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`)).rowCount === 1
    ? true
    : undefined,
  'the runner\'s batch waiting for the documents')
  t.equal((await operator.call('POST', `/admin/api/bulk-actions/${created.id}/cancel`)).statusCode, 200)
  await holder.query('commit')
  t.equal(await running, 0, 'the batch did not count')
  t.match(await bulkRow(created.id), { status: 'cancelled', done: 0, affected: 0 })
  t.same(await itemCounts(documents.map((document) => document.id)), [1, 1], 'no document was reprocessed')
})

t.test('a tenant-limited account counts, touches and sees only its tenants', async (t) => {
  const [mine, theirs] = [newTenant(), newTenant()]
  const limited = await AdminApiClient.signIn(app, accounts, 'bulk-limited', 'operator', [mine])
  const own = await failedDocument(stack, mine)
  const other = await failedDocument(stack, theirs)
  const created = await limited.call('POST', '/admin/api/bulk-actions', { action: 'retry', documentIds: [own.id, other.id] })
  t.equal(created.statusCode, 201)
  t.equal(created.json().total, 1, 'the other tenant\'s document is not counted')
  const named = await limited.call('POST', '/admin/api/bulk-actions', { action: 'retry', filter: { tenant: theirs }, dryRun: true })
  t.equal(named.json().total, 0, 'naming another tenant in the filter finds nothing')
  await runAll(stack)
  t.match(await bulkRow(created.json().id), { status: 'completed', done: 1, affected: 1 })
  t.equal((await readDocument(stack.pool, own.id)).status, 'pending')
  t.equal((await readDocument(stack.pool, other.id)).status, 'failed', 'the other tenant\'s document is untouched')

  const everyone = (await operator.call('POST', '/admin/api/bulk-actions', { action: 'retry', filter: { tenant: theirs } })).json()
  t.equal((await limited.call('GET', `/admin/api/bulk-actions/${everyone.id}`)).statusCode, 404, 'an all-tenant action is not shown')
  const list = (await limited.call('GET', '/admin/api/bulk-actions')).json()
  t.same(list.bulkActions.map((action: { id: string }) => action.id), [created.json().id])
  await runAll(stack)
})

t.test('roles: a viewer may not start a bulk action, an operator may not delete or clear', async (t) => {
  const tenant = newTenant()
  const document = await failedDocument(stack, tenant)
  for (const [client, body] of [[viewer, { action: 'retry', filter: { tenant } }], [operator, { action: 'delete', documentIds: [document.id] }],
    [operator, { action: 'clear', clear: { what: 'history', olderThanDays: 1 } }]] as const) {
    const answer = await client.call('POST', '/admin/api/bulk-actions', body)
    t.equal(answer.statusCode, 403)
    t.equal(answer.json().code, 'DOCQ_ADMIN_FORBIDDEN')
  }
  t.equal((await viewer.get(`/admin/bulk/new?action=retry&tenant=${tenant}`)).statusCode, 403)
  t.equal((await stack.pool.query('select 1 from admin_bulk_actions b where target_filter->>\'tenant\' = $1', [tenant])).rowCount, 0)
  const deleted = await admin.call('POST', '/admin/api/bulk-actions', { action: 'delete', documentIds: [document.id] })
  t.equal(deleted.statusCode, 201)
  await runAll(stack)
  t.equal((await stack.pool.query('select 1 from documents where id = $1', [document.id])).rowCount, 0, 'an admin deletes')
})

t.test('a POST without the CSRF token is refused and stores nothing', async (t) => {
  const tenant = newTenant()
  const answer = await operator.call('POST', '/admin/api/bulk-actions', { action: 'retry', filter: { tenant } }, false)
  t.equal(answer.statusCode, 403)
  t.equal(answer.json().code, 'DOCQ_ADMIN_CSRF_INVALID')
  const form = await operator.request('POST', '/admin/bulk', { action: 'retry', tenant })
  t.equal(form.statusCode, 403)
  t.equal((await stack.pool.query('select 1 from admin_bulk_actions b where target_filter->>\'tenant\' = $1', [tenant])).rowCount, 0)
})

t.test('bad targets answer 400 with a code and store nothing', async (t) => {
  const before = (await stack.pool.query('select count(*)::int as n from admin_bulk_actions')).rows[0].n
  const cases = [
    { action: 'retry', filter: { status: 'failed' }, documentIds: ['00000000-0000-4000-8000-000000000001'] },
    { action: 'clear', clear: { what: 'documents', olderThanDays: 3 } },
    { action: 'clear' },
    { action: 'retry', filter: { status: 'sleeping' } },
    { action: 'retry', clear: { what: 'history', olderThanDays: 3 } }
  ]
  for (const body of cases) {
    const answer = await admin.call('POST', '/admin/api/bulk-actions', body)
    t.equal(answer.statusCode, 400, JSON.stringify(body))
    t.equal(answer.json().code, 'DOCQ_BULK_TARGET_INVALID', JSON.stringify(body))
  }
  for (const body of [{ action: 'explode' }, { action: 'clear', clear: { what: 'documents', status: 'pending', olderThanDays: 3 } }]) {
    const answer = await admin.call('POST', '/admin/api/bulk-actions', body)
    t.equal(answer.statusCode, 400)
    t.equal(answer.json().code, 'DOCQ_REQUEST_INVALID', 'refused by the schema')
  }
  const pagePending = await admin.get('/admin/bulk/new?action=clear&what=documents&status=pending&days=3')
  t.equal(pagePending.statusCode, 400)
  t.equal(pagePending.json().code, 'DOCQ_BULK_TARGET_INVALID')
  const page = await admin.get('/admin/bulk/new?action=retry&id=not-a-uuid')
  t.equal(page.statusCode, 400)
  const noneTicked = await admin.get('/admin/bulk/new?action=retry&target=selected')
  t.equal(noneTicked.statusCode, 400, 'the selection form with no row ticked is not "everything"')
  t.equal(noneTicked.json().code, 'DOCQ_BULK_TARGET_INVALID')
  t.equal((await admin.call('GET', '/admin/api/bulk-actions/00000000-0000-4000-8000-000000000009')).statusCode, 404)
  t.equal((await stack.pool.query('select count(*)::int as n from admin_bulk_actions')).rows[0].n, before)
})

t.test('pages: confirmation with the dry run, 303 to progress, live fragment, list, cancel', async (t) => {
  const tenant = newTenant()
  await Promise.all(Array.from({ length: 3 }, async () => await failedDocument(stack, tenant)))
  const confirm = await operator.get(`/admin/bulk/new?action=retry&tenant=${tenant}&status=`)
  t.equal(confirm.statusCode, 200)
  t.match(confirm.body, 'This will retry 3 documents.')
  t.match(confirm.body, `<input type="hidden" name="tenant" value="${tenant}">`)
  t.match(confirm.body, '<a href="/admin/documents?tenant=')
  const posted = await operator.submit(`/admin/bulk/new?action=retry&tenant=${tenant}`, '/admin/bulk', { action: 'retry', tenant, reason: '<b>why</b>' })
  t.equal(posted.statusCode, 303)
  const location = String(posted.headers.location)
  t.match(location, /^\/admin\/bulk\/[0-9a-f-]{36}$/)
  const id = location.split('/').at(-1) as string

  const progress = await operator.get(location)
  t.equal(progress.statusCode, 200)
  t.match(progress.body, `data-live="/admin/fragments/bulk/${id}"`)
  t.match(progress.body, /<progress [^>]*max="3" value="0"/)
  t.match(progress.body, '&lt;b&gt;why&lt;/b&gt;')
  t.match(progress.body, `action="/admin/bulk/${id}/cancel"`)
  t.notMatch((await viewer.get(location)).body, '/cancel"', 'a viewer sees no cancel button')

  await runAll(stack)
  const fragment = await operator.get(`/admin/fragments/bulk/${id}`)
  t.equal(fragment.statusCode, 200)
  t.notMatch(fragment.body, '<html', 'a fragment, not a page')
  t.match(fragment.body, /<progress [^>]*max="3" value="3"/)
  t.notMatch(fragment.body, 'data-live', 'a finished action stops asking for refreshes')
  const list = await viewer.get('/admin/bulk')
  t.equal(list.statusCode, 200)
  t.match(list.body, `href="/admin/bulk/${id}"`)
  for (const page of [confirm, progress, fragment, list, await admin.get('/admin/retention')]) {
    t.equal(page.statusCode, 200)
    t.notMatch(page.body, /<script(?![^>]*\ssrc=)|<style|\sstyle=|\son[a-z]+=/i, 'no inline script, style or handler')
  }

  await Promise.all(Array.from({ length: 3 }, async () => await failedDocument(stack, tenant)))
  const second = await operator.submit(`/admin/bulk/new?action=retry&tenant=${tenant}`, '/admin/bulk', { action: 'retry', tenant })
  const secondPage = String(second.headers.location)
  const cancel = await operator.submit(secondPage, `${secondPage}/cancel`, {})
  t.equal(cancel.statusCode, 303)
  t.match((await operator.get(secondPage)).body, 'cancelled')
})
