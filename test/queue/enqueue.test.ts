import { randomUUID } from 'node:crypto'
import t, { type Test } from 'tap'
import type { DocumentRecord } from '../../src/db/documents.js'
import type { NewUpload } from '../../src/queue/document-queue-service.js'
import { priorityRanks } from '../../src/queue/priority.js'
import { wakeUpJobId } from '../../src/queue/wake-ups.js'
import { TestContext } from '../helpers/context.js'
import {
  claim, completedDocument, DELIVERABLE, enqueueOne, newTenant, newUpload, readAttempts, readChunks, readDocument,
  readItem, readItemIds, resultOf, wakeUpState
} from '../helpers/queue-fixtures.js'
import { seededRandom } from '../helpers/seeded-random.js'

// Different attempt limits per operation, so that each item shows which policy it was given.
const context = TestContext.create(t, { MAX_ATTEMPTS: '4', REPROCESS_MAX_ATTEMPTS: '2' })
const stack = await context.stack()
const random = seededRandom(20260415)

/** Bytes of every value, so that a store that mangled any byte would show. */
function binary (length: number): Buffer {
  return Buffer.from(Array.from({ length }, () => Math.floor(random() * 256)))
}

async function storedBytes (documentId: string): Promise<Buffer | undefined> {
  const { rows } = await stack.pool.query<{ bytes: Buffer }>('select bytes from document_blobs where document_id = $1', [documentId])
  return rows[0]?.bytes
}

/** Wake-ups that Redis will deliver by itself, of every item in this file's queue. */
async function liveWakeUps (): Promise<number> {
  const counts = await stack.wakeUps.getJobCounts('waiting', 'prioritized', 'delayed')
  return Object.values(counts).reduce((sum, n) => sum + n, 0)
}

/** Checks that `upload` was stored as given: its document pending with its bytes, its first item, and its wake-up. */
async function assertStored (t: Test, upload: NewUpload, document: DocumentRecord | undefined): Promise<void> {
  const { bytes, tenant, idempotencyKey: _key, ...described } = upload
  t.match(document, {
    ...described,
    status: 'pending',
    operation: 'process',
    attempts: 0,
    maxAttempts: 4,
    wakeups: 0,
    version: 0,
    lastError: null,
    errorKind: null,
    errorCode: null,
    processedAt: null,
    metadata: {}
  }, `${upload.filename}: returned as stored`)
  if (document === undefined) return
  t.match(await readDocument(stack.pool, document.id), { tenant, status: 'pending', errorKind: null, currentItemId: document.itemId, version: 0 })
  t.ok((await storedBytes(document.id))?.equals(bytes), `${upload.filename}: its bytes, every one`)
  t.match(await readItem(stack.pool, document.itemId), {
    documentId: document.id, operation: 'process', status: 'pending', priority: upload.priority, attempts: 0, maxAttempts: 4, wakeups: 0, due: true
  })
  const wakeUp = await stack.wakeUps.getJob(wakeUpJobId(document.itemId, 0))
  t.same(wakeUp?.data, { itemId: document.itemId, documentId: document.id }, `${upload.filename}: a wake-up carrying only ids`)
  t.equal(wakeUp?.opts.priority, upload.priority, `${upload.filename}: at the document's priority`)
  t.ok(DELIVERABLE.includes(await wakeUpState(stack, document.itemId, 0)), `${upload.filename}: deliverable at once`)
}

// A batch up to 1 MB goes as one statement with its bytes as parameters, a larger one as a
// transaction with a binary COPY: each subtest runs on both paths.
const paths = [
  { name: 'a small batch, in one statement', bytesEach: 64 },
  { name: 'a batch over 1 MB, by COPY', bytesEach: 600 * 1024 }
]

