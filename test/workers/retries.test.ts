import t, { type Test } from 'tap'
import { wakeUpJobId } from '../../src/queue/wake-ups.js'
import type { TestStack } from '../helpers/context.js'
import { runQueueItem } from '../../src/worker/run-queue-item.js'
import { isolatedService, waitFor, type TestService } from '../helpers/context.js'
import { upload } from '../helpers/http.js'

// Each test has a docqueue of its own: the reconciler, the sweeper and the stats count every item.
async function service (t: Test): Promise<TestService> {
  return await isolatedService(t, 'retries', {
    RETRY_BASE_MS: '300',
    RETRY_MAX_MS: '1000',
    MAX_ATTEMPTS: '3',
    LEASE_MS: '1000'
  }, { faults: true })
}

async function document ({ app, auth }: TestService, id: string): Promise<any> {
  return (await app.inject({ method: 'GET', url: `/documents/${id}`, headers: auth })).json()
}

async function currentItemId ({ stack }: TestService, documentId: string): Promise<string> {
  const { rows } = await stack.pool.query('select current_item_id as id from documents where id = $1', [documentId])
  return rows[0].id
}

async function finished (service: TestService, id: string): Promise<any> {
  return await waitFor(async () => {
    const doc = await document(service, id)
    return doc.status === 'completed' || doc.status === 'failed' ? doc : undefined
  }, `document ${id} to finish`)
}

/** Runs `count` attempts of the item, each as soon as it is due; their outcomes. */
async function runAttempts ({ stack }: TestService, itemId: string, count: number): Promise<string[]> {
  const outcomes: string[] = []
  for (let attempt = 1; attempt <= count; attempt++) {
    outcomes.push(await waitFor(async () => {
      const outcome = await runQueueItem(stack.runner, { id: itemId })
      return outcome !== 'skipped' ? outcome : undefined
    }, `attempt ${attempt}`))
  }
  return outcomes
}

/** A worker claims the item and dies without a word; what the reconciler's next pass repairs. */
async function crashOnce ({ stack }: TestService, itemId: string): Promise<{ claimed: boolean, repaired: Awaited<ReturnType<TestStack['queue']['reconcile']>> }> {
  const claimed = await stack.queue.markInProgress({ id: itemId }) !== undefined
  await stack.pool.query("update queue_items set locked_until = now() - interval '1 second' where id = $1", [itemId])
  return { claimed, repaired: await stack.queue.reconcile(100) }
}

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex')

t.test('a transient failure is scheduled again in Postgres with backoff and a delayed wake-up', async (t) => {
  const s = await service(t)
  const { stack, app, key } = s
  const doc = (await upload(app, key, 'flaky words here', { filename: 'report.flaky1.txt' })).json()
  const itemId = await currentItemId(s, doc.id)
  const before = Date.now()
  t.equal(await runQueueItem(stack.runner, { id: itemId }), 'retrying')

  const pending = await document(s, doc.id)
  t.match(pending, { status: 'pending', attempts: 1, maxAttempts: 3, errorKind: 'transient', errorCode: 'internal', lastError: /injected transient failure/ })
  const nextRetry = Date.parse(pending.nextRetryAt)
  t.ok(nextRetry >= before && nextRetry <= Date.now() + 300, 'next attempt due within the first backoff ceiling (300 ms)')
  t.match(pending.history, [{ attempt: 1, outcome: 'retrying', error: /injected/ }])
  const state = await stack.wakeUps.getJobState(wakeUpJobId(itemId, 1))
  t.ok(['delayed', 'prioritized', 'waiting'].includes(state), `a new wake-up is queued (${state})`)

  await waitFor(async () => Date.now() >= nextRetry ? true : undefined, 'the retry to be due')
  t.equal(await runQueueItem(stack.runner, { id: itemId }), 'completed')
  const done = await document(s, doc.id)
  t.match(done, { status: 'completed', attempts: 2, errorKind: null, lastError: null, nextRetryAt: null, version: 1 })
  t.same(done.history.map((h: { outcome: string }) => h.outcome), ['retrying', 'completed'])
})

