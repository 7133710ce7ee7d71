import { Worker } from 'bullmq'
import { Redis } from 'ioredis'
import t from 'tap'
import type { DocumentRecord } from '../../src/db/documents.js'
import { priorityRanks } from '../../src/queue/priority.js'
import { WAKE_UP_QUEUE_NAME, wakeUpJobId } from '../../src/queue/wake-ups.js'
import { TestContext, waitFor, type TestStack } from '../helpers/context.js'
import { claim, DELIVERABLE, DISTANT_RETRIES, enqueueOne, leasesLapsed, newUpload, readItem, resultOf, wakeUpState } from '../helpers/queue-fixtures.js'

// getPendingItems and reconcile look at every item of the queue, so each test here has a
// database and a queue prefix of its own. The repair pass itself is tested in
// test/workers/repair.test.ts; this file covers what it does with the orphans it finds.

const UNREACHABLE_REDIS = 'redis://127.0.0.1:1'

/** Removes an item's current wake-up from Redis, as a flush or a restart without persistence would. */
async function loseWakeUp (stack: TestStack, document: DocumentRecord): Promise<void> {
  await stack.wakeUps.remove(wakeUpJobId(document.itemId, document.wakeups))
}

/** Waits until every pending item has been due for longer than `ms`, by Postgres's clock. */
async function dueFor (stack: TestStack, ms: number): Promise<void> {
  await waitFor(async () => {
    const { rows } = await stack.pool.query<{ n: number }>(`
      select count(*)::int as n from queue_items
       where status = 'pending' and run_at > now() - make_interval(secs => $1::float8 / 1000)`, [ms])
    return rows[0].n === 0 ? true : undefined
  }, `every pending item to have been due for ${ms} ms`)
}

// The reconciler leaves items alone for their first second of being due (a wake-up may be on its way).
const RECONCILER_SETTLED_MS = 1_100

t.test('getPendingItems lists the due pending items whose wake-up Redis no longer holds, and only those', async (t) => {
  const context = TestContext.create(t)
  const stack = await context.stack()
  const patient = await context.stack(DISTANT_RETRIES)

  await enqueueOne(stack)
  const orphan = await enqueueOne(stack, { priority: priorityRanks.low })
  await loseWakeUp(stack, orphan)
  const running = await enqueueOne(stack)
  await loseWakeUp(stack, running)
  await claim(stack, running.itemId)
  const completed = await enqueueOne(stack)
  await loseWakeUp(stack, completed)
  t.ok(await stack.queue.markCompleted(await claim(stack, completed.itemId), resultOf('done')))
  const retrying = await enqueueOne(patient)
  t.equal(await patient.queue.markFailed(await claim(patient, retrying.itemId), { message: 'later', permanent: false, code: 'internal' }), 'retrying')
  await patient.wakeUps.remove(wakeUpJobId(retrying.itemId, 1))

  const pending = await stack.queue.getPendingItems(100)
  t.same(pending.map((item) => item.id), [orphan.itemId], 'not the one with a live wake-up, nor those in progress, completed or not due')
  t.match(pending[0], { documentId: orphan.id, status: 'pending', priority: priorityRanks.low, attempts: 0, wakeups: 0, lockedBy: null })
})

t.test('getPendingItems lists by priority, then by how long the item has waited, up to the limit', async (t) => {
  const stack = await TestContext.create(t).stack()
  const low = await enqueueOne(stack, { priority: priorityRanks.low })
  const firstHigh = await enqueueOne(stack, { priority: priorityRanks.high })
  const normal = await enqueueOne(stack, { priority: priorityRanks.normal })
  const secondHigh = await enqueueOne(stack, { priority: priorityRanks.high })
  for (const document of [low, firstHigh, normal, secondHigh]) await loseWakeUp(stack, document)

  t.same((await stack.queue.getPendingItems(100)).map((item) => item.id), [firstHigh, secondHigh, normal, low].map((document) => document.itemId))
  t.same((await stack.queue.getPendingItems(2)).map((item) => item.id), [firstHigh.itemId, secondHigh.itemId])
})

