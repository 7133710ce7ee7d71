import t from 'tap'
import type { Runtime } from '../../src/runtime.js'
import { runQueueItem, type ItemRunnerDeps } from '../../src/workers/run-queue-item.js'
import { processDocumentQueue } from '../../src/workers/sweeper.js'
import { isolatedService, waitFor } from '../helpers/context.js'
import { upload } from '../helpers/http.js'

// Each test has a docqueue of its own: the sweeper counts every item there is, and a worker one
// test starts would take the items of the next.
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex')

async function documentRow (runtime: Runtime, id: string): Promise<{ status: string, version: number, attempts: number, itemStatus: string, words: number | undefined, itemId: string }> {
  const { rows } = await runtime.pool.query(`
    select d.status, d.version, q.attempts, q.status as "itemStatus", (d.metadata->>'words')::int as words, q.id as "itemId"
      from documents d join queue_items q on q.id = d.current_item_id where d.id = $1`, [id])
  return rows[0]
}

async function waitForStatus (rt: Runtime, id: string, status: string): Promise<void> {
  await waitFor(async () => {
    const { rows } = await rt.pool.query('select status from documents where id = $1', [id])
    return rows[0]?.status === status ? true : undefined
  }, `document ${id} to be ${status}`)
}

/** Runner dependencies whose processor counts how often extraction really ran. */
function countingDeps (rt: Runtime): { deps: ItemRunnerDeps, executions: () => number } {
  let count = 0
  const processor = {
    process: async (...args: Parameters<Runtime['processor']['process']>) => {
      count += 1
      return await rt.processor.process(...args)
    },
    warmUp: () => {},
    close: async () => {}
  }
  return { deps: { ...rt.runnerDeps, processor }, executions: () => count }
}

t.test('the sweeper finishes items whose wake-up was lost with Redis data, and counts outcomes', async (t) => {
  const { runtime, app, key, auth } = await isolatedService(t, 'pipeline')
  const good = (await upload(app, key, 'Words that will be counted by the sweeper run.')).json()
  const bad = (await upload(app, key, PNG, { filename: 'pixel.txt', contentType: 'text/plain' })).json()
  t.equal(bad.mediaType, 'image/png', 'the type comes from the bytes, not the name')
  await runtime.queue.obliterate({ force: true })

  const result = await runtime.sweep(10)
  t.same(result, { processed: 2, completed: 1, failed: 1, retrying: 0, crashed: 0, takenOver: 0, due: 2, waitingOnWakeups: 0, heldByLiveWorkers: 0 })
  t.match(await documentRow(runtime, good.id), { status: 'completed', itemStatus: 'completed', version: 1, attempts: 1, words: 9 })
  const failed = await app.inject({ method: 'GET', url: `/documents/${bad.id}`, headers: auth })
  t.match(failed.json(), { status: 'failed', errorKind: 'permanent', lastError: /unsupported media type image\/png/ })

  t.same(await runtime.sweep(10), { processed: 0, completed: 0, failed: 0, retrying: 0, crashed: 0, takenOver: 0, due: 0, waitingOnWakeups: 0, heldByLiveWorkers: 0 }, 'nothing left to do')
})

t.test('the sweeper leaves items with a live wake-up to the workers', async (t) => {
  const { runtime, app, key } = await isolatedService(t, 'pipeline')
  const doc = (await upload(app, key, 'waiting for a worker')).json()
  t.same(await runtime.sweep(10), { processed: 0, completed: 0, failed: 0, retrying: 0, crashed: 0, takenOver: 0, due: 0, waitingOnWakeups: 1, heldByLiveWorkers: 0 })
  t.equal((await documentRow(runtime, doc.id)).status, 'pending')
  await runtime.queue.obliterate({ force: true })
  t.same(await runtime.sweep(10), { processed: 1, completed: 1, failed: 0, retrying: 0, crashed: 0, takenOver: 0, due: 1, waitingOnWakeups: 0, heldByLiveWorkers: 0 })
})

