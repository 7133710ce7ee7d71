import t from 'tap'
import { withTimeout } from '../../src/lib/with-timeout.js'
import { InProcessWakeUps } from '../../src/queue/in-process-wake-ups.js'
import { wakeUpOptions, type WakeUpData } from '../../src/queue/wake-ups.js'

// The embedded mode's wake-up channel, on its own: it must answer as BullMQ does where the queue
// and the reconciler ask (job ids, states, ranges), and hand jobs over in priority order.

function wakeUp (itemId: string, priority: number, delayMs = 0): { name: string, data: WakeUpData, opts: ReturnType<typeof wakeUpOptions> } {
  return { name: 'process', data: { itemId, documentId: `doc-${itemId}` }, opts: wakeUpOptions(itemId, priority, delayMs) }
}

/** A handler that records what it runs and holds each run until released. */
function heldHandler (): { ran: string[], release: () => void, handler: (data: WakeUpData) => Promise<void> } {
  const ran: string[] = []
  const waiting: Array<() => void> = []
  return {
    ran,
    release: () => { for (const resolve of waiting.splice(0)) resolve() },
    handler: async (data) => {
      ran.push(data.itemId)
      await new Promise<void>((resolve) => { waiting.push(resolve) })
    }
  }
}

t.test('jobs wait until consumed, then run by priority and arrival, at most `concurrency` at a time; a finished job is gone', async (t) => {
  const channel = new InProcessWakeUps({ onError: () => {} })
  t.teardown(async () => { await channel.close() })
  await channel.addBulk([wakeUp('low', 3), wakeUp('normal-1', 2), wakeUp('high', 1), wakeUp('normal-2', 2)])
  t.equal(await channel.getJobState('high'), 'prioritized', 'waiting, as BullMQ reports a job with a priority')
  t.same(await channel.getRanges(['prioritized'], 0, -1, true), ['high', 'normal-1', 'normal-2', 'low'], 'in the order they will run')

  const held = heldHandler()
  channel.consume(held.handler, 2)
  t.same(held.ran, ['high', 'normal-1'])
  t.equal(await channel.getJobState('high'), 'active')
  t.same(await channel.getRanges(['active'], 0, -1, true), ['high', 'normal-1'])
  t.equal(await channel.remove('high'), 0, 'a running job is not removed')

  held.release()
  // The next two start as the first two finish.
  while (held.ran.length < 4) await new Promise((resolve) => setImmediate(resolve))
  t.same(held.ran, ['high', 'normal-1', 'normal-2', 'low'])
  held.release()
  await channel.idle()
  t.equal(await channel.getJobState('high'), 'unknown', 'done, and forgotten (removeOnComplete)')
})

t.test('a job id already held makes the add a no-op; a waiting job can be removed; a delayed one waits its delay', async (t) => {
  const channel = new InProcessWakeUps({ onError: () => {} })
  t.teardown(async () => { await channel.close() })
  await channel.addBulk([wakeUp('a', 2), wakeUp('a', 1), wakeUp('later', 2, 50)])
  t.same(await channel.getRanges(['prioritized', 'delayed'], 0, -1, true), ['a', 'later'], 'one job for id a')
  t.equal(await channel.getJobState('later'), 'delayed')
  t.equal(await channel.remove('a'), 1)
  t.equal(await channel.getJobState('a'), 'unknown')

  const ran: string[] = []
  const done = new Promise<void>((resolve) => {
    channel.consume(async (data) => { ran.push(data.itemId); resolve() }, 1)
  })
  // The channel's delay timer is unref'd (it must not keep a service alive); this wait's own
  // timer keeps the test process alive until the job runs, and bounds a hang.
  await withTimeout(done, 60_000, () => { throw new Error('the delayed job never ran') })
  t.same(ran, ['later'], 'the delayed job ran once its delay was over, and the removed one never')
})

t.test('a handler that throws drops its wake-up and reports it; the next jobs still run', async (t) => {
  const errors: string[] = []
  const channel = new InProcessWakeUps({ onError: (error, data) => { errors.push(`${data.itemId}: ${error.message}`) } })
  t.teardown(async () => { await channel.close() })
  const ran: string[] = []
  channel.consume(async (data) => {
    ran.push(data.itemId)
    if (data.itemId === 'broken') throw new Error('postgres is unreachable')
  }, 1)
  await channel.addBulk([wakeUp('broken', 1), wakeUp('fine', 2)])
  await channel.idle()
  t.same(ran, ['broken', 'fine'])
  t.same(errors, ['broken: postgres is unreachable'])
  t.equal(await channel.getJobState('broken'), 'unknown', 'dropped: the reconciler sends a new one')
})

t.test('after stopFetching no job starts; a closed channel refuses adds', async (t) => {
  const channel = new InProcessWakeUps({ onError: () => {} })
  const ran: string[] = []
  channel.consume(async (data) => { ran.push(data.itemId) }, 1)
  channel.stopFetching()
  await channel.addBulk([wakeUp('left', 1)])
  await channel.idle()
  t.same(ran, [])
  t.equal(await channel.getJobState('left'), 'prioritized')
  await channel.close()
  await t.rejects(channel.addBulk([wakeUp('late', 1)]), /closed/)
})
