import t from 'tap'
import { recordHeartbeat } from '../../src/db/workers.js'
import { InvalidResultError } from '../../src/queue/invalid-result-error.js'
import { TestContext, type TestStack } from '../helpers/context.js'
import { claim, enqueueOne, readAttempts, readChunks, readDocument, readItem, resultOf } from '../helpers/queue-fixtures.js'

// Claims and completions that a worker makes together share a statement or a transaction
// (TurnBatcher in the queue). These tests make them together on purpose, in one event-loop
// turn, and check that every item still has exactly one holder and one outcome.

const context = TestContext.create(t)
const stack = await context.stack()

async function beatingWorker (): Promise<TestStack> {
  const worker = await context.stack()
  await recordHeartbeat(worker.pool, { worker: worker.identity, version: 'test', concurrency: 20, heldItems: [] })
  return worker
}

async function heldItems (holder: TestStack): Promise<string[]> {
  const { rows } = await stack.pool.query<{ heldItems: string[] }>('select held_items as "heldItems" from workers where id = $1', [holder.queue.workerId])
  return [...rows[0].heldItems].sort()
}

/** When each item's attempt started: the same instant for items claimed in one statement. */
async function claimInstants (itemIds: string[]): Promise<Set<string>> {
  const { rows } = await stack.pool.query<{ at: string }>('select started_at::text as at from queue_items where id = any($1::uuid[])', [itemIds])
  return new Set(rows.map((row) => row.at))
}

async function enqueueMany (count: number): Promise<string[]> {
  return await Promise.all(Array.from({ length: count }, async () => (await enqueueOne(stack)).itemId))
}

t.test('claims made together are one statement; two workers\' overlapping batches never give an item to both, and each vouches for all it won', async (t) => {
  const first = await beatingWorker()
  const second = await beatingWorker()
  const ids = await enqueueMany(12)
  // One turn: each worker asks for every item (in opposite orders), the first one asks for one item twice.
  const [mine, theirs, again] = await Promise.all([
    Promise.all(ids.map(async (id) => await first.queue.markInProgress({ id }))),
    Promise.all([...ids].reverse().map(async (id) => await second.queue.markInProgress({ id }))),
    first.queue.markInProgress({ id: ids[0] })
  ])
  theirs.reverse()
  const won = { first: [] as string[], second: [] as string[] }
  for (const [i, id] of ids.entries()) {
    const winners = [mine[i], theirs[i], ...(i === 0 ? [again] : [])].filter((claimed) => claimed !== undefined)
    t.equal(winners.length, 1, `item ${i}: exactly one claim wins`)
    const holder = winners[0]?.lockedBy === first.queue.workerId ? 'first' : 'second'
    won[holder].push(id)
    t.match(await readItem(stack.pool, id), { status: 'in_progress', attempts: 1, lockedBy: winners[0]?.lockedBy })
    t.same((await readAttempts(stack.pool, id)).map((attempt) => attempt.worker), [winners[0]?.lockedBy], `item ${i}: one attempt, the winner's`)
  }
  t.equal(won.first.length + won.second.length, ids.length, 'every item was claimed')
  t.same(await heldItems(first), [...won.first].sort(), 'the first worker\'s heartbeat row lists every item it won')
  t.same(await heldItems(second), [...won.second].sort(), 'and the second\'s')
  for (const items of [won.first, won.second]) {
    if (items.length > 0) t.equal((await claimInstants(items)).size, 1, 'a worker\'s items were claimed in one statement')
  }
})

