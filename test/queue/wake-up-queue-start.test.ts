import { randomBytes, randomUUID } from 'node:crypto'
import t from 'tap'
import { createProducerConnection, waitForConnection } from '../../src/queue/redis.js'
import { createWakeUpQueue, wakeUpOptions } from '../../src/queue/wake-ups.js'

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://localhost:6379'
const silent = { warn: () => {}, error: () => {} }

/** Keeps the event loop busy, as loading the parsers does at a process's start on a loaded machine. */
function blockEventLoop (ms: number): void {
  const until = Date.now() + ms
  while (Date.now() < until) { /* busy on purpose */ }
}

// A process that starts while its machine is busy can stall its event loop past the producer
// connection's 2 s command timeout just as the wake-up queue sends its first command. That
// first command must not decide the queue's fate: every later add must still reach Redis.
t.test('a wake-up queue whose first command timed out still adds wake-ups', async (t) => {
  const prefix = `dqtest-${randomBytes(4).toString('hex')}`
  const redis = createProducerConnection(redisUrl, silent)
  t.teardown(async () => {
    const keys = await redis.keys(`${prefix}:*`)
    if (keys.length > 0) await redis.del(...keys)
    redis.disconnect()
  })
  t.ok(await waitForConnection(redis, 10_000), 'redis answers')

  const wakeUps = createWakeUpQueue(redis, prefix)
  const errors: string[] = []
  wakeUps.on('error', (error) => { errors.push(error.message) })
  t.teardown(async () => { await wakeUps.close() })
  // The queue sends its start-up commands on the next turn; the stall makes their timers fire first.
  await new Promise((resolve) => setImmediate(resolve))
  blockEventLoop(2_500)

  const itemId = randomUUID()
  await wakeUps.addBulk([{ name: 'process', data: { itemId, documentId: randomUUID() }, opts: wakeUpOptions(itemId, 2) }])
  t.equal(await wakeUps.getJobState(itemId), 'prioritized', 'the wake-up is in Redis')
  t.same(errors, [], 'the queue reported no error')
})
