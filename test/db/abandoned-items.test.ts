import t from 'tap'
import type { Queryable } from '../../src/db/pool.js'
import { takeBackAbandonedItems } from '../../src/queue/sql/abandoned-items.js'
import { TestContext, type TestStack } from '../helpers/context.js'
import { claim, enqueueOne, leasesLapsed, readAttempts, readDocument, readItem } from '../helpers/queue-fixtures.js'

// What the repair statement does to one abandoned item is covered through the repair pass
// (test/workers/repair.test.ts). Left here: two passes at once (two reconciler leaders for a
// moment, or a sweep beside the reconciler) change each item once. One pass is held open in a
// transaction while the other runs, so that the overlap is certain rather than left to timing.

const context = TestContext.create(t)
const passes = [await context.stack(), await context.stack()]
const deadAfterMs = passes[0].config.WORKER_DEAD_AFTER_MS

/**
 * Items claimed by a process that then went silent: it has no heartbeat row, and the leases of
 * its claims have lapsed by the time this returns.
 */
async function abandonedItems (claimer: TestStack, count: number): Promise<Array<{ documentId: string, itemId: string }>> {
  const documents = await Promise.all(Array.from({ length: count }, async () => await enqueueOne(claimer)))
  for (const document of documents) await claim(claimer, document.itemId)
  await leasesLapsed(claimer.pool, documents.map((document) => document.itemId))
  return documents.map((document) => ({ documentId: document.id, itemId: document.itemId }))
}

const cases = [
  {
    name: 'attempts left',
    // The item goes back to pending.
    maxAttempts: 2,
    item: { status: 'pending', attempts: 1, wakeups: 1, errorKind: 'transient', errorCode: 'crashed', lockedBy: null },
    document: { status: 'pending', errorKind: 'transient' }
  },
  {
    name: 'the last attempt',
    // The item fails as crashed.
    maxAttempts: 1,
    item: { status: 'failed', attempts: 1, wakeups: 0, errorKind: 'crashed', errorCode: 'crashed', lockedBy: null, finished: true },
    document: { status: 'failed', errorKind: 'crashed' }
  }
]

for (const statement of cases) {
  // How many items the pass took back, whichever way.
  const run = async (db: Queryable): Promise<number> => {
    const { crashed, takenOver } = await takeBackAbandonedItems(db, deadAfterMs)
    return crashed + takenOver
  }

  t.test(`${statement.name}: a pass skips the items another pass holds, and each item is changed once`, async (t) => {
    const claimer = await context.stack({ LEASE_MS: 500, MAX_ATTEMPTS: statement.maxAttempts })
    const items = await abandonedItems(claimer, 20)
    const first = await passes[0].pool.connect()
    try {
      await first.query('begin')
      t.equal(await run(first), items.length, 'the first pass takes every item')
      t.equal(await run(passes[1].pool), 0, 'the second skips them while the first holds them, without waiting for it')
      await first.query('commit')
    } finally {
      first.release()
    }
    t.equal(await run(passes[1].pool), 0, 'and finds nothing left once the first committed')
    for (const { documentId, itemId } of items) {
      t.match(await readItem(passes[0].pool, itemId), statement.item)
      t.same((await readAttempts(passes[0].pool, itemId)).map((attempt) => attempt.outcome), ['crashed'], 'one attempt, recorded crashed once')
      t.match(await readDocument(passes[0].pool, documentId), statement.document)
    }
  })

  t.test(`${statement.name}: items a pass held but did not commit are left to the next pass`, async (t) => {
    const claimer = await context.stack({ LEASE_MS: 500, MAX_ATTEMPTS: statement.maxAttempts })
    const items = await abandonedItems(claimer, 5)
    const first = await passes[0].pool.connect()
    try {
      await first.query('begin')
      t.equal(await run(first), items.length)
      t.equal(await run(passes[1].pool), 0)
      await first.query('rollback')
    } finally {
      first.release()
    }
    t.equal(await run(passes[1].pool), items.length, 'the next pass takes them')
    for (const { itemId } of items) t.match(await readItem(passes[0].pool, itemId), statement.item)
  })
}