t.test('the sweeper takes over an item whose worker died (lease expired)', async (t) => {
  const { runtime, app, key } = await isolatedService(t, 'pipeline')
  const doc = (await upload(app, key, 'claimed by a worker that then died')).json()
  const { itemId } = await documentRow(runtime, doc.id)
  const claimed = await runtime.queueService.markInProgress({ id: itemId })
  t.ok(claimed, 'a worker claimed it')
  t.same(await runtime.sweep(10), { processed: 0, completed: 0, failed: 0, retrying: 0, crashed: 0, takenOver: 0, due: 0, waitingOnWakeups: 0, heldByLiveWorkers: 1 }, 'a live lease is respected')
  await runtime.pool.query("update queue_items set locked_until = now() - interval '1 second' where id = $1", [itemId])
  // Its wake-up, still waiting in Redis, names the old wake-up count: the sweeper does not wait for it.
  t.same(await runtime.sweep(10), { processed: 1, completed: 1, failed: 0, retrying: 0, crashed: 0, takenOver: 1, due: 1, waitingOnWakeups: 0, heldByLiveWorkers: 0 })
  t.match(await documentRow(runtime, doc.id), { status: 'completed', attempts: 2, version: 1 })

  const lateResult = await runtime.queueService.markCompleted(claimed!, { mediaType: 'text/plain', text: 'stale', metadata: {}, chunks: [] })
  t.equal(lateResult, false, 'the dead worker’s late result is refused')
  t.equal((await documentRow(runtime, doc.id)).version, 1)
})

t.test('an item delivered twice is processed once', async (t) => {
  const { runtime, app, key } = await isolatedService(t, 'pipeline')
  const doc = (await upload(app, key, 'deliver me twice please')).json()
  const { itemId } = await documentRow(runtime, doc.id)
  const { deps, executions } = countingDeps(runtime)
  const outcomes = await Promise.all([runQueueItem(deps, { id: itemId }), runQueueItem(deps, { id: itemId })])
  t.same(outcomes.sort(), ['completed', 'skipped'])
  t.equal(executions(), 1)
  t.equal(await runQueueItem(deps, { id: itemId }), 'skipped', 'a redelivery after completion is a no-op')
  t.equal(executions(), 1)
  t.match(await documentRow(runtime, doc.id), { status: 'completed', version: 1, attempts: 1 })
})

t.test('a worker takes an upload to completed, and reprocess runs it again', async (t) => {
  const { context, runtime, app, key, auth } = await isolatedService(t, 'pipeline')
  const text = 'The quick brown fox jumps over the lazy dog.'
  const created = (await upload(app, key, text)).json()
  context.worker(runtime)
  await waitForStatus(runtime, created.id, 'completed')
  const done = (await app.inject({ method: 'GET', url: `/documents/${created.id}`, headers: auth })).json()
  t.match(done, { status: 'completed', attempts: 1, version: 1, lastError: null, metadata: { words: 9 } })
  t.ok(done.processedAt, 'processedAt set')

  const again = await app.inject({ method: 'POST', url: `/documents/${created.id}/reprocess`, headers: auth, payload: { priority: 'low' } })
  t.equal(again.statusCode, 202)
  t.match(again.json(), { id: created.id, status: 'pending', operation: 'reprocess', priority: 'low', attempts: 0 })
  await waitForStatus(runtime, created.id, 'completed')
  const redone = (await app.inject({ method: 'GET', url: `/documents/${created.id}`, headers: auth })).json()
  t.match(redone, { status: 'completed', operation: 'reprocess', version: 2 })
  const { rows } = await runtime.pool.query('select operation, status from queue_items where document_id = $1 order by created_at', [created.id])
  t.same(rows, [{ operation: 'process', status: 'completed' }, { operation: 'reprocess', status: 'completed' }])

  const stats = (await app.inject({ method: 'GET', url: '/queue/stats', headers: auth })).json()
  t.match(stats, { pending: 0, inProgress: 0, completed: 1 })
})