t.test('a worker retries a flaky document until it completes, recording every attempt', async (t) => {
  const s = await service(t)
  s.context.worker(s.stack)
  const doc = (await upload(s.app, s.key, 'flaky twice then fine', { filename: 'notes.flaky2.txt' })).json()
  const done = await finished(s, doc.id)
  t.match(done, { status: 'completed', attempts: 3, version: 1 })
  t.same(done.history.map((h: { outcome: string }) => h.outcome), ['retrying', 'retrying', 'completed'])
  for (let k = 1; k < done.history.length; k++) {
    const gap = Date.parse(done.history[k].startedAt) - Date.parse(done.history[k - 1].finishedAt)
    t.ok(gap >= 0 && gap <= Math.min(1000, 300 * 2 ** (k - 1)) + 1500, `retry ${k} started ${gap} ms after the failure`)
  }
})

t.test('after the last attempt a transient failure is final, as exhausted', async (t) => {
  const s = await service(t)
  const doc = (await upload(s.app, s.key, 'never works', { filename: 'broken.flaky9.txt' })).json()
  t.same(await runAttempts(s, await currentItemId(s, doc.id), 3), ['retrying', 'retrying', 'failed'])
  const failed = await document(s, doc.id)
  t.match(failed, { status: 'failed', attempts: 3, errorKind: 'exhausted', lastError: /gave up after 3 attempts/, nextRetryAt: null })
  t.same(failed.history.map((h: { outcome: string }) => h.outcome), ['retrying', 'retrying', 'failed'])
})

t.test('a permanent failure is not retried', async (t) => {
  const s = await service(t)
  const doc = (await upload(s.app, s.key, PNG, { filename: 'image.txt' })).json()
  t.equal(await runQueueItem(s.stack.runner, { id: await currentItemId(s, doc.id) }), 'failed')
  t.match(await document(s, doc.id), { status: 'failed', attempts: 1, errorKind: 'permanent', errorCode: 'unsupported_type' })
})

t.test('a retry whose delayed wake-up Redis lost still runs on time, from Postgres', async (t) => {
  const s = await service(t)
  const { stack } = s
  const doc = (await upload(s.app, s.key, 'lost retry', { filename: 'lost.flaky1.txt' })).json()
  const itemId = await currentItemId(s, doc.id)
  t.equal(await runQueueItem(stack.runner, { id: itemId }), 'retrying')
  await stack.wakeUps.obliterate({ force: true })
  const { nextRetryAt } = await document(s, doc.id)
  // The reconciler leaves an item alone for a second after it became due: its wake-up may be on its way.
  await waitFor(async () => Date.now() >= Date.parse(nextRetryAt) + 1_100 ? true : undefined, 'the retry to be due for a second')
  const repaired = await stack.queue.reconcile(100)
  t.equal(repaired.redispatched, 1, 'the reconciler sends a new wake-up')
  t.ok(await stack.wakeUps.getJob(wakeUpJobId(itemId, 2)), 'named after the new wake-up count')
  t.same(await stack.sweep(10), { processed: 0, completed: 0, failed: 0, retrying: 0, crashed: 0, takenOver: 0, due: 0, waitingOnWakeups: 1, heldByLiveWorkers: 0 }, 'the sweeper leaves it to that wake-up')
  await stack.wakeUps.obliterate({ force: true })
  t.same(await stack.sweep(10), { processed: 1, completed: 1, failed: 0, retrying: 0, crashed: 0, takenOver: 0, due: 1, waitingOnWakeups: 0, heldByLiveWorkers: 0 }, 'and takes it once that is lost too')
})

t.test('a crashed attempt is recorded, the item taken again, and a poison item fails as crashed', async (t) => {
  const s = await service(t)
  const doc = (await upload(s.app, s.key, 'crash me', { filename: 'crash.txt' })).json()
  const itemId = await currentItemId(s, doc.id)
  // Three workers claim it in turn and die without a word; the repair pass takes it back from
  // the first two and fails it after the last.
  for (let attempt = 1; attempt <= 3; attempt++) {
    const { claimed, repaired } = await crashOnce(s, itemId)
    t.ok(claimed, `attempt ${attempt} claimed`)
    t.match(repaired, attempt < 3 ? { crashed: 0, takenOver: 1 } : { crashed: 1, takenOver: 0 })
  }
  const failed = await document(s, doc.id)
  t.match(failed, { status: 'failed', attempts: 3, errorKind: 'crashed', lastError: /each of 3 attempts/ })
  t.same(failed.history.map((h: { outcome: string }) => h.outcome), ['crashed', 'crashed', 'crashed'])
})

