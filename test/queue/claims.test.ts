import { randomUUID } from 'node:crypto'
import t from 'tap'
import { recordHeartbeat } from '../../src/db/workers.js'
import { priorityRanks } from '../../src/queue/priority.js'
import { TestContext, type TestStack } from '../helpers/context.js'
import {
  claim, DISTANT_RETRIES, enqueueOne, leasesLapsed, readAttempts, readDocument, readItem, resultOf
} from '../helpers/queue-fixtures.js'

const context = TestContext.create(t)
// Three processes' worth of queue: each stack claims as a worker of its own.
const stack = await context.stack()
const rival = await context.stack()
// Its retries are never due while the tests run.
const patient = await context.stack(DISTANT_RETRIES)
// Its leases lapse quickly, so that a repair pass can take its items back.
const brief = await context.stack({ LEASE_MS: 500 })

async function leaseLength (itemId: string): Promise<number> {
  const { rows } = await stack.pool.query<{ ms: number }>(
    'select extract(epoch from locked_until - started_at)::float8 * 1000 as ms from queue_items where id = $1', [itemId])
  return rows[0].ms
}

async function heldItems (holder: TestStack): Promise<string[] | undefined> {
  const { rows } = await stack.pool.query<{ heldItems: string[] }>('select held_items as "heldItems" from workers where id = $1', [holder.queue.workerId])
  return rows[0]?.heldItems
}

t.test('a claim takes a pending, due item: in progress under this worker\'s lease, its attempt counted and opened, its bytes returned', async (t) => {
  const bytes = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0x0a, 0x80])
  const document = await enqueueOne(stack, { bytes, filename: 'scan.pdf', declaredType: 'application/pdf', priority: priorityRanks.high })
  const claimed = await stack.queue.markInProgress({ id: document.itemId })
  t.match(claimed, {
    id: document.itemId,
    documentId: document.id,
    operation: 'process',
    priority: priorityRanks.high,
    status: 'in_progress',
    attempts: 1,
    maxAttempts: stack.config.MAX_ATTEMPTS,
    lockedBy: stack.queue.workerId,
    lockedUntil: Date,
    wakeups: 0,
    filename: 'scan.pdf',
    declaredType: 'application/pdf'
  })
  t.ok(claimed?.bytes.equals(bytes), 'the uploaded bytes, every one')
  t.match(await readItem(stack.pool, document.itemId), { status: 'in_progress', attempts: 1, lockedBy: stack.queue.workerId, finished: false })
  t.equal(await leaseLength(document.itemId), stack.config.LEASE_MS, 'leased for LEASE_MS from the claim')
  t.same(await readAttempts(stack.pool, document.itemId), [{ attempt: 1, worker: stack.queue.workerId, outcome: null, error: null, finished: false }])
  t.equal((await readDocument(stack.pool, document.id)).status, 'in_progress', 'the document follows')
})

t.test('a claim lists the item in the worker\'s heartbeat row at once; a claimer without one (a sweep) gets no row', async (t) => {
  const beating = await context.stack()
  await recordHeartbeat(beating.pool, { worker: beating.identity, version: 'test', concurrency: 2, heldItems: [] })
  const first = await enqueueOne(stack)
  const second = await enqueueOne(stack)
  await claim(beating, first.itemId)
  t.same(await heldItems(beating), [first.itemId], 'the worker vouches for the item before its next heartbeat')
  await claim(beating, second.itemId)
  t.same(await heldItems(beating), [first.itemId, second.itemId])

  const sweeper = await context.stack()
  await claim(sweeper, (await enqueueOne(stack)).itemId)
  t.equal(await heldItems(sweeper), undefined)
})

t.test('only a pending item that is due can be claimed', async (t) => {
  const inProgress = await enqueueOne(stack)
  await claim(stack, inProgress.itemId)
  t.equal(await stack.queue.markInProgress({ id: inProgress.itemId }), undefined, 'in progress, by the same worker')
  t.equal(await rival.queue.markInProgress({ id: inProgress.itemId }), undefined, 'in progress, by another worker')
  t.match(await readItem(stack.pool, inProgress.itemId), { attempts: 1, lockedBy: stack.queue.workerId })
  t.equal((await readAttempts(stack.pool, inProgress.itemId)).length, 1, 'no attempt opened by a refused claim')

  const completed = await enqueueOne(stack)
  t.ok(await stack.queue.markCompleted(await claim(stack, completed.itemId), resultOf('done')))
  t.equal(await stack.queue.markInProgress({ id: completed.itemId }), undefined, 'completed')

  const failed = await enqueueOne(stack)
  t.equal(await stack.queue.markFailed(await claim(stack, failed.itemId), { message: 'corrupt', permanent: true, code: 'corrupt' }), 'failed')
  t.equal(await stack.queue.markInProgress({ id: failed.itemId }), undefined, 'failed')

  const retrying = await enqueueOne(patient)
  t.equal(await patient.queue.markFailed(await claim(patient, retrying.itemId), { message: 'try later', permanent: false, code: 'internal' }), 'retrying')
  t.equal(await stack.queue.markInProgress({ id: retrying.itemId }), undefined, 'pending, but not due before its retry')
  t.match(await readItem(stack.pool, retrying.itemId), { status: 'pending', due: false, attempts: 1 })

  t.equal(await stack.queue.markInProgress({ id: randomUUID() }), undefined, 'no such item')
})