t.test('getPendingItems leaves the items that have been due for less than settleMs', async (t) => {
  const stack = await TestContext.create(t).stack()
  const orphan = await enqueueOne(stack)
  await loseWakeUp(stack, orphan)
  t.same(await stack.queue.getPendingItems(100, 3_600_000), [], 'due for less than an hour')
  await dueFor(stack, 200)
  t.same((await stack.queue.getPendingItems(100, 200)).map((item) => item.id), [orphan.itemId], 'due for 200 ms')
  t.same((await stack.queue.getPendingItems(100)).map((item) => item.id), [orphan.itemId], 'without a settle time')
})

t.test('with Redis out of reach, getPendingItems counts every due item as orphaned', async (t) => {
  const context = TestContext.create(t)
  const stack = await context.stack()
  const offline = await context.stack({ REDIS_URL: UNREACHABLE_REDIS })
  const document = await enqueueOne(stack)
  t.ok(DELIVERABLE.includes(await wakeUpState(stack, document.itemId, 0)), 'its wake-up is in Redis')
  t.same(await stack.queue.getPendingItems(100), [], 'left to its wake-up where Redis can be asked')
  t.same((await offline.queue.getPendingItems(100)).map((item) => item.id), [document.itemId], 'listed where it cannot')
})

t.test('reconcile counts a new wake-up for each orphan in Postgres, then sends it', async (t) => {
  const stack = await TestContext.create(t).stack()
  const live = await enqueueOne(stack)
  const orphan = await enqueueOne(stack, { priority: priorityRanks.high })
  await loseWakeUp(stack, orphan)
  await dueFor(stack, RECONCILER_SETTLED_MS)

  t.same(await stack.queue.reconcile(100), { redispatched: 1, crashed: 0, takenOver: 0 })
  t.equal((await readItem(stack.pool, orphan.itemId)).wakeups, 1, 'the orphan\'s wake-up count moved on')
  const wakeUp = await stack.wakeUps.getJob(wakeUpJobId(orphan.itemId, 1))
  t.same(wakeUp?.data, { itemId: orphan.itemId, documentId: orphan.id }, 'a wake-up named after the new count')
  t.equal(wakeUp?.opts.priority, priorityRanks.high)
  t.ok(DELIVERABLE.includes(await wakeUpState(stack, orphan.itemId, 1)))
  t.equal((await readItem(stack.pool, live.itemId)).wakeups, 0, 'an item with a live wake-up is left alone')

  t.same(await stack.queue.reconcile(100), { redispatched: 0, crashed: 0, takenOver: 0 }, 'the new wake-up is live: nothing to send again')
  t.equal((await readItem(stack.pool, orphan.itemId)).wakeups, 1)
})

t.test('a wake-up taken by a worker that never claimed its item is sent again once it has been active for 10 s', async (t) => {
  const stack = await TestContext.create(t).stack()
  const taken = await enqueueOne(stack)
  // A worker that fetched the wake-up and died before its claim: BullMQ's own fetch makes it active.
  const connection = new Redis(stack.config.REDIS_URL, { maxRetriesPerRequest: null })
  const gone = new Worker(WAKE_UP_QUEUE_NAME, null, { connection, prefix: stack.config.QUEUE_PREFIX, autorun: false })
  t.teardown(async () => {
    await gone.close(true)
    connection.disconnect()
  })
  t.equal((await gone.getNextJob('gone-worker-token', { block: false }))?.id, taken.itemId, 'the wake-up is taken')
  t.equal(await wakeUpState(stack, taken.itemId, 0), 'active')
  await dueFor(stack, RECONCILER_SETTLED_MS)

  t.same(await stack.queue.reconcile(100), { redispatched: 0, crashed: 0, takenOver: 0 }, 'just taken: left to its worker')
  t.ok(await stack.queue.hasLiveWakeUp({ id: taken.itemId, wakeups: 0 }))

  // Taken 11 s ago, by BullMQ's record of it, and still not claimed.
  await stack.redis.hset(`${stack.config.QUEUE_PREFIX}:${WAKE_UP_QUEUE_NAME}:${taken.itemId}`, 'processedOn', String(Date.now() - 11_000))
  t.notOk(await stack.queue.hasLiveWakeUp({ id: taken.itemId, wakeups: 0 }), 'no longer counted as live')
  t.same(await stack.queue.reconcile(100), { redispatched: 1, crashed: 0, takenOver: 0 })
  t.equal((await readItem(stack.pool, taken.itemId)).wakeups, 1)
  t.ok(DELIVERABLE.includes(await wakeUpState(stack, taken.itemId, 1)), 'a new wake-up waits for a worker')
})

