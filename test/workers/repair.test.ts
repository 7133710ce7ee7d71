import t from 'tap'
import type { ClaimedItem } from '../../src/queue/queue-item.js'
import { claimItems } from '../../src/queue/sql/claim-items.js'
import { failItem } from '../../src/queue/sql/fail-item.js'
import { newWorkerIdentity, recordHeartbeat, type WorkerIdentity } from '../../src/db/workers.js'
import { wakeUpJobId } from '../../src/queue/wake-ups.js'
import { runQueueItem } from '../../src/worker/run-queue-item.js'
import { TestContext } from '../helpers/context.js'
import { upload } from '../helpers/http.js'

// Production timings: a 30 s lease, dead after 5 s of silence.
const context = TestContext.create(t)
const stack = await context.stack()
const app = await context.app(stack)
const { key } = await stack.apiKeys.create('repair')
const auth = { authorization: `Bearer ${key}` }
const TEN_MINUTES = 10 * 60_000

async function document (id: string): Promise<any> {
  return (await app.inject({ method: 'GET', url: `/documents/${id}`, headers: auth })).json()
}

async function itemRow (documentId: string): Promise<{ id: string, status: string, attempts: number, lockedBy: string | null, wakeups: number }> {
  const { rows } = await stack.pool.query(`
    select q.id, q.status, q.attempts, q.locked_by as "lockedBy", q.wakeups
      from queue_items q join documents d on d.current_item_id = q.id where d.id = $1`, [documentId])
  return rows[0]
}

/**
 * A document whose item a worker on another machine claimed with a long lease. The worker's last
 * heartbeat was `silentMs` ago. The upload was due a minute ago, so no wake-up can still be on
 * its way for it.
 */
async function heldDocument (name: string, silentMs: number, options: { leaseMs?: number, attemptsUsed?: number } = {}): Promise<{ documentId: string, itemId: string, worker: WorkerIdentity, claimed: ClaimedItem }> {
  const documentId = (await upload(app, key, `the text of ${name}`, { filename: `${name}.txt` })).json().id
  const { id: itemId } = await itemRow(documentId)
  await stack.pool.query("update queue_items set run_at = now() - interval '1 minute', attempts = $2 where id = $1", [itemId, options.attemptsUsed ?? 0])
  const worker = newWorkerIdentity('other-machine', 4242)
  await recordHeartbeat(stack.pool, { worker, version: 'test', concurrency: 1, heldItems: [] })
  await stack.pool.query('update workers set last_seen_at = now() - make_interval(secs => $2::float8 / 1000) where id = $1', [worker.id, silentMs])
  const [claimed] = await claimItems(stack.pool, [itemId], worker.id, options.leaseMs ?? TEN_MINUTES)
  if (claimed === undefined) throw new Error(`${name} could not be claimed`)
  return { documentId, itemId, worker, claimed }
}

/** Removes a document that a test left unfinished, so that later sweeps count only their own. */
async function forget (documentId: string): Promise<void> {
  await stack.pool.query('delete from documents where id = $1', [documentId])
}

t.test('a dead worker\'s item is taken over at once, long before its lease ends, and runs again', async (t) => {
  const { documentId, itemId, worker, claimed } = await heldDocument('killed', 60_000)

  const repaired = await stack.queue.reconcile(100)
  t.same(repaired, { crashed: 0, takenOver: 1, redispatched: 1 })
  const item = await itemRow(documentId)
  t.match(item, { status: 'pending', attempts: 1, lockedBy: null, wakeups: 2 }, 'back to pending, the attempt still counted')
  t.ok(await stack.wakeUps.getJob(wakeUpJobId(itemId, 2)), 'a fresh wake-up is queued: the dead worker\'s job is not waited for')
  const view = await document(documentId)
  t.match(view, { status: 'pending', attempts: 1 })
  t.match(view.history, [{ attempt: 1, worker: worker.publicId, outcome: 'crashed', error: /heartbeat lost/ }])

  t.equal(await failItem(stack.pool, claimed, worker.id, { message: 'late', kind: 'permanent', code: 'internal' }), false,
    'the dead worker\'s late write is fenced off')
  t.equal(await runQueueItem(stack.runner, { id: itemId }), 'completed')
  const done = await document(documentId)
  t.match(done, { status: 'completed', attempts: 2, version: 1 })
  t.same(done.history.map((h: { outcome: string }) => h.outcome), ['crashed', 'completed'])
})

t.test('a live worker\'s item is left alone', async (t) => {
  const { documentId, worker } = await heldDocument('busy', 0)
  const repair = await stack.queue.repair(100)
  t.match(repair, { crashed: 0, takenOver: 0, heldByLiveWorkers: 1 })
  t.notOk(repair.orphaned.some((item) => item.documentId === documentId))
  t.match(await itemRow(documentId), { status: 'in_progress', attempts: 1, lockedBy: worker.id })
  t.match((await document(documentId)).history, [{ worker: worker.publicId, outcome: null }])

  const sweep = await stack.sweep(10)
  t.match(sweep, { processed: 0, takenOver: 0, heldByLiveWorkers: 1 }, 'the sweeper says why it left it')
  t.match(await itemRow(documentId), { status: 'in_progress', lockedBy: worker.id })
  await forget(documentId)
})

