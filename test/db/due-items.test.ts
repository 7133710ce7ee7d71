import { randomUUID } from 'node:crypto'
import t from 'tap'
import { bumpWakeups } from '../../src/queue/sql/due-items.js'
import { TestContext } from '../helpers/context.js'
import { claim, DISTANT_RETRIES, enqueueOne, readItem, resultOf } from '../helpers/queue-fixtures.js'

// findDueItems and countInProgress are covered through the queue (test/queue/orphans.test.ts,
// test/workers/repair.test.ts). bumpWakeups is conditional on what its caller read a moment
// before, which the queue cannot be made to race on demand: it is driven directly here.

const context = TestContext.create(t)
const stack = await context.stack()
// Its retries are never due while the tests run.
const patient = await context.stack(DISTANT_RETRIES)

t.test('bumpWakeups counts a new wake-up for a pending, due item whose count is still the one read', async (t) => {
  const document = await enqueueOne(stack)
  t.equal(await bumpWakeups(stack.pool, document.itemId, 0), 1)
  t.equal((await readItem(stack.pool, document.itemId)).wakeups, 1)
  t.equal(await bumpWakeups(stack.pool, document.itemId, 0), undefined, 'a count read before someone else bumped it')
  t.equal((await readItem(stack.pool, document.itemId)).wakeups, 1)
})

t.test('of two bumps from the same count at once, one counts', async (t) => {
  const document = await enqueueOne(stack)
  const bumps = await Promise.all([bumpWakeups(stack.pool, document.itemId, 0), bumpWakeups(patient.pool, document.itemId, 0)])
  t.same(bumps.filter((bump) => bump !== undefined), [1])
  t.equal((await readItem(stack.pool, document.itemId)).wakeups, 1)
})

t.test('bumpWakeups leaves an item that moved on: claimed, finished, not due, or gone', async (t) => {
  const claimed = await enqueueOne(stack)
  await claim(stack, claimed.itemId)
  t.equal(await bumpWakeups(stack.pool, claimed.itemId, 0), undefined, 'in progress')

  const completed = await enqueueOne(stack)
  t.ok(await stack.queue.markCompleted(await claim(stack, completed.itemId), resultOf('done')))
  t.equal(await bumpWakeups(stack.pool, completed.itemId, 0), undefined, 'completed')

  const retrying = await enqueueOne(patient)
  t.equal(await patient.queue.markFailed(await claim(patient, retrying.itemId), { message: 'later', permanent: false, code: 'internal' }), 'retrying')
  t.equal(await bumpWakeups(stack.pool, retrying.itemId, 1), undefined, 'pending, but not due')

  t.equal(await bumpWakeups(stack.pool, randomUUID(), 0), undefined, 'no such item')
  for (const document of [claimed, completed]) t.equal((await readItem(stack.pool, document.itemId)).wakeups, 0)
  t.equal((await readItem(stack.pool, retrying.itemId)).wakeups, 1)
})
