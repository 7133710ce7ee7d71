import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import t, { type Test } from 'tap'
import { ConfigError, loadConfig } from '../../src/config.js'
import type { TestStack } from '../helpers/context.js'
import { listWorkers, type WorkerRow } from '../../src/db/workers.js'
import { isolatedService, waitFor, type TestService } from '../helpers/context.js'
import { upload } from '../helpers/http.js'

const HEARTBEAT_MS = 200
const DEAD_AFTER_MS = 2_000
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }

// A service of its own for each test: a worker one test starts would beat, and hold items, in the next.
async function service (t: Test): Promise<TestService> {
  // The worker's own reconciler repairs every 200 ms too: plenty of chances to mistake it for dead.
  return await isolatedService(t, 'heartbeat', {
    WORKER_HEARTBEAT_MS: String(HEARTBEAT_MS),
    WORKER_DEAD_AFTER_MS: String(DEAD_AFTER_MS),
    RECONCILE_INTERVAL_MS: '200'
  }, { faults: true })
}

async function ownRow (stack: TestStack): Promise<WorkerRow | undefined> {
  return (await listWorkers(stack.pool, DEAD_AFTER_MS)).find((row) => row.id === stack.identity.id)
}

async function itemOf (stack: TestStack, documentId: string): Promise<{ id: string, status: string, lockedBy: string | null }> {
  const { rows } = await stack.pool.query(`
    select q.id, q.status, q.locked_by as "lockedBy" from queue_items q join documents d on d.current_item_id = q.id where d.id = $1`, [documentId])
  return rows[0]
}

t.test('a running worker has a heartbeat row, removed when it shuts down cleanly', async (t) => {
  const { context, stack } = await service(t)
  const worker = context.worker(stack)
  const row = await waitFor(async () => await ownRow(stack), 'the worker\'s heartbeat row')
  t.match(row, {
    id: stack.identity.id,
    publicId: stack.identity.publicId,
    host: hostname(),
    pid: process.pid,
    version,
    concurrency: context.config.WORKER_CONCURRENCY,
    itemsHeld: 0,
    alive: true
  })
  const firstSeen = row.lastSeenAt.getTime()
  await waitFor(async () => ((await ownRow(stack))?.lastSeenAt.getTime() ?? 0) > firstSeen ? true : undefined, 'a later heartbeat')

  await worker.close(5_000)
  t.equal(await ownRow(stack), undefined, 'the row is gone once close() resolves')
})

t.test('a worker slow on one document keeps beating and its item is never taken', async (t) => {
  const { context, stack, app, key, auth } = await service(t)
  context.worker(stack)
  const doc = (await upload(app, key, 'a document that takes its time', { filename: 'slow.sleep6000.txt' })).json()
  const held = await waitFor(async () => {
    const row = await ownRow(stack)
    return row !== undefined && row.itemsHeld === 1 ? row : undefined
  }, 'the worker to report the item it holds')
  t.equal(held.alive, true)

  // Repair passes for as long as the document runs, beyond the death threshold.
  let passes = 0
  while ((await itemOf(stack, doc.id)).status === 'in_progress') {
    const repair = await stack.queue.repair(10)
    t.equal(repair.takenOver + repair.crashed, 0, `repair pass ${++passes} leaves the slow item alone`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  t.ok(passes > 0, `${passes} repair passes ran while it worked`)

  const done = (await app.inject({ method: 'GET', url: `/documents/${doc.id}`, headers: auth })).json()
  t.match(done, { status: 'completed', attempts: 1, version: 1 })
  t.same(done.history.map((h: { outcome: string }) => h.outcome), ['completed'], 'one attempt, never taken over')
  const ranMs = Date.parse(done.history[0].finishedAt) - Date.parse(done.history[0].startedAt)
  t.ok(ranMs > 2 * DEAD_AFTER_MS, `it ran ${ranMs} ms, more than twice the ${DEAD_AFTER_MS} ms death threshold`)
})

t.test('tenants see an opaque worker id in history; the host and pid stay in Postgres', async (t) => {
  const { context, stack, app, key, auth } = await service(t)
  context.worker(stack)
  const doc = (await upload(app, key, 'who ran me?')).json()
  const response = await waitFor(async () => {
    const reply = await app.inject({ method: 'GET', url: `/documents/${doc.id}`, headers: auth })
    return reply.json().status === 'completed' ? reply : undefined
  }, 'the document to complete')
  const [entry] = response.json().history
  t.equal(entry.worker, stack.identity.publicId, 'the same id for every attempt this worker process runs')
  t.match(entry.worker, /^[0-9a-f]{16}$/)
  t.notOk(response.body.includes(hostname()), 'no host name anywhere in the answer')
  t.notOk(response.body.includes(stack.identity.id), 'nor the full worker id')

  const { rows } = await stack.pool.query('select a.worker from queue_item_attempts a join documents d on d.current_item_id = a.item_id where d.id = $1', [doc.id])
  t.same(rows, [{ worker: `${hostname()}:${process.pid}:${stack.identity.publicId}` }], 'operators find the process in Postgres')
})

t.test('the heartbeat settings are checked, and the defaults take a dead worker\'s items back within 10 s', async (t) => {
  const defaults = loadConfig({})
  t.match(defaults, { WORKER_HEARTBEAT_MS: 1_000, WORKER_DEAD_AFTER_MS: 5_000, RECONCILE_INTERVAL_MS: 2_000 })
  t.ok(defaults.WORKER_DEAD_AFTER_MS + defaults.RECONCILE_INTERVAL_MS <= 10_000, 'silence until death, plus one reconciler tick')
  const error = t.throws(() => loadConfig({ WORKER_HEARTBEAT_MS: '1000', WORKER_DEAD_AFTER_MS: '1500' })) as Error
  t.ok(error instanceof ConfigError)
  t.match(error.message, 'WORKER_DEAD_AFTER_MS')
  t.throws(() => loadConfig({ WORKER_HEARTBEAT_MS: '10' }), ConfigError)
})