t.test('a live worker keeps an item it vouches for, even with its lease lapsed (a blocked event loop)', async (t) => {
  const { documentId, itemId, worker } = await heldDocument('blocked', 0, { leaseMs: 60_000 })
  const { rows: [row] } = await stack.pool.query('select held_items as "heldItems" from workers where id = $1', [worker.id])
  t.same(row.heldItems, [itemId], 'the claim itself put the item in the worker\'s heartbeat row')
  await stack.pool.query("update queue_items set locked_until = now() - interval '1 second' where id = $1", [itemId])
  t.match(await stack.queue.repair(100), { crashed: 0, takenOver: 0, heldByLiveWorkers: 1 })
  t.match(await itemRow(documentId), { status: 'in_progress', lockedBy: worker.id })
  await forget(documentId)
})

t.test('an item a live worker lost track of is taken once its lease ran out', async (t) => {
  const { documentId, worker } = await heldDocument('dropped', 0, { leaseMs: 60_000 })
  // Its next heartbeat no longer lists the item: the worker gave up on it (its finishing write failed).
  await recordHeartbeat(stack.pool, { worker, version: 'test', concurrency: 1, heldItems: [] })
  t.match(await stack.queue.repair(100), { crashed: 0, takenOver: 0 }, 'not before its lease ran out')
  await stack.pool.query("update queue_items set locked_until = now() - interval '1 second' where id = (select current_item_id from documents where id = $1)", [documentId])
  t.match(await stack.queue.repair(100), { crashed: 0, takenOver: 1 })
  t.match((await document(documentId)).history, [{ outcome: 'crashed', error: /lease expired/ }])
  t.match(await itemRow(documentId), { status: 'pending', lockedBy: null })
  await forget(documentId)
})

t.test('the sweeper alone fails a poison item whose worker died on its last attempt', async (t) => {
  const maxAttempts = stack.config.MAX_ATTEMPTS
  const { documentId } = await heldDocument('poison', 60_000, { attemptsUsed: maxAttempts - 1 })
  const sweep = await stack.sweep(10)
  t.same(sweep, { processed: 0, completed: 0, failed: 0, retrying: 0, crashed: 1, takenOver: 0, due: 0, waitingOnWakeups: 0, heldByLiveWorkers: 0 })
  const view = await document(documentId)
  t.match(view, { status: 'failed', attempts: maxAttempts, errorKind: 'crashed', errorCode: 'crashed', lastError: `the worker stopped before finishing on each of ${maxAttempts} attempts` })
  t.match(view.history, [{ attempt: maxAttempts, outcome: 'crashed' }])
  t.match(await itemRow(documentId), { status: 'failed', lockedBy: null })
})

t.test('the sweeper fails a poison item that killed an earlier sweep (no heartbeat, lease expired)', async (t) => {
  const maxAttempts = stack.config.MAX_ATTEMPTS
  const documentId = (await upload(app, key, 'kills the sweeper', { filename: 'sweeper-poison.txt' })).json().id
  const { id: itemId } = await itemRow(documentId)
  await stack.pool.query('update queue_items set attempts = $2 where id = $1', [itemId, maxAttempts - 1])
  // The sweep that claimed it died with its process: nothing renews the lease.
  t.ok(await stack.queue.markInProgress({ id: itemId }))
  await stack.pool.query("update queue_items set locked_until = now() - interval '1 second' where id = $1", [itemId])
  t.match(await stack.sweep(10), { processed: 0, crashed: 1 })
  t.match(await document(documentId), { status: 'failed', errorKind: 'crashed', attempts: maxAttempts })
})

t.test('a sweep that processes nothing says what it left and why', async (t) => {
  const waiting = (await upload(app, key, 'a wake-up is on its way for me')).json().id
  const sweep = await stack.sweep(10)
  t.same(sweep, { processed: 0, completed: 0, failed: 0, retrying: 0, crashed: 0, takenOver: 0, due: 0, waitingOnWakeups: 1, heldByLiveWorkers: 0 })
  t.equal((await itemRow(waiting)).status, 'pending', 'left to its wake-up')
  await forget(waiting)
})

t.test('dead workers\' rows are pruned once they held nothing for an hour', async (t) => {
  const gone = newWorkerIdentity('long-gone', 1)
  await recordHeartbeat(stack.pool, { worker: gone, version: 'test', concurrency: 1, heldItems: [] })
  await stack.pool.query("update workers set last_seen_at = now() - interval '2 hours' where id = $1", [gone.id])
  await stack.queue.repair(10)
  const { rows } = await stack.pool.query('select id from workers where id = $1', [gone.id])
  t.same(rows, [])
})
