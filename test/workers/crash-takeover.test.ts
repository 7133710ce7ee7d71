import { spawn } from 'node:child_process'
import { once } from 'node:events'
import t from 'tap'
import { listWorkers } from '../../src/db/workers.js'
import { TestContext, waitFor } from '../helpers/context.js'
import { upload } from '../helpers/http.js'

// A ten-minute lease that cannot run out during the test: only missed heartbeats can free the
// killed worker's item. Heartbeat and death threshold keep their defaults (1 s, 5 s).
const context = TestContext.create(t, { LEASE_MS: String(10 * 60_000) })
const stack = await context.stack()
const app = await context.app(stack)
const { key } = await stack.apiKeys.create('crash')
const auth = { authorization: `Bearer ${key}` }

/** A worker process with fault markers on (see test/faults/fault-worker.ts), on this test's database and queue. */
function startWorkerProcess (): ReturnType<typeof spawn> {
  const { config } = context
  const env = {
    ...process.env,
    DATABASE_URL: config.DATABASE_URL,
    REDIS_URL: config.REDIS_URL,
    QUEUE_PREFIX: config.QUEUE_PREFIX,
    LEASE_MS: String(config.LEASE_MS),
    LOG_LEVEL: 'silent'
  }
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/faults/fault-worker.ts'], { env, stdio: 'ignore' })
  context.onCleanup(async () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  return child
}

async function heldBy (documentId: string): Promise<{ itemId: string, lockedBy: string } | undefined> {
  const { rows } = await stack.pool.query(`
    select q.id as "itemId", q.locked_by as "lockedBy" from queue_items q join documents d on d.current_item_id = q.id
     where d.id = $1 and q.status = 'in_progress'`, [documentId])
  return rows[0]
}

t.test('a kill -9ed worker\'s item is taken over through its missed heartbeats, not its lease', async (t) => {
  const child = startWorkerProcess()
  const doc = (await upload(app, key, 'the text the killed worker never finished', { filename: 'victim.sleep600000.txt' })).json()
  const held = await waitFor(async () => await heldBy(doc.id), 'the worker process to claim the item', 60_000)
  const victim = await waitFor(async () => {
    const row = (await listWorkers(stack.pool, context.config.WORKER_DEAD_AFTER_MS)).find((candidate) => candidate.id === held.lockedBy)
    return row?.itemsHeld === 1 ? row : undefined
  }, 'the worker\'s heartbeat to report the item')
  t.match(victim, { pid: child.pid, alive: true }, 'the claimer is the child process, heartbeating')

  child.kill('SIGKILL')
  await once(child, 'exit')
  // The next attempt runs the same bytes without the fault marker.
  await stack.pool.query("update documents set filename = 'victim.txt' where id = $1", [doc.id])
  context.worker(stack)

  const done = await waitFor(async () => {
    const view = (await app.inject({ method: 'GET', url: `/documents/${doc.id}`, headers: auth })).json()
    return view.status === 'completed' ? view : undefined
  }, 'another worker to complete the item', 60_000)
  t.match(done, { attempts: 2, version: 1 })
  t.match(done.history, [
    { attempt: 1, worker: victim.publicId, outcome: 'crashed', error: /heartbeat lost/ },
    { attempt: 2, worker: stack.identity.publicId, outcome: 'completed' }
  ])
  const dead = (await listWorkers(stack.pool, context.config.WORKER_DEAD_AFTER_MS)).find((row) => row.id === held.lockedBy)
  t.match(dead, { alive: false }, 'the dead worker stays listed, as dead')
})

t.test('SIGTERM: the worker process exits 0 and removes its heartbeat row', async (t) => {
  const child = startWorkerProcess()
  const row = await waitFor(async () => (await listWorkers(stack.pool, context.config.WORKER_DEAD_AFTER_MS)).find((candidate) => candidate.pid === child.pid), 'the child\'s heartbeat row', 60_000)
  t.equal(row.alive, true)
  child.kill('SIGTERM')
  const [code] = await once(child, 'exit')
  t.equal(code, 0)
  const { rows } = await stack.pool.query('select id from workers where id = $1', [row.id])
  t.same(rows, [], 'the row went with it')
})
