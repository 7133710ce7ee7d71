import { randomUUID } from 'node:crypto'
import t from 'tap'
import type { FailureInfo } from '../../src/queue/document-queue-service.js'
import { TestContext } from '../helpers/context.js'
import {
  claim, DELIVERABLE, DISTANT_RETRIES, enqueueOne, newTenant, readDocument, resultOf, wakeUpState
} from '../helpers/queue-fixtures.js'

const context = TestContext.create(t)
const stack = await context.stack()
// Its retries wait in Redis as delayed wake-ups for the whole run.
const patient = await context.stack(DISTANT_RETRIES)

const transient: FailureInfo = { message: 'try again', permanent: false, code: 'internal' }

/** How many rows of each kind a document still has, items and attempts counted by item id. */
async function rowsOf (documentId: string, itemIds: string[]): Promise<Record<string, number>> {
  const { rows } = await stack.pool.query(`
    select (select count(*) from documents where id = $1)::int as documents,
           (select count(*) from document_blobs where document_id = $1)::int as blobs,
           (select count(*) from document_chunks where document_id = $1)::int as chunks,
           (select count(*) from queue_items where id = any($2::uuid[]))::int as items,
           (select count(*) from queue_item_attempts where item_id = any($2::uuid[]))::int as attempts`, [documentId, itemIds])
  return rows[0]
}

t.test('remove deletes a document with its bytes, passages, every item and attempt, and cancels the items\' current wake-ups', async (t) => {
  const tenant = newTenant()
  // The first item was released once (its current wake-up is the second), then completed.
  const document = await enqueueOne(patient, { tenant })
  t.ok(await patient.queue.release(await claim(patient, document.itemId)))
  t.ok(await patient.queue.markCompleted(await claim(patient, document.itemId), resultOf('done')))
  // The reprocess failed transiently: its current wake-up is delayed.
  const reprocess = await patient.queue.enqueue(tenant, document.id)
  if (reprocess === undefined) throw new Error('the reprocess was refused')
  t.equal(await patient.queue.markFailed(await claim(patient, reprocess.itemId), transient), 'retrying')
  const itemIds = [document.itemId, reprocess.itemId]
  t.same(await rowsOf(document.id, itemIds), { documents: 1, blobs: 1, chunks: 1, items: 2, attempts: 3 })
  t.ok(DELIVERABLE.includes(await wakeUpState(stack, document.itemId, 1)))
  t.equal(await wakeUpState(stack, reprocess.itemId, 1), 'delayed')

  t.equal(await stack.queue.remove(tenant, document.id), true)
  t.same(await rowsOf(document.id, itemIds), { documents: 0, blobs: 0, chunks: 0, items: 0, attempts: 0 })
  t.equal(await wakeUpState(stack, document.itemId, 1), 'unknown', 'the first item\'s current wake-up is cancelled')
  t.equal(await wakeUpState(stack, reprocess.itemId, 1), 'unknown', 'the reprocess\'s delayed wake-up is cancelled')
  t.match(await stack.queue.getQueueStats(tenant), { pending: 0, inProgress: 0, completed: 0, failed: 0, retrying: 0 }, 'and the tenant\'s counts')
  t.equal(await stack.queue.remove(tenant, document.id), false, 'a second removal finds nothing')
})

t.test('remove refuses another tenant\'s document and an unknown id, and changes nothing', async (t) => {
  const document = await enqueueOne(stack)
  const tenant = (await readDocument(stack.pool, document.id)).tenant
  t.equal(await stack.queue.remove(newTenant(), document.id), false, 'another tenant')
  t.equal(await stack.queue.remove(tenant, randomUUID()), false, 'an unknown id')
  t.same(await rowsOf(document.id, [document.itemId]), { documents: 1, blobs: 1, chunks: 0, items: 1, attempts: 0 })
  t.ok(DELIVERABLE.includes(await wakeUpState(stack, document.itemId, 0)), 'its wake-up stays')
})

t.test('a worker holding an item of a removed document finds its claim gone, and writes nothing', async (t) => {
  const document = await enqueueOne(stack)
  const claimed = await claim(stack, document.itemId)
  t.ok(await stack.queue.remove((await readDocument(stack.pool, document.id)).tenant, document.id))

  t.equal(await stack.queue.renewLease(claimed), false, 'its lease is not renewed')
  t.equal(await stack.queue.markCompleted(claimed, resultOf('late')), false, 'its result is refused')
  t.equal(await stack.queue.markFailed(claimed, transient), 'lost', 'its transient failure is lost')
  t.equal(await stack.queue.markFailed(claimed, { message: 'bad', permanent: true, code: 'corrupt' }), 'lost', 'its permanent failure is lost')
  t.equal(await stack.queue.release(claimed), false, 'it cannot release it')
  t.same(await rowsOf(document.id, [document.itemId]), { documents: 0, blobs: 0, chunks: 0, items: 0, attempts: 0 }, 'nothing written back')
  t.equal(await wakeUpState(stack, document.itemId, 1), 'unknown', 'no wake-up sent for it')
})

t.test('with Redis out of reach, remove still deletes; the wake-up left behind finds nothing to claim', async (t) => {
  const offline = await context.stack({ REDIS_URL: 'redis://127.0.0.1:1' })
  const document = await enqueueOne(stack)
  const tenant = (await readDocument(stack.pool, document.id)).tenant
  t.equal(await offline.queue.remove(tenant, document.id), true)
  t.same(await rowsOf(document.id, [document.itemId]), { documents: 0, blobs: 0, chunks: 0, items: 0, attempts: 0 })
  t.ok(DELIVERABLE.includes(await wakeUpState(stack, document.itemId, 0)), 'the wake-up is still in Redis')
  t.equal(await stack.queue.markInProgress({ id: document.itemId }), undefined, 'and delivers nothing')
})
