import { randomUUID } from 'node:crypto'
import t, { type Test } from 'tap'
import type { DocumentRecord } from '../../src/db/documents.js'
import type { FailureInfo } from '../../src/queue/document-queue-service.js'
import { TestContext, type TestStack } from '../helpers/context.js'
import {
  claim, completedDocument, DELIVERABLE, enqueueOne, newTenant, readAttempts, readDocument, readItem, readItemIds, resultOf, wakeUpState
} from '../helpers/queue-fixtures.js'
import { recount } from '../helpers/recount.js'

// The operators' actions on documents, as the admin UI and its bulk actions call them: each
// takes document ids and a tenant limit, changes only the documents it applies to, and returns
// their ids.
const context = TestContext.create(t, { MAX_ATTEMPTS: '2' })
const stack = await context.stack()

const corrupt: FailureInfo = { message: 'not a PDF after all', permanent: true, code: 'corrupt' }

async function failedDocument (tenant: string): Promise<DocumentRecord> {
  const document = await enqueueOne(stack, { tenant })
  if (await stack.queue.markFailed(await claim(stack, document.itemId), corrupt) !== 'failed') throw new Error('not failed')
  return document
}

/** One document in each state for `tenant`: pending, in progress, completed, failed. */
async function oneOfEach (tenant: string): Promise<Record<'pending' | 'inProgress' | 'completed' | 'failed', DocumentRecord>> {
  const pending = await enqueueOne(stack, { tenant })
  const inProgress = await enqueueOne(stack, { tenant })
  await claim(stack, inProgress.itemId)
  return { pending, inProgress, completed: await completedDocument(stack, { tenant }), failed: await failedDocument(tenant) }
}

async function countsExact (t: Test, stack: TestStack, tenants: string[]): Promise<void> {
  for (const tenant of tenants) {
    const { oldestPendingAgeSeconds: _p, oldestInProgressAgeSeconds: _i, ...counts } = await stack.queue.getQueueStats(tenant)
    t.same(counts, await recount(stack.pool, tenant), `the counts of ${tenant} match a recount`)
  }
}

t.test('retryFailed puts failed documents back to pending with a fresh budget, keeps the history, and wakes them', async (t) => {
  const tenant = newTenant()
  const docs = await oneOfEach(tenant)
  const other = await failedDocument(newTenant())
  const ids = [docs.pending.id, docs.inProgress.id, docs.completed.id, docs.failed.id, other.id, randomUUID()]

  t.same(await stack.queue.retryFailed(ids, [tenant]), [docs.failed.id], 'only the failed document of the tenant')
  t.match(await readItem(stack.pool, docs.failed.itemId), {
    status: 'pending', due: true, attempts: 1, maxAttempts: 3, lastError: null, errorKind: null, errorCode: null, wakeups: 1, finished: false
  }, 'a fresh budget on top of the attempt spent, the error cleared')
  t.match(await readDocument(stack.pool, docs.failed.id), { status: 'pending', errorKind: null })
  t.match(await readAttempts(stack.pool, docs.failed.itemId), [{ attempt: 1, outcome: 'failed', error: corrupt.message }], 'the failed attempt stays')
  t.ok(DELIVERABLE.includes(await wakeUpState(stack, docs.failed.itemId, 1)), 'a new wake-up')
  t.match(await readDocument(stack.pool, other.id), { status: 'failed' }, 'another tenant\'s document is untouched')
  t.match(await readDocument(stack.pool, docs.completed.id), { status: 'completed' })

  const again = await claim(stack, docs.failed.itemId)
  t.equal(again.attempts, 2, 'the next attempt is numbered on')
  t.ok(await stack.queue.markCompleted(again, resultOf('second time lucky')))
  t.same((await readAttempts(stack.pool, docs.failed.itemId)).map((a) => a.outcome), ['failed', 'completed'])

  t.same(await stack.queue.retryFailed([other.id], null), [other.id], 'no tenant limit reaches every tenant')
  await countsExact(t, stack, [tenant, (await readDocument(stack.pool, other.id)).tenant])
})