t.test('SIGTERM-style close releases unfinished items without spending an attempt', async (t) => {
  const s = await service(t)
  const { context } = s
  const worker = context.worker(s.stack)
  const doc = (await upload(s.app, s.key, 'slow document', { filename: 'slow.sleep3000.txt' })).json()
  await waitFor(async () => (await document(s, doc.id)).status === 'in_progress' ? true : undefined, 'the slow item to start')
  await worker.close(200)
  const released = await document(s, doc.id)
  t.match(released, { status: 'pending', attempts: 0 })
  t.same(released.history.map((h: { outcome: string }) => h.outcome), ['released'])

  const next = await context.stack()
  context.worker(next)
  const done = await finished(s, doc.id)
  t.match(done, { status: 'completed', attempts: 1, version: 1 })
  t.same(done.history.map((h: { outcome: string }) => h.outcome), ['released', 'completed'])
})

t.test('an Idempotency-Key returns the first document instead of a duplicate', async (t) => {
  const { stack, app, key } = await service(t)
  const headers = { 'idempotency-key': 'order-7781' }
  const first = await upload(app, key, 'idempotent content', { headers })
  const again = await upload(app, key, 'idempotent content', { headers })
  t.equal(first.statusCode, 202)
  t.equal(again.statusCode, 202)
  t.equal(again.json().id, first.json().id)
  t.equal(again.headers['idempotent-replayed'], 'true')
  t.notOk(first.headers['idempotent-replayed'])
  const { rows } = await stack.pool.query('select count(*)::int as n from documents where idempotency_key = $1', ['order-7781'])
  t.equal(rows[0].n, 1)

  const different = await upload(app, key, 'other content', { headers })
  t.equal(different.statusCode, 422)
  t.equal(different.json().code, 'DOCQ_IDEMPOTENCY_MISMATCH')

  const other = await stack.apiKeys.create('other-tenant')
  const theirs = await upload(app, other.key, 'idempotent content', { headers })
  t.not(theirs.json().id, first.json().id, 'keys are per tenant')

  const bad = await upload(app, key, 'x', { headers: { 'idempotency-key': 'spaces are not allowed' } })
  t.equal(bad.statusCode, 400)
})

t.test('queue stats count retries, failures by kind and in-progress age', async (t) => {
  const s = await service(t)
  const { stack, app, key, auth } = s
  const uploaded = async (content: string | Buffer, filename: string): Promise<string> =>
    await currentItemId(s, (await upload(app, key, content, { filename })).json().id)

  // Crashes first: the reconciler passes they take must not find the item that runs below.
  const crashed = await uploaded('crash me', 'crash.txt')
  for (let attempt = 1; attempt <= 3; attempt++) await crashOnce(s, crashed)
  t.same(await runAttempts(s, await uploaded('never works', 'broken.flaky9.txt'), 3), ['retrying', 'retrying', 'failed'])
  t.equal(await runQueueItem(stack.runner, { id: await uploaded(PNG, 'image.txt') }), 'failed')
  t.equal(await runQueueItem(stack.runner, { id: await uploaded('flaky words', 'again.flaky1.txt') }), 'retrying')
  t.ok(await stack.queue.markInProgress({ id: await uploaded('still running', 'running.txt') }), 'one item runs')

  const stats = (await app.inject({ method: 'GET', url: '/queue/stats', headers: auth })).json()
  t.match(stats, { pending: 1, inProgress: 1, completed: 0, failed: 3, retrying: 1 })
  t.same(stats.failedByKind, { exhausted: 1, permanent: 1, crashed: 1 })
  t.ok(typeof stats.oldestInProgressAgeSeconds === 'number' && stats.oldestInProgressAgeSeconds >= 0, `the running item's age (${stats.oldestInProgressAgeSeconds} s)`)
})
