import t from 'tap'
import type { Test } from 'tap'
import { AdminAccounts } from '../../src/admin/admin-accounts.js'
import { applyRetention } from '../../src/admin/retention/apply-retention.js'
import { TestContext, waitFor } from '../helpers/context.js'
import { AdminApiClient, completedDocuments, failedDocument, runAll } from '../helpers/bulk-fixtures.js'
import { claim, newTenant, resultOf } from '../helpers/queue-fixtures.js'
import { recount } from '../helpers/recount.js'

const context = TestContext.create(t)
const stack = await context.stack()
const app = await context.app(stack)
const accounts = new AdminAccounts(stack.pool)
const admin = await AdminApiClient.signIn(app, accounts, 'keeper', 'admin')
const viewer = await AdminApiClient.signIn(app, accounts, 'onlooker', 'viewer')
const retention = { pool: stack.pool, queue: stack.queue, logger: stack.logger, runner: 'retention-test' }
const FOREVER = { completed: null, failed: null, history: null }

/** Moves a document's current item (or one item) back in time, as if it had finished `days` ago. */
async function finishedDaysAgo (itemId: string, days: number): Promise<void> {
  await stack.pool.query('update queue_items set finished_at = now() - make_interval(days => $2) where id = $1', [itemId, days])
}

async function exists (table: 'documents' | 'queue_items', id: string): Promise<boolean> {
  return (await stack.pool.query(`select 1 from ${table} where id = $1`, [id])).rowCount === 1
}

async function countsMatch (t: Test, tenant: string): Promise<void> {
  const { oldestPendingAgeSeconds: _p, oldestInProgressAgeSeconds: _i, ...counts } = await stack.queue.getQueueStats(tenant)
  t.same(counts, await recount(stack.pool, tenant), 'the counts match a recount')
}

async function setPolicy (policy: Record<string, number | null>): Promise<void> {
  const answer = await admin.call('PUT', '/admin/api/retention', policy)
  if (answer.statusCode !== 200) throw new Error(`PUT /admin/api/retention answered ${answer.statusCode}: ${answer.body}`)
}

t.afterEach(async () => { await setPolicy(FOREVER) })

t.test('the policy deletes only documents of its statuses that finished longer ago, and audits each batch', async (t) => {
  const tenant = newTenant()
  const [oldCompleted, newCompleted] = await completedDocuments(stack, tenant, 2)
  const oldFailed = await failedDocument(stack, tenant)
  // Uploaded long ago but finished yesterday: "older than" counts from the finish.
  const [lateFinisher] = await completedDocuments(stack, tenant, 1)
  await finishedDaysAgo(oldCompleted.itemId, 40)
  await finishedDaysAgo(oldFailed.itemId, 40)
  await stack.pool.query("update documents set created_at = now() - interval '90 days' where id = $1", [lateFinisher.id])
  await finishedDaysAgo(lateFinisher.itemId, 1)

  await setPolicy({ completed: 30, failed: null, history: null })
  t.match(await applyRetention(retention, { batchSize: 10, maxBatches: 10 }), { completed: 1, failed: 0, history: 0 })
  t.notOk(await exists('documents', oldCompleted.id), 'the old completed document is gone')
  t.ok(await exists('documents', newCompleted.id), 'a recent one stays')
  t.ok(await exists('documents', oldFailed.id), 'failed documents are kept forever by this policy')
  t.ok(await exists('documents', lateFinisher.id), 'an old upload that finished recently stays')
  await countsMatch(t, tenant)
  const { rows } = await stack.pool.query("select action, affected::int, account_id, account_name from admin_audit where action like 'retention.%.deleted' order by id")
  t.same(rows, [{ action: 'retention.completed.deleted', affected: 1, account_id: null, account_name: 'retention-policy' }])

  await setPolicy({ completed: null, failed: 30, history: null })
  t.match(await applyRetention(retention, { batchSize: 10, maxBatches: 10 }), { completed: 0, failed: 1 })
  t.notOk(await exists('documents', oldFailed.id))
  await countsMatch(t, tenant)
})

t.test('a pass is bounded: a backlog goes over several passes, in batches', async (t) => {
  const tenant = newTenant()
  const documents = await completedDocuments(stack, tenant, 5)
  for (const document of documents) await finishedDaysAgo(document.itemId, 10)
  await setPolicy({ completed: 5, failed: null, history: null })
  t.equal((await applyRetention(retention, { batchSize: 2, maxBatches: 1 })).completed, 2)
  t.equal((await applyRetention(retention, { batchSize: 2, maxBatches: 2 })).completed, 3)
  t.equal((await stack.pool.query('select 1 from documents where tenant = $1', [tenant])).rowCount, 0)
  await countsMatch(t, tenant)
})

t.test('clearing queue history deletes finished items no longer current, with their attempts, and keeps current ones', async (t) => {
  const tenant = newTenant()
  const [reprocessed, untouched] = await completedDocuments(stack, tenant, 2)
  const [queued] = await stack.queue.reprocessMany([reprocessed.id], null).then(async () => await stack.pool.query<{ id: string }>('select current_item_id as id from documents where id = $1', [reprocessed.id])).then((r) => r.rows.map((row) => row.id))
  t.ok(await stack.queue.markCompleted(await claim(stack, queued), resultOf('again')))
  await finishedDaysAgo(reprocessed.itemId, 40)
  await finishedDaysAgo(queued, 40)
  await finishedDaysAgo(untouched.itemId, 40)

  await setPolicy({ completed: null, failed: null, history: 30 })
  t.match(await applyRetention(retention, { batchSize: 10, maxBatches: 10 }), { history: 1 })
  t.notOk(await exists('queue_items', reprocessed.itemId), 'the replaced item is gone')
  t.equal((await stack.pool.query('select 1 from queue_item_attempts where item_id = $1', [reprocessed.itemId])).rowCount, 0, 'with its attempts')
  t.ok(await exists('queue_items', queued), 'the current item stays, however old')
  t.ok(await exists('queue_items', untouched.itemId))
  t.ok(await exists('documents', reprocessed.id))
  await countsMatch(t, tenant)
})