t.test('reconcile stops at a page of the queue\'s head whose wake-ups are all live; the orphan behind it is sent once it reaches the head', async (t) => {
  const stack = await TestContext.create(t).stack()
  // One page of the reconciler's (50 items) ahead of the orphan, each with its wake-up.
  const head = await stack.queue.enqueueMany(Array.from({ length: 50 }, () => newUpload({ priority: priorityRanks.high })))
  const orphan = await enqueueOne(stack, { priority: priorityRanks.low })
  await loseWakeUp(stack, orphan)
  await dueFor(stack, RECONCILER_SETTLED_MS)

  t.same(await stack.queue.reconcile(100), { redispatched: 0, crashed: 0, takenOver: 0 }, 'a head page with no orphan ends the search')
  t.equal((await readItem(stack.pool, orphan.itemId)).wakeups, 0)
  t.same((await stack.queue.getPendingItems(100)).map((item) => item.id), [orphan.itemId], 'a sweep\'s search looks at every due item')

  await claim(stack, head[0]?.itemId ?? '')
  t.same(await stack.queue.reconcile(100), { redispatched: 1, crashed: 0, takenOver: 0 }, 'one item taken: the orphan is in the head page')
  t.ok(DELIVERABLE.includes(await wakeUpState(stack, orphan.itemId, 1)))
})

t.test('with Redis out of reach, reconcile repairs but looks for no orphans, and sends them once Redis answers', async (t) => {
  const context = TestContext.create(t)
  const stack = await context.stack()
  // Its claims have no heartbeat row behind them and a short lease: the repair pass takes them back soon.
  const offline = await context.stack({ REDIS_URL: UNREACHABLE_REDIS, LEASE_MS: 500 })
  const orphan = await enqueueOne(stack)
  await loseWakeUp(stack, orphan)
  const abandoned = await enqueueOne(stack)
  await claim(offline, abandoned.itemId)
  await leasesLapsed(stack.pool, [abandoned.itemId])
  await dueFor(stack, RECONCILER_SETTLED_MS)

  t.same(await offline.queue.reconcile(100), { redispatched: 0, crashed: 0, takenOver: 1 }, 'the abandoned item is taken back')
  t.match(await readItem(stack.pool, orphan.itemId), { status: 'pending', wakeups: 0 }, 'the orphan\'s wake-up count is untouched: it was not looked for')
  t.match(await readItem(stack.pool, abandoned.itemId), { status: 'pending', wakeups: 1 })
  t.equal(await wakeUpState(stack, abandoned.itemId, 1), 'unknown', 'no wake-up reached Redis')

  t.same(await stack.queue.reconcile(100), { redispatched: 2, crashed: 0, takenOver: 0 }, 'where Redis answers, both are sent')
  t.ok(DELIVERABLE.includes(await wakeUpState(stack, orphan.itemId, 1)))
  t.ok(DELIVERABLE.includes(await wakeUpState(stack, abandoned.itemId, 2)))
})