t.test('of two workers claiming the same items at once, exactly one wins each', async (t) => {
  const documents = await Promise.all(Array.from({ length: 20 }, async () => await enqueueOne(stack)))
  const claims = await Promise.all(documents.map(async (document) =>
    await Promise.all([stack.queue.markInProgress({ id: document.itemId }), rival.queue.markInProgress({ id: document.itemId })])))
  for (const [i, document] of documents.entries()) {
    const winners = claims[i].filter((claimed) => claimed !== undefined)
    t.equal(winners.length, 1, `item ${i}: one claim wins`)
    const item = await readItem(stack.pool, document.itemId)
    t.match(item, { status: 'in_progress', attempts: 1, lockedBy: winners[0]?.lockedBy })
    t.same((await readAttempts(stack.pool, document.itemId)).map((attempt) => attempt.worker), [item.lockedBy], `item ${i}: one attempt, the winner's`)
  }
})

t.test('renewLease extends the lease of an item the worker holds', async (t) => {
  const document = await enqueueOne(stack)
  const claimed = await claim(stack, document.itemId)
  const before = (await readItem(stack.pool, document.itemId)).lockedUntil
  t.equal(await stack.queue.renewLease(claimed), true)
  const after = await readItem(stack.pool, document.itemId)
  t.ok(before !== null && after.lockedUntil !== null && after.lockedUntil > before, 'the lease ends later than it did')
  t.match(after, { status: 'in_progress', attempts: 1, lockedBy: stack.queue.workerId })
})

t.test('renewLease answers false once the claim is lost, and changes nothing', async (t) => {
  const released = await enqueueOne(stack)
  const releasedClaim = await claim(stack, released.itemId)
  t.ok(await stack.queue.release(releasedClaim))
  t.equal(await stack.queue.renewLease(releasedClaim), false, 'after a release')
  t.match(await readItem(stack.pool, released.itemId), { status: 'pending', lockedUntil: null })

  const completed = await enqueueOne(stack)
  const completedClaim = await claim(stack, completed.itemId)
  t.ok(await stack.queue.markCompleted(completedClaim, resultOf('done')))
  t.equal(await stack.queue.renewLease(completedClaim), false, 'after completion')
  t.match(await readItem(stack.pool, completed.itemId), { status: 'completed', lockedUntil: null })

  const held = await enqueueOne(stack)
  const heldClaim = await claim(stack, held.itemId)
  t.equal(await rival.queue.renewLease(heldClaim), false, 'by another worker than the holder')
  t.equal((await readItem(stack.pool, held.itemId)).lockedBy, stack.queue.workerId)

  const deleted = await enqueueOne(stack)
  const deletedClaim = await claim(stack, deleted.itemId)
  t.ok(await stack.queue.remove((await readDocument(stack.pool, deleted.id)).tenant, deleted.id))
  t.equal(await stack.queue.renewLease(deletedClaim), false, 'after the document was deleted')
})

t.test('renewLease answers false for an attempt taken over, even by the same worker claiming again', async (t) => {
  const document = await enqueueOne(stack)
  const lost = await claim(brief, document.itemId)
  await leasesLapsed(stack.pool, [document.itemId])
  // The claimer wrote no heartbeat row: past its lease, nothing vouches for the item.
  await rival.queue.repair(0)
  t.match(await readItem(stack.pool, document.itemId), { status: 'pending', attempts: 1, lockedBy: null }, 'taken back')
  const current = await claim(brief, document.itemId)
  t.equal(current.attempts, 2)
  t.equal(await brief.queue.renewLease(lost), false, 'the first attempt\'s renewal is refused')
  t.equal(await brief.queue.renewLease(current), true, 'the current attempt\'s is not')
  t.same((await readAttempts(stack.pool, document.itemId)).map((attempt) => attempt.outcome), ['crashed', null])
})
