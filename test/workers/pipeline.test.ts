import t from 'tap'
import type { TestStack } from '../helpers/context.js'
import { runQueueItem, type RunnerHooks } from '../../src/worker/run-queue-item.js'
import { sweep } from '../../src/worker/sweep.js'
import { isolatedService, waitFor } from '../helpers/context.js'
import { upload } from '../helpers/http.js'

// Each test has a docqueue of its own: the sweeper counts every item there is, and a worker one
// test starts would take the items of the next.
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex')

async function documentRow (stack: TestStack, id: string): Promise<{ status: string, version: number, attempts: number, itemStatus: string, words: number | undefined, itemId: string }> {
  const { rows } = await stack.pool.query(`
    select d.status, d.version, q.attempts, q.status as "itemStatus", (d.metadata->>'words')::int as words, q.id as "itemId"
      from documents d join queue_items q on q.id = d.current_item_id where d.id = $1`, [id])
  return rows[0]
}

async function waitForStatus (rt: TestStack, id: string, status: string): Promise<void> {
  await waitFor(async () => {
    const { rows } = await rt.pool.query('select status from documents where id = $1', [id])
    return rows[0]?.status === status ? true : undefined
  }, `document ${id} to be ${status}`)
}

/** Runner hooks that count how often an item really went to processing after its claim. */
function countingHooks (): { hooks: RunnerHooks, executions: () => number } {
  let count = 0
  return { hooks: { beforeProcessing: async () => { count += 1 } }, executions: () => count }
}

t.test('the sweeper finishes items whose wake-up was lost with Redis data, and counts outcomes', async (t) => {
  const { stack, app, key, auth } = await isolatedService(t, 'pipeline')
  const good = (await upload(app, key, 'Words that will be counted by the sweeper run.')).json()
  const bad = (await upload(app, key, PNG, { filename: 'pixel.txt', contentType: 'text/plain' })).json()
  t.equal(bad.mediaType, 'image/png', 'the type comes from the bytes, not the name')
  await stack.wakeUps.obliterate({ force: true })

  const result = await stack.sweep(10)
  t.same(result, { processed: 2, completed: 1, failed: 1, retrying: 0, crashed: 0, takenOver: 0, due: 2, waitingOnWakeups: 0, heldByLiveWorkers: 0 })
  t.match(await documentRow(stack, good.id), { status: 'completed', itemStatus: 'completed', version: 1, attempts: 1, words: 9 })
  const failed = await app.inject({ method: 'GET', url: `/documents/${bad.id}`, headers: auth })
  t.match(failed.json(), { status: 'failed', errorKind: 'permanent', lastError: /unsupported media type image\/png/ })

  t.same(await stack.sweep(10), { processed: 0, completed: 0, failed: 0, retrying: 0, crashed: 0, takenOver: 0, due: 0, waitingOnWakeups: 0, heldByLiveWorkers: 0 }, 'nothing left to do')
})

t.test('the sweeper leaves items with a live wake-up to the workers', async (t) => {
  const { stack, app, key } = await isolatedService(t, 'pipeline')
  const doc = (await upload(app, key, 'waiting for a worker')).json()
  t.same(await stack.sweep(10), { processed: 0, completed: 0, failed: 0, retrying: 0, crashed: 0, takenOver: 0, due: 0, waitingOnWakeups: 1, heldByLiveWorkers: 0 })
  t.equal((await documentRow(stack, doc.id)).status, 'pending')
  await stack.wakeUps.obliterate({ force: true })
  t.same(await stack.sweep(10), { processed: 1, completed: 1, failed: 0, retrying: 0, crashed: 0, takenOver: 0, due: 1, waitingOnWakeups: 0, heldByLiveWorkers: 0 })
})

t.test('the sweeper takes over an item whose worker died (lease expired)', async (t) => {
  const { stack, app, key } = await isolatedService(t, 'pipeline')
  const doc = (await upload(app, key, 'claimed by a worker that then died')).json()
  const { itemId } = await documentRow(stack, doc.id)
  const claimed = await stack.queue.markInProgress({ id: itemId })
  t.ok(claimed, 'a worker claimed it')
  t.same(await stack.sweep(10), { processed: 0, completed: 0, failed: 0, retrying: 0, crashed: 0, takenOver: 0, due: 0, waitingOnWakeups: 0, heldByLiveWorkers: 1 }, 'a live lease is respected')
  await stack.pool.query("update queue_items set locked_until = now() - interval '1 second' where id = $1", [itemId])
  // Its wake-up, still waiting in Redis, names the old wake-up count: the sweeper does not wait for it.
  t.same(await stack.sweep(10), { processed: 1, completed: 1, failed: 0, retrying: 0, crashed: 0, takenOver: 1, due: 1, waitingOnWakeups: 0, heldByLiveWorkers: 0 })
  t.match(await documentRow(stack, doc.id), { status: 'completed', attempts: 2, version: 1 })

  const lateResult = await stack.queue.markCompleted(claimed!, { mediaType: 'text/plain', text: 'stale', metadata: {}, chunks: [] })
  t.equal(lateResult, false, 'the dead worker’s late result is refused')
  t.equal((await documentRow(stack, doc.id)).version, 1)
})

