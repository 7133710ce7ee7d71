import t, { type Test } from 'tap'
import { priorityRanks } from '../../src/queue/priority.js'
import { ERROR_KIND, FAILURE_CODE, ITEM_STATUS, OPERATION } from '../../src/states.js'
import { TestContext } from '../helpers/context.js'
import { documentsOffTheirItem } from '../helpers/mirrored-item.js'
import { claim, enqueueOne, newTenant, resultOf } from '../helpers/queue-fixtures.js'

// A document carries what the admin list filters on of its current item (operation, priority,
// error kind, code, text and group; migrations 005 and 016). Each kind of transition is driven
// through the queue here, and after each one every document of the database is compared with a
// join to its current item, and the document in question with what the transition should have
// written, so that a statement that forgot a field, or a transition that did not happen, fails.
// Retries are due at once, and the attempts run out after three.
const context = TestContext.create(t, { RETRY_BASE_MS: '0', RETRY_MAX_MS: '0', MAX_ATTEMPTS: '3' })
const stack = await context.stack()
// Claims and never finishes: its short lease lapses, and a repair pass takes the item back.
const crasher = await context.stack({ LEASE_MS: 100 })
const tenant = newTenant()

interface Mirror {
  status: string
  operation: string
  priority: number
  errorKind: string | null
  errorCode: string | null
  lastError: string | null
  errorGroup: string | null
}

async function mirrorOf (documentId: string): Promise<Mirror | undefined> {
  const { rows } = await stack.pool.query<Mirror>(`
    select status, operation, priority, error_kind as "errorKind", error_code as "errorCode", last_error as "lastError", error_group as "errorGroup"
      from documents where id = $1`, [documentId])
  return rows[0]
}

const NO_ERROR = { errorKind: null, errorCode: null, lastError: null, errorGroup: null }

/** After `transition`: no document differs from its item, and this one says `expected`. */
async function expectMirror (t: Test, transition: string, documentId: string, expected: Partial<Record<keyof Mirror, unknown>>): Promise<void> {
  t.same(await documentsOffTheirItem(stack.pool), [], `${transition}: every document mirrors its current item`)
  t.match(await mirrorOf(documentId), expected, `${transition}: the document says what its item says`)
}

/** Claims the document's current item, as a worker would. */
async function claimCurrent (documentId: string, by = stack): ReturnType<typeof claim> {
  const { rows: [{ itemId }] } = await stack.pool.query<{ itemId: string }>('select current_item_id as "itemId" from documents where id = $1', [documentId])
  return await claim(by, itemId)
}

/** Lets the crasher's leases lapse and runs a repair pass, which takes its items back. */
async function repairAfterCrash (): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 150))
  await stack.queue.repair(100)
}