for (const path of paths) {
  t.test(`enqueueMany stores ${path.name}: every document, in the order given`, async (t) => {
    const tenant = newTenant()
    const uploads = [
      newUpload({ tenant, filename: 'first.pdf', bytes: binary(path.bytesEach), declaredType: 'application/pdf', mediaType: 'application/pdf', priority: priorityRanks.high }),
      newUpload({ tenant, filename: 'second.txt', bytes: binary(7), declaredType: null, priority: priorityRanks.low }),
      newUpload({ tenant, filename: 'third.md', bytes: binary(path.bytesEach), mediaType: 'text/markdown', idempotencyKey: 'third' })
    ]
    const stored = await stack.queue.enqueueMany(uploads)
    t.same(stored.map((document) => document?.filename), ['first.pdf', 'second.txt', 'third.md'], 'one result per upload, in order')
    t.equal(new Set(stored.flatMap((document) => document === undefined ? [] : [document.id, document.itemId])).size, 6, 'new ids for every document and item')
    for (const [i, upload] of uploads.entries()) await assertStored(t, upload, stored[i])
  })

  t.test(`enqueueMany skips an upload whose idempotency key its tenant used already, and stores nothing of it (${path.name})`, async (t) => {
    const tenant = newTenant()
    const first = await enqueueOne(stack, { tenant, idempotencyKey: 'order-1', filename: 'original.txt' })
    const before = await liveWakeUps()
    const uploads = [
      newUpload({ tenant, idempotencyKey: 'order-1', filename: 'replay.txt', bytes: binary(path.bytesEach) }),
      newUpload({ tenant: newTenant(), idempotencyKey: 'order-1', filename: 'other-tenant.txt', bytes: binary(path.bytesEach) }),
      newUpload({ tenant, idempotencyKey: 'order-2', filename: 'new-key.txt' }),
      newUpload({ tenant, filename: 'no-key.txt' })
    ]
    const stored = await stack.queue.enqueueMany(uploads)
    t.same(stored.map((document) => document?.filename), [undefined, 'other-tenant.txt', 'new-key.txt', 'no-key.txt'])
    for (const [i, upload] of uploads.entries()) if (stored[i] !== undefined) await assertStored(t, upload, stored[i])

    const { rows: [replay] } = await stack.pool.query(`
      select (select count(*) from documents where filename = 'replay.txt')::int as documents,
             (select count(*) from document_blobs where bytes = $1)::int as blobs,
             (select count(*) from queue_items q join documents d on d.id = q.document_id where d.tenant = $2)::int as "tenantItems"`,
    [uploads[0].bytes, tenant])
    t.same(replay, { documents: 0, blobs: 0, tenantItems: 3 }, 'no row, bytes or item of the replay')
    t.match(await readDocument(stack.pool, first.id), { status: 'pending', currentItemId: first.itemId }, 'the first document is untouched')
    t.equal(await liveWakeUps() - before, 3, 'one wake-up per stored item, none for the replay')
  })
}

t.test('enqueueMany stores one of two uploads that share a new idempotency key in the same batch', async (t) => {
  const tenant = newTenant()
  const before = await liveWakeUps()
  const stored = await stack.queue.enqueueMany([
    newUpload({ tenant, idempotencyKey: 'twice', filename: 'one.txt' }),
    newUpload({ tenant, idempotencyKey: 'twice', filename: 'two.txt' })
  ])
  t.equal(stored.filter((document) => document !== undefined).length, 1, 'one document, the other undefined')
  const { rows } = await stack.pool.query('select count(*)::int as n from documents where tenant = $1', [tenant])
  t.equal(rows[0].n, 1)
  t.equal(await liveWakeUps() - before, 1)
})

t.test('enqueueMany with no uploads answers an empty list and stores nothing', async (t) => {
  t.same(await stack.queue.enqueueMany([]), [])
})

t.test('enqueue refuses a document that is pending or in progress, and changes nothing', async (t) => {
  const document = await enqueueOne(stack)
  const tenant = (await readDocument(stack.pool, document.id)).tenant
  t.equal(await stack.queue.enqueue(tenant, document.id), undefined, 'refused while pending')
  t.match(await readDocument(stack.pool, document.id), { status: 'pending', currentItemId: document.itemId })

  await claim(stack, document.itemId)
  t.equal(await stack.queue.enqueue(tenant, document.id, { priority: priorityRanks.high }), undefined, 'refused while in progress')
  t.match(await readDocument(stack.pool, document.id), { status: 'in_progress', currentItemId: document.itemId })
  t.same(await readItemIds(stack.pool, document.id), [document.itemId], 'no second item')
})

t.test('enqueue refuses another tenant\'s document and an unknown id', async (t) => {
  const document = await completedDocument(stack)
  t.equal(await stack.queue.enqueue(newTenant(), document.id), undefined, 'another tenant')
  t.equal(await stack.queue.enqueue((await readDocument(stack.pool, document.id)).tenant, randomUUID()), undefined, 'an unknown id')
  t.match(await readDocument(stack.pool, document.id), { status: 'completed', currentItemId: document.itemId })
  t.same(await readItemIds(stack.pool, document.id), [document.itemId], 'no second item')
})