t.test('clearing now: the retention page, the dry-run count, then a bulk clear in batches', async (t) => {
  const tenant = newTenant()
  const limited = await AdminApiClient.signIn(app, accounts, 'tenant-keeper', 'admin', [tenant])
  const old = await Promise.all(Array.from({ length: 3 }, async () => await failedDocument(stack, tenant)))
  for (const document of old) await finishedDaysAgo(document.itemId, 50)
  const recent = await failedDocument(stack, tenant)
  const elsewhere = await failedDocument(stack, newTenant())
  await finishedDaysAgo(elsewhere.itemId, 50)

  const page = await limited.get('/admin/retention')
  t.equal(page.statusCode, 200)
  t.match(page.body, '<form method="get" action="/admin/bulk/new"')
  t.notMatch(page.body, 'action="/admin/retention"', 'a tenant-limited admin cannot set the policy for everyone')
  const confirm = await limited.get('/admin/bulk/new?action=clear&what=documents&status=failed&days=30')
  t.equal(confirm.statusCode, 200)
  t.match(confirm.body, 'This will delete 3 documents.')
  const posted = await limited.submit('/admin/bulk/new?action=clear&what=documents&status=failed&days=30', '/admin/bulk',
    { action: 'clear', what: 'documents', status: 'failed', days: '30', reason: 'tidy up' })
  t.equal(posted.statusCode, 303)
  await runAll(stack)
  for (const document of old) t.notOk(await exists('documents', document.id))
  t.ok(await exists('documents', recent.id))
  t.ok(await exists('documents', elsewhere.id), 'another tenant\'s old document stays')
  await countsMatch(t, tenant)
  const { rows } = await stack.pool.query("select action, affected::int from admin_audit where action like 'bulk.clear.%' order by id")
  t.same(rows, [{ action: 'bulk.clear.created', affected: 3 }, { action: 'bulk.clear.finished', affected: 3 }])
})

t.test('the policy: JSON and form, admin over every tenant only, audited, CSRF checked', async (t) => {
  t.same((await viewer.call('GET', '/admin/api/retention')).json().policy, FOREVER)
  const refused = await viewer.call('PUT', '/admin/api/retention', { completed: 3, failed: null, history: null })
  t.equal(refused.statusCode, 403)
  const limited = await AdminApiClient.signIn(app, accounts, 'half-keeper', 'admin', ['some-tenant'])
  t.equal((await limited.call('PUT', '/admin/api/retention', { completed: 3, failed: null, history: null })).statusCode, 403)
  t.equal((await admin.call('PUT', '/admin/api/retention', { completed: 0, failed: null, history: null })).statusCode, 400)
  t.equal((await admin.call('PUT', '/admin/api/retention', { completed: 3 })).statusCode, 400)
  t.same((await viewer.call('GET', '/admin/api/retention')).json().policy, FOREVER, 'refusals changed nothing')

  const noToken = await admin.request('POST', '/admin/retention', { completed: '7', failed: '', history: '' })
  t.equal(noToken.statusCode, 403)
  const saved = await admin.submit('/admin/retention', '/admin/retention', { completed: '7', failed: '', history: '90' })
  t.equal(saved.statusCode, 303)
  t.equal(saved.headers.location, '/admin/retention?saved=1')
  t.match((await viewer.call('GET', '/admin/api/retention')).json(), { policy: { completed: 7, failed: null, history: 90 }, updatedBy: 'keeper' })
  const shown = await viewer.get('/admin/retention')
  t.match(shown.body, '7 days')
  t.notMatch(shown.body, '<form method="get" action="/admin/bulk/new"', 'a viewer sees no clearing forms')
  const { rows } = await stack.pool.query("select target_filter from admin_audit where action = 'retention.policy.updated' order by id desc limit 1")
  t.same(rows[0].target_filter, { completed: 7, failed: null, history: 90 })
})

t.test('the workers\' leader runs bulk actions and applies the policy by itself', async (t) => {
  const tenant = newTenant()
  const [old] = await completedDocuments(stack, tenant, 1)
  await finishedDaysAgo(old.itemId, 20)
  const failed = await failedDocument(stack, tenant)
  const created = (await admin.call('POST', '/admin/api/bulk-actions', { action: 'delete', documentIds: [failed.id] })).json()
  await setPolicy({ completed: 10, failed: null, history: null })
  context.worker(stack)
  await waitFor(async () => await exists('documents', old.id) ? undefined : true, 'the policy applied by the leader')
  await waitFor(async () => {
    const { rows } = await stack.pool.query('select status from admin_bulk_actions where id = $1', [created.id])
    return rows[0].status === 'completed' ? true : undefined
  }, 'the bulk action run by the leader')
  t.notOk(await exists('documents', failed.id))
  await countsMatch(t, tenant)
})