t.test('every transition of a document keeps its copy of the current item\'s fields', async (t) => {
  const document = await enqueueOne(stack, { tenant, priority: priorityRanks.high })
  await expectMirror(t, 'upload', document.id, { status: ITEM_STATUS.pending, operation: OPERATION.process, priority: priorityRanks.high, ...NO_ERROR })

  let item = await claimCurrent(document.id)
  await expectMirror(t, 'claim', document.id, { status: ITEM_STATUS.inProgress, ...NO_ERROR })

  t.equal(await stack.queue.markFailed(item, { message: 'connection reset after 1234 ms', permanent: false, code: FAILURE_CODE.internal }), 'retrying')
  const transient = {
    errorKind: ERROR_KIND.transient, errorCode: FAILURE_CODE.internal, lastError: 'connection reset after 1234 ms', errorGroup: 'connection reset after <n> ms'
  }
  await expectMirror(t, 'transient failure', document.id, { status: ITEM_STATUS.pending, ...transient })

  item = await claimCurrent(document.id)
  await expectMirror(t, 'claim of a retry', document.id, { status: ITEM_STATUS.inProgress, ...transient })
  t.ok(await stack.queue.release(item))
  await expectMirror(t, 'release', document.id, { status: ITEM_STATUS.pending, ...transient })

  t.ok(await stack.queue.markCompleted(await claimCurrent(document.id), resultOf('done')))
  await expectMirror(t, 'completion', document.id, { status: ITEM_STATUS.completed, operation: OPERATION.process, ...NO_ERROR })

  t.ok(await stack.queue.enqueue(tenant, document.id, { priority: priorityRanks.low }))
  await expectMirror(t, 'reprocess at another priority', document.id, {
    status: ITEM_STATUS.pending, operation: OPERATION.reprocess, priority: priorityRanks.low, ...NO_ERROR
  })

  t.equal(await stack.queue.markFailed(await claimCurrent(document.id), { message: 'xref at "a.pdf" is corrupt', permanent: true, code: FAILURE_CODE.corrupt }), 'failed')
  await expectMirror(t, 'permanent failure', document.id, {
    status: ITEM_STATUS.failed,
    operation: OPERATION.reprocess,
    errorKind: ERROR_KIND.permanent,
    errorCode: FAILURE_CODE.corrupt,
    lastError: 'xref at "a.pdf" is corrupt',
    errorGroup: 'xref at <quoted> is corrupt'
  })

  t.same(await stack.queue.retryFailed([document.id], [tenant]), [document.id])
  await expectMirror(t, 'retry by an operator', document.id, { status: ITEM_STATUS.pending, operation: OPERATION.reprocess, priority: priorityRanks.low, ...NO_ERROR })

  t.same(await stack.queue.cancelPending([document.id], [tenant]), [document.id])
  await expectMirror(t, 'cancel', document.id, {
    status: ITEM_STATUS.failed, errorKind: ERROR_KIND.cancelled, errorCode: FAILURE_CODE.cancelled, lastError: String, errorGroup: String
  })

  t.same(await stack.queue.reprocessMany([document.id], [tenant]), [document.id])
  await expectMirror(t, 'reprocess by an operator', document.id, { status: ITEM_STATUS.pending, operation: OPERATION.reprocess, priority: priorityRanks.low, ...NO_ERROR })

  await claimCurrent(document.id, crasher)
  await repairAfterCrash()
  await expectMirror(t, 'takeover from a dead worker', document.id, {
    status: ITEM_STATUS.pending,
    errorKind: ERROR_KIND.transient,
    errorCode: FAILURE_CODE.crashed,
    lastError: 'the worker stopped before finishing (lease expired)',
    errorGroup: 'the worker stopped before finishing (lease expired)'
  })

  // Two more crashes spend the three attempts: the last one fails the item for good.
  for (let crash = 2; crash <= 3; crash++) {
    await claimCurrent(document.id, crasher)
    await repairAfterCrash()
  }
  await expectMirror(t, 'abandoned on its last attempt', document.id, {
    status: ITEM_STATUS.failed,
    errorKind: ERROR_KIND.crashed,
    errorCode: FAILURE_CODE.crashed,
    lastError: 'the worker stopped before finishing on each of 3 attempts',
    errorGroup: 'the worker stopped before finishing on each of <n> attempts'
  })
})

t.test('failures that use up the attempts, and operators\' actions on many documents at once', async (t) => {
  const documents = await Promise.all([priorityRanks.high, priorityRanks.normal, priorityRanks.low].map(async (priority) => await enqueueOne(stack, { tenant, priority })))
  for (const document of documents) {
    for (let attempt = 1; attempt <= 3; attempt++) {
      await stack.queue.markFailed(await claimCurrent(document.id), { message: `timed out at page ${attempt}`, permanent: false, code: FAILURE_CODE.timeout })
    }
    await expectMirror(t, 'transient failures until the attempts ran out', document.id, {
      status: ITEM_STATUS.failed,
      errorKind: ERROR_KIND.exhausted,
      errorCode: FAILURE_CODE.timeout,
      lastError: 'timed out at page 3 (gave up after 3 attempts)',
      errorGroup: 'timed out at page <n> (gave up after <n> attempts)'
    })
  }
  const ids = documents.map((document) => document.id)

  t.same((await stack.queue.retryFailed(ids, [tenant])).sort(), [...ids].sort())
  for (const document of documents) await expectMirror(t, 'bulk retry', document.id, { status: ITEM_STATUS.pending, priority: document.priority, ...NO_ERROR })

  t.same((await stack.queue.cancelPending(ids, [tenant])).sort(), [...ids].sort())
  for (const document of documents) await expectMirror(t, 'bulk cancel', document.id, { status: ITEM_STATUS.failed, errorCode: FAILURE_CODE.cancelled })

  t.same((await stack.queue.reprocessMany(ids, [tenant])).sort(), [...ids].sort())
  for (const document of documents) {
    await expectMirror(t, 'bulk reprocess', document.id, { status: ITEM_STATUS.pending, operation: OPERATION.reprocess, priority: document.priority, ...NO_ERROR })
  }

  t.same((await stack.queue.removeMany(ids, [tenant])).sort(), [...ids].sort())
  for (const document of documents) t.equal(await mirrorOf(document.id), undefined, 'bulk delete: the document is gone')
  t.same(await documentsOffTheirItem(stack.pool), [], 'bulk delete: every document left mirrors its current item')
})