t.test('an upload accepted while no worker runs survives an API restart and completes once a worker starts', async (t) => {
  const { context, key, auth } = await isolatedService(t, 'pipeline')
  const firstRuntime = await context.runtime()
  const firstApp = await context.app(firstRuntime)
  const created = (await upload(firstApp, key, 'accepted before the restart')).json()
  t.equal(created.status, 'pending')
  await firstApp.close()
  await firstRuntime.close()

  const secondRuntime = await context.runtime()
  const secondApp = await context.app(secondRuntime)
  const pending = await secondApp.inject({ method: 'GET', url: `/documents/${created.id}`, headers: auth })
  t.equal(pending.json().status, 'pending')
  context.worker(secondRuntime)
  await waitForStatus(secondRuntime, created.id, 'completed')
  t.match(await documentRow(secondRuntime, created.id), { status: 'completed', version: 1, attempts: 1 })
})

t.test('two sweepers and a worker racing over 200 items complete each exactly once', async (t) => {
  const { context, runtime, app, key } = await isolatedService(t, 'pipeline')
  const ids: string[] = []
  for (let i = 0; i < 200; i++) ids.push((await upload(app, key, `race document number ${i}`)).json().id)

  // The sweepers cannot reach Redis, so every due item counts as theirs, while the worker gets a
  // wake-up for each item: all three claim the same 200 items at the same time.
  const sweeperRuntimes = await Promise.all([1, 2].map(async () => await context.runtime({ REDIS_URL: 'redis://127.0.0.1:1' })))
  const sweepers = sweeperRuntimes.map(countingDeps)
  const workerRuntime = await context.runtime()
  const workerSide = countingDeps(workerRuntime)
  const worker = context.worker({ ...workerRuntime, runnerDeps: workerSide.deps })

  const swept = await Promise.all(sweepers.map(async ({ deps }) => {
    let completed = 0
    for (;;) {
      const result = await processDocumentQueue(deps, { limit: 50 })
      completed += result.completed
      if (result.processed === 0) return completed
    }
  }))
  await waitFor(async () => {
    const { rows } = await runtime.pool.query("select count(*)::int as n from documents where id = any($1::uuid[]) and status = 'completed'", [ids])
    return rows[0].n === 200 ? true : undefined
  }, 'all 200 documents completed', 60_000)
  await worker.close(5_000)

  const executions = [...sweepers, workerSide].map((side) => side.executions())
  t.equal(executions.reduce((sum, n) => sum + n, 0), 200, `extraction ran once per item (sweepers ${executions[0]} + ${executions[1]}, worker ${executions[2]})`)
  t.equal(swept[0] + swept[1], executions[0] + executions[1], 'the sweepers report what they completed')
  const { rows } = await runtime.pool.query(`
    select count(*) filter (where d.version = 1 and q.attempts = 1 and q.status = 'completed')::int as once,
           count(*)::int as total
      from documents d join queue_items q on q.id = d.current_item_id where d.id = any($1::uuid[])`, [ids])
  t.same(rows[0], { once: 200, total: 200 })
})

t.test('DocumentQueueService.enqueue queues a finished document again and refuses a busy one', async (t) => {
  const { runtime, app, key } = await isolatedService(t, 'pipeline')
  const doc = (await upload(app, key, 'enqueue me again')).json()
  t.equal(await runtime.queueService.enqueue(doc.id, 'reprocess', 1), undefined, 'refused while pending')
  await runtime.queue.obliterate({ force: true })
  await runtime.sweep(10)
  const item = await runtime.queueService.enqueue(doc.id, 'reprocess', 1)
  t.match(item, { documentId: doc.id, operation: 'reprocess', priority: 1, status: 'pending', attempts: 0, wakeups: 0 })
  t.ok(await runtime.queue.getJob(item!.id), 'its wake-up is in Redis')
  t.match(await documentRow(runtime, doc.id), { status: 'pending', itemId: item!.id })
})