t.test('cancelPending ends pending documents failed as cancelled and removes their wake-ups; running ones finish', async (t) => {
  const tenant = newTenant()
  const docs = await oneOfEach(tenant)
  const other = await enqueueOne(stack)
  const ids = [docs.pending.id, docs.inProgress.id, docs.completed.id, docs.failed.id, other.id]

  t.same(await stack.queue.cancelPending(ids, [tenant]), [docs.pending.id])
  t.match(await readItem(stack.pool, docs.pending.itemId), { status: 'failed', errorKind: 'cancelled', errorCode: 'cancelled', lastError: /cancelled/, finished: true })
  t.match(await readDocument(stack.pool, docs.pending.id), { status: 'failed', errorKind: 'cancelled' })
  t.equal(await wakeUpState(stack, docs.pending.itemId, 0), 'unknown', 'its wake-up is removed')
  t.equal(await stack.queue.markInProgress({ id: docs.pending.itemId }), undefined, 'nothing to claim')
  t.match(await readDocument(stack.pool, docs.inProgress.id), { status: 'in_progress' }, 'a running item is left to finish')
  t.match(await readDocument(stack.pool, other.id), { status: 'pending' }, 'another tenant\'s document is untouched')
  t.ok(DELIVERABLE.includes(await wakeUpState(stack, other.itemId, 0)))

  t.same(await stack.queue.retryFailed([docs.pending.id], [tenant]), [docs.pending.id], 'a cancelled document can be retried')
  await countsExact(t, stack, [tenant])
})

t.test('reprocessMany queues completed and failed documents again as new items, at their priority', async (t) => {
  const tenant = newTenant()
  const docs = await oneOfEach(tenant)
  const other = await completedDocument(stack)
  const ids = [docs.pending.id, docs.inProgress.id, docs.completed.id, docs.failed.id, other.id]

  t.same((await stack.queue.reprocessMany(ids, [tenant])).sort(), [docs.completed.id, docs.failed.id].sort())
  for (const document of [docs.completed, docs.failed]) {
    const [first, second] = await readItemIds(stack.pool, document.id)
    t.equal(first, document.itemId)
    t.match(await readDocument(stack.pool, document.id), { status: 'pending', errorKind: null, currentItemId: second })
    t.match(await readItem(stack.pool, second), { operation: 'reprocess', status: 'pending', priority: document.priority, attempts: 0 })
    t.ok(DELIVERABLE.includes(await wakeUpState(stack, second, 0)))
  }
  t.same(await readItemIds(stack.pool, docs.pending.id), [docs.pending.itemId], 'a pending document gets no second item')
  t.same(await readItemIds(stack.pool, other.id), [other.itemId], 'another tenant\'s document gets none')
  await countsExact(t, stack, [tenant])
})

t.test('removeMany deletes the tenant\'s documents in any state and cancels their wake-ups', async (t) => {
  const tenant = newTenant()
  const docs = await oneOfEach(tenant)
  const other = await enqueueOne(stack)
  const all = Object.values(docs)

  t.same((await stack.queue.removeMany([...all.map((d) => d.id), other.id], [tenant])).sort(), all.map((d) => d.id).sort())
  const { rows } = await stack.pool.query('select count(*)::int as n from documents where id = any($1::uuid[])', [all.map((d) => d.id)])
  t.equal(rows[0].n, 0)
  t.equal(await wakeUpState(stack, docs.pending.itemId, 0), 'unknown', 'the pending item\'s wake-up is cancelled')
  t.match(await readDocument(stack.pool, other.id), { status: 'pending' }, 'another tenant\'s document stays')
  t.same(await stack.queue.removeMany([other.id], null), [other.id], 'no tenant limit reaches every tenant')
  await countsExact(t, stack, [tenant])
})

t.test('an action runs its beforeCommit in its transaction: a failure there changes nothing', async (t) => {
  const tenant = newTenant()
  const failed = await failedDocument(tenant)
  const seen: string[][] = []
  await t.rejects(stack.queue.retryFailed([failed.id], null, async (tx, changed) => {
    seen.push(changed)
    await tx.query('select 1/0')
  }))
  t.same(seen, [[failed.id]], 'it saw the ids changed')
  t.match(await readDocument(stack.pool, failed.id), { status: 'failed', errorKind: 'permanent' }, 'rolled back')
  t.same(await stack.queue.retryFailed([failed.id], null, async () => {}), [failed.id])
})
