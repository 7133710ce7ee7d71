import t from 'tap'
import { TestContext, waitFor } from '../helpers/context.js'
import { claim, DELIVERABLE, enqueueOne, newTenant, readDocument, readItem, wakeUpState } from '../helpers/queue-fixtures.js'

// Pausing, globally and per tenant: no claim of a paused scope, no wake-ups sent for it in a
// loop, and resuming wakes what waited.
const context = TestContext.create(t)
const stack = await context.stack()

t.test('a paused scope gets no claim and no re-dispatch; resuming wakes its due items', async (t) => {
  const paused = newTenant()
  const free = newTenant()
  const held = await enqueueOne(stack, { tenant: paused })
  const other = await enqueueOne(stack, { tenant: free })

  const { pause, created } = await stack.queue.pause(paused, 'ops', 'disk full')
  t.ok(created)
  t.match(pause, { tenant: paused, pausedBy: 'ops', reason: 'disk full', pausedAt: Date })
  t.match(await stack.queue.pause(paused, 'someone else', null), { created: false, pause: { pausedBy: 'ops' } }, 'the first pause stands')
  t.match(await stack.queue.getPauses([paused]), [{ tenant: paused }])
  t.same(await stack.queue.getPauses([free]), [], 'another tenant sees no pause')

  t.equal(await stack.queue.markInProgress({ id: held.itemId }), undefined, 'the paused tenant\'s item is not claimed')
  t.ok(await claim(stack, other.itemId), 'another tenant\'s item is')
  // Its wake-up consumed for nothing, the item is due without one: the repair pass leaves it be.
  await stack.wakeUps.remove(held.itemId)
  const repair = await stack.queue.repair(1_000)
  t.notOk(repair.orphaned.some((item) => item.id === held.itemId), 'not an orphan to re-dispatch while paused')

  const { pause: lifted, woken } = await stack.queue.resume(paused)
  t.match(lifted, { tenant: paused })
  t.equal(woken, 1, 'its due item is woken')
  t.ok(DELIVERABLE.includes(await wakeUpState(stack, held.itemId, 1)))
  t.same(await stack.queue.resume(paused), { pause: undefined, woken: 0 }, 'resuming again finds no pause')
  t.ok(await claim(stack, held.itemId), 'claimed once resumed')
})

t.test('a global pause holds every tenant, and a tenant resumed under it stays held', async (t) => {
  const tenant = newTenant()
  await stack.queue.pause(tenant, 'ops', null)
  await stack.queue.pause(null, 'ops', 'maintenance')
  const document = await enqueueOne(stack, { tenant })
  const another = await enqueueOne(stack)
  t.equal(await stack.queue.markInProgress({ id: another.itemId }), undefined, 'no claim anywhere')
  t.match(await stack.queue.getPauses([tenant]), [{ tenant: null }, { tenant }], 'the global pause first')

  t.match(await stack.queue.resume(tenant), { woken: 0 }, 'nothing woken while the global pause holds')
  t.equal(await stack.queue.markInProgress({ id: document.itemId }), undefined)
  t.match(await stack.queue.resume(null), { woken: 0 }, 'their wake-ups are still in Redis: none to send')
  t.ok(await claim(stack, document.itemId))
  t.ok(await claim(stack, another.itemId))
})

t.test('with a real worker: a pause stops new work, running items finish, resume restarts it', async (t) => {
  const workerStack = await context.stack()
  context.worker(workerStack)
  const tenant = newTenant()
  const before = await enqueueOne(stack, { tenant })
  await waitFor(async () => (await readDocument(stack.pool, before.id)).status === 'completed' ? true : undefined, 'the first document')

  await stack.queue.pause(tenant, 'ops', null)
  const during = await enqueueOne(stack, { tenant })
  // The worker receives the wake-up and claims nothing: the job is consumed and gone.
  await waitFor(async () => await wakeUpState(stack, during.itemId, 0) === 'unknown' ? true : undefined, 'the wake-up to be consumed')
  // A reconcile pass finds the item due without a wake-up, and must not wake it.
  t.match(await stack.queue.reconcile(1_000), { redispatched: 0 })
  t.match(await readItem(stack.pool, during.itemId), { status: 'pending', attempts: 0, wakeups: 0 }, 'still pending, never claimed, never re-dispatched')

  const { woken } = await stack.queue.resume(tenant)
  t.equal(woken, 1)
  await waitFor(async () => (await readDocument(stack.pool, during.id)).status === 'completed' ? true : undefined, 'the document held by the pause')
  t.pass('completed once resumed')
})