t.test('completions made together commit together, each fenced by its own claim', async (t) => {
  const worker = await beatingWorker()
  const ids = await enqueueMany(4)
  const claimed = await Promise.all(ids.map(async (id) => await claim(worker, id)))
  // The last one's claim is lost before it completes: given back, its fence no longer holds.
  t.ok(await worker.queue.release(claimed[3]))
  const recorded = await Promise.all(claimed.map(async (item, i) => await worker.queue.markCompleted(item, resultOf(`result ${i}`))))
  t.same(recorded, [true, true, true, false])
  for (const [i, item] of claimed.entries()) {
    const document = await readDocument(stack.pool, item.documentId)
    if (i < 3) {
      t.match(await readItem(stack.pool, item.id), { status: 'completed', attempts: 1, lockedBy: null, finished: true })
      t.equal(document.status, 'completed')
      t.same((await readChunks(stack.pool, item.documentId)).map((chunk) => chunk.text), [`result ${i}`], `item ${i}: its own result`)
      t.same((await readAttempts(stack.pool, item.id)).map((attempt) => attempt.outcome), ['completed'])
    } else {
      t.match(await readItem(stack.pool, item.id), { status: 'pending', attempts: 0, lockedBy: null })
      t.equal(document.status, 'pending', 'the released one is untouched by the batch')
      t.same(await readChunks(stack.pool, item.documentId), [], 'and has no result')
    }
  }
})

t.test('in a batch of completions, a result Postgres refuses fails alone: the others commit', async (t) => {
  const worker = await beatingWorker()
  const ids = await enqueueMany(3)
  const claimed = await Promise.all(ids.map(async (id) => await claim(worker, id)))
  const refused = { ...resultOf('refused'), chunks: [{ ordinal: 0, page: 2 ** 31, text: 'beyond an integer' }] }
  const outcomes = await Promise.allSettled([
    worker.queue.markCompleted(claimed[0], resultOf('first')),
    worker.queue.markCompleted(claimed[1], refused),
    worker.queue.markCompleted(claimed[2], resultOf('third'))
  ])
  t.match(outcomes, [{ status: 'fulfilled', value: true }, { status: 'rejected' }, { status: 'fulfilled', value: true }])
  t.type(outcomes[1].status === 'rejected' ? outcomes[1].reason : undefined, InvalidResultError)
  t.match(await readItem(stack.pool, ids[0]), { status: 'completed' })
  t.match(await readItem(stack.pool, ids[1]), { status: 'in_progress', lockedBy: worker.queue.workerId }, 'the refused one is still held, for its runner to fail')
  t.same(await readChunks(stack.pool, claimed[1].documentId), [])
  t.match(await readItem(stack.pool, ids[2]), { status: 'completed' })
})

t.test('a worker that dies holding a batch loses nothing: what it committed stays, the rest is taken back', async (t) => {
  const worker = await beatingWorker()
  const ids = await enqueueMany(5)
  const claimed = await Promise.all(ids.map(async (id) => await worker.queue.markInProgress({ id })))
  t.ok(claimed.every((item) => item !== undefined), 'the whole batch was claimed')
  t.equal((await claimInstants(ids)).size, 1, 'in one statement')
  const done = await Promise.all(claimed.slice(0, 2).map(async (item) => item !== undefined && await worker.queue.markCompleted(item, resultOf('done'))))
  t.same(done, [true, true])
  // The worker dies: its heartbeat goes silent for longer than WORKER_DEAD_AFTER_MS.
  await stack.pool.query('update workers set last_seen_at = now() - interval \'1 day\' where id = $1', [worker.queue.workerId])
  const repair = await stack.queue.repair(0)
  t.ok(repair.takenOver >= 3, 'the repair pass takes back what the dead worker held')
  for (const [i, id] of ids.entries()) {
    if (i < 2) {
      t.match(await readItem(stack.pool, id), { status: 'completed', attempts: 1 }, `item ${i}: committed before the death, stays completed`)
      continue
    }
    t.match(await readItem(stack.pool, id), { status: 'pending', attempts: 1, lockedBy: null, errorCode: 'crashed' }, `item ${i}: back to pending`)
    t.same((await readAttempts(stack.pool, id)).map((attempt) => attempt.outcome), ['crashed'], `item ${i}: its attempt recorded as crashed`)
    const again = await claim(stack, id)
    t.equal(again.attempts, 2, `item ${i}: claimed again by a live worker`)
  }
})