t.test('an item delivered twice is processed once', async (t) => {
  const { stack, app, key } = await isolatedService(t, 'pipeline')
  const doc = (await upload(app, key, 'deliver me twice please')).json()
  const { itemId } = await documentRow(stack, doc.id)
  const { hooks, executions } = countingHooks()
  const deps = { ...stack.runner, hooks }
  const outcomes = await Promise.all([runQueueItem(deps, { id: itemId }), runQueueItem(deps, { id: itemId })])
  t.same(outcomes.sort(), ['completed', 'skipped'])
  t.equal(executions(), 1)
  t.equal(await runQueueItem(deps, { id: itemId }), 'skipped', 'a redelivery after completion is a no-op')
  t.equal(executions(), 1)
  t.match(await documentRow(stack, doc.id), { status: 'completed', version: 1, attempts: 1 })
})

t.test('a worker takes an upload to completed, and reprocess runs it again', async (t) => {
  const { context, stack, app, key, auth } = await isolatedService(t, 'pipeline')
  const text = 'The quick brown fox jumps over the lazy dog.'
  const created = (await upload(app, key, text)).json()
  context.worker(stack)
  await waitForStatus(stack, created.id, 'completed')
  const done = (await app.inject({ method: 'GET', url: `/documents/${created.id}`, headers: auth })).json()
  t.match(done, { status: 'completed', attempts: 1, version: 1, lastError: null, metadata: { words: 9 } })
  t.ok(done.processedAt, 'processedAt set')

  const again = await app.inject({ method: 'POST', url: `/documents/${created.id}/reprocess`, headers: auth, payload: { priority: 'low' } })
  t.equal(again.statusCode, 202)
  t.match(again.json(), { id: created.id, status: 'pending', operation: 'reprocess', priority: 'low', attempts: 0 })
  await waitForStatus(stack, created.id, 'completed')
  const redone = (await app.inject({ method: 'GET', url: `/documents/${created.id}`, headers: auth })).json()
  t.match(redone, { status: 'completed', operation: 'reprocess', version: 2 })
  const { rows } = await stack.pool.query('select operation, status from queue_items where document_id = $1 order by created_at', [created.id])
  t.same(rows, [{ operation: 'process', status: 'completed' }, { operation: 'reprocess', status: 'completed' }])

  const stats = (await app.inject({ method: 'GET', url: '/queue/stats', headers: auth })).json()
  t.match(stats, { pending: 0, inProgress: 0, completed: 1 })
})

t.test('an upload accepted while no worker runs survives an API restart and completes once a worker starts', async (t) => {
  const { context, key, auth } = await isolatedService(t, 'pipeline')
  const firstStack = await context.stack()
  const firstApp = await context.app(firstStack)
  const created = (await upload(firstApp, key, 'accepted before the restart')).json()
  t.equal(created.status, 'pending')
  await firstApp.close()
  await firstStack.close()

  const secondStack = await context.stack()
  const secondApp = await context.app(secondStack)
  const pending = await secondApp.inject({ method: 'GET', url: `/documents/${created.id}`, headers: auth })
  t.equal(pending.json().status, 'pending')
  context.worker(secondStack)
  await waitForStatus(secondStack, created.id, 'completed')
  t.match(await documentRow(secondStack, created.id), { status: 'completed', version: 1, attempts: 1 })
})

t.test('two sweepers and a worker racing over 200 items complete each exactly once', async (t) => {
  const { context, stack, app, key } = await isolatedService(t, 'pipeline')
  const ids: string[] = []
  for (let i = 0; i < 200; i++) ids.push((await upload(app, key, `race document number ${i}`)).json().id)

  // The sweepers cannot reach Redis, so every due item counts as theirs, while the worker gets a
  // wake-up for each item: all three claim the same 200 items at the same time.
  const sweeperStacks = await Promise.all([1, 2].map(async () => await context.stack({ REDIS_URL: 'redis://127.0.0.1:1' })))
  const sweepers = sweeperStacks.map((sweeper) => ({ ...countingHooks(), runner: sweeper.runner }))
  const workerStack = await context.stack()
  const workerSide = countingHooks()
  const worker = context.worker(workerStack, workerSide.hooks)

  const swept = await Promise.all(sweepers.map(async ({ hooks, runner }) => {
    let completed = 0
    for (;;) {
      const result = await sweep({ ...runner, hooks }, { limit: 50 })
      completed += result.completed
      if (result.processed === 0) return completed
    }
  }))
  await waitFor(async () => {
    const { rows } = await stack.pool.query("select count(*)::int as n from documents where id = any($1::uuid[]) and status = 'completed'", [ids])
    return rows[0].n === 200 ? true : undefined
  }, 'all 200 documents completed', 60_000)
  await worker.close(5_000)

  const executions = [...sweepers, workerSide].map((side) => side.executions())
  t.equal(executions.reduce((sum, n) => sum + n, 0), 200, `extraction ran once per item (sweepers ${executions[0]} + ${executions[1]}, worker ${executions[2]})`)
  t.equal(swept[0] + swept[1], executions[0] + executions[1], 'the sweepers report what they completed')
  const { rows } = await stack.pool.query(`
    select count(*) filter (where d.version = 1 and q.attempts = 1 and q.status = 'completed')::int as once,
           count(*)::int as total
      from documents d join queue_items q on q.id = d.current_item_id where d.id = any($1::uuid[])`, [ids])
  t.same(rows[0], { once: 200, total: 200 })
})