t.test('a reprocess makes a new pending item current, keeps the finished item and the last result, and sends its wake-up', async (t) => {
  const tenant = newTenant()
  const result = { ...resultOf('the words of the first result'), metadata: { title: 'First', words: 6 } }
  const document = await completedDocument(stack, { tenant, priority: priorityRanks.low }, result)
  const finished = await readItem(stack.pool, document.itemId)

  const queued = await stack.queue.enqueue(tenant, document.id)
  t.match(queued, {
    id: document.id,
    status: 'pending',
    operation: 'reprocess',
    priority: priorityRanks.low,
    attempts: 0,
    maxAttempts: 2,
    wakeups: 0,
    errorKind: null,
    version: 1,
    metadata: { title: 'First' }
  })
  if (queued === undefined) return
  t.not(queued.itemId, document.itemId, 'a new item')
  const item = await readItem(stack.pool, queued.itemId)
  t.match(item, { documentId: document.id, operation: 'reprocess', status: 'pending', priority: priorityRanks.low, attempts: 0, maxAttempts: 2, due: true })
  const row = await readDocument(stack.pool, document.id)
  t.match(row, { status: 'pending', errorKind: null, currentItemId: queued.itemId, version: 1, text: 'the words of the first result', metadata: { title: 'First' } },
    'the document is pending, its last result still readable')
  t.same(row.queuedAt, item.createdAt, 'queued when its new item was')
  t.same(await readChunks(stack.pool, document.id), [{ ordinal: 0, page: null, text: 'the words of the first result' }], 'its passages kept')
  t.same(await readItem(stack.pool, document.itemId), finished, 'the finished item is left as it was')
  t.same((await readAttempts(stack.pool, document.itemId)).map((attempt) => attempt.outcome), ['completed'])

  const wakeUp = await stack.wakeUps.getJob(wakeUpJobId(queued.itemId, 0))
  t.same(wakeUp?.data, { itemId: queued.itemId, documentId: document.id })
  t.equal(wakeUp?.opts.priority, priorityRanks.low)
  t.ok(DELIVERABLE.includes(await wakeUpState(stack, queued.itemId, 0)))
})

t.test('after a reprocess, getAttempts lists the attempts at both items, oldest first', async (t) => {
  const tenant = newTenant()
  const document = await completedDocument(stack, { tenant })
  const queued = await stack.queue.enqueue(tenant, document.id)
  if (queued === undefined) throw new Error('the reprocess was refused')
  await claim(stack, queued.itemId)
  const worker = { worker: stack.queue.workerId, workerPublicId: stack.identity.publicId }
  const attempts = await stack.queue.getAttempts(document.id)
  t.equal(attempts.length, 2)
  t.match(attempts, [
    { operation: 'process', attempt: 1, ...worker, outcome: 'completed', finishedAt: Date, error: null },
    { operation: 'reprocess', attempt: 1, ...worker, outcome: null, finishedAt: null, error: null }
  ])
})

t.test('a reprocess takes the priority it is given, or else its last item\'s', async (t) => {
  const tenant = newTenant()
  const document = await completedDocument(stack, { tenant, priority: priorityRanks.low })
  const urgent = await stack.queue.enqueue(tenant, document.id, { priority: priorityRanks.high })
  t.match(urgent, { priority: priorityRanks.high })
  if (urgent === undefined) return
  t.equal((await readItem(stack.pool, urgent.itemId)).priority, priorityRanks.high)
  t.equal((await stack.wakeUps.getJob(urgent.itemId))?.opts.priority, priorityRanks.high)

  t.ok(await stack.queue.markCompleted(await claim(stack, urgent.itemId), resultOf('the second result')))
  const again = await stack.queue.enqueue(tenant, document.id)
  t.match(again, { priority: priorityRanks.high }, 'the last item\'s priority, not the upload\'s')
  if (again === undefined) return
  t.equal((await readItem(stack.pool, again.itemId)).priority, priorityRanks.high)
})

t.test('a failed document can be reprocessed: its error kind is cleared, its failed item kept', async (t) => {
  const tenant = newTenant()
  const document = await enqueueOne(stack, { tenant })
  t.equal(await stack.queue.markFailed(await claim(stack, document.itemId), { message: 'not a text file', permanent: true, code: 'corrupt' }), 'failed')
  t.match(await readDocument(stack.pool, document.id), { status: 'failed', errorKind: 'permanent' })

  const queued = await stack.queue.enqueue(tenant, document.id)
  t.match(queued, { status: 'pending', operation: 'reprocess', errorKind: null, errorCode: null, lastError: null })
  t.match(await readDocument(stack.pool, document.id), { status: 'pending', errorKind: null, currentItemId: queued?.itemId })
  t.match(await readItem(stack.pool, document.itemId), { status: 'failed', errorKind: 'permanent', errorCode: 'corrupt', lastError: 'not a text file' })
})

t.test('of two reprocesses racing for one document, exactly one is queued', async (t) => {
  const tenant = newTenant()
  const document = await completedDocument(stack, { tenant })
  const racing = await Promise.all([stack.queue.enqueue(tenant, document.id), stack.queue.enqueue(tenant, document.id)])
  const queued = racing.filter((record) => record !== undefined)
  t.equal(queued.length, 1, 'one queued, the other refused')
  t.same(await readItemIds(stack.pool, document.id), [document.itemId, queued[0]?.itemId])
  t.equal((await readDocument(stack.pool, document.id)).currentItemId, queued[0]?.itemId)
})
