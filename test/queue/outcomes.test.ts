import pg from 'pg'
import t from 'tap'
import type { DocumentResult } from '../../src/db/document-results.js'
import type { FailureInfo } from '../../src/queue/document-queue-service.js'
import { InvalidResultError } from '../../src/queue/invalid-result-error.js'
import type { ClaimedItem } from '../../src/queue/queue-item.js'
import { wakeUpJobId } from '../../src/queue/wake-ups.js'
import { TestContext } from '../helpers/context.js'
import {
  claim, DELIVERABLE, DISTANT_RETRIES, enqueueOne, readAttempts, readChunks, readDocument, readItem, resultOf, wakeUpState
} from '../helpers/queue-fixtures.js'

// Retries are due at once, so that an item can fail transiently and be claimed again right away.
const context = TestContext.create(t, { MAX_ATTEMPTS: '3', RETRY_BASE_MS: '0', RETRY_MAX_MS: '0' })
const stack = await context.stack()
// Another worker, claiming under its own id.
const rival = await context.stack()
// Its retries are never due while the tests run.
const patient = await context.stack(DISTANT_RETRIES)

const transient: FailureInfo = { message: 'the parser ran out of memory', permanent: false, code: 'internal' }
const corrupt: FailureInfo = { message: 'not a PDF after all', permanent: true, code: 'corrupt' }

const result: DocumentResult = {
  mediaType: 'text/markdown',
  text: 'Alpha beta gamma.\n\nDelta epsilon.',
  metadata: { title: 'Greek letters', words: 5 },
  chunks: [{ ordinal: 0, page: 1, text: 'Alpha beta gamma.' }, { ordinal: 1, page: 2, text: 'Delta epsilon.' }]
}

/** What Postgres holds of a claimed item and its document: compared before and after a write that must change nothing. */
async function recorded (claimed: ClaimedItem): Promise<unknown> {
  return {
    item: await readItem(stack.pool, claimed.id),
    attempts: await readAttempts(stack.pool, claimed.id),
    document: await readDocument(stack.pool, claimed.documentId),
    chunks: await readChunks(stack.pool, claimed.documentId)
  }
}

/** The error `promise` rejects with; throws when it resolves. */
async function rejection (promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a rejection')
}

t.test('markCompleted records the item, its attempt, the document\'s status and the result together', async (t) => {
  const document = await enqueueOne(stack)
  const claimed = await claim(stack, document.itemId)
  t.equal(await stack.queue.markCompleted(claimed, result), true)
  t.match(await readItem(stack.pool, claimed.id), {
    status: 'completed', attempts: 1, lockedBy: null, lockedUntil: null, lastError: null, errorKind: null, errorCode: null, finished: true
  })
  t.same(await readAttempts(stack.pool, claimed.id), [{ attempt: 1, worker: stack.queue.workerId, outcome: 'completed', error: null, finished: true }])
  t.match(await readDocument(stack.pool, document.id), {
    status: 'completed', errorKind: null, version: 1, processed: true, mediaType: 'text/markdown', text: result.text, metadata: result.metadata
  })
  t.same(await readChunks(stack.pool, document.id), result.chunks)
  const { rows } = await stack.pool.query(`
    select ordinal from document_chunks where document_id = $1 and tsv @@ to_tsquery('simple', 'epsilon')`, [document.id])
  t.same(rows, [{ ordinal: 1 }], 'the passages are searchable')
})

t.test('a later result replaces the passages of the last one: those it has again are rewritten, the others removed', async (t) => {
  const document = await enqueueOne(stack)
  t.equal(await stack.queue.markCompleted(await claim(stack, document.itemId), result), true)
  const { tenant } = await readDocument(stack.pool, document.id)
  const reprocess = async (): Promise<ClaimedItem> => {
    const queued = await stack.queue.enqueue(tenant, document.id)
    if (queued === undefined) throw new Error('the reprocess was not queued')
    return await claim(stack, queued.itemId)
  }
  const three = { ...resultOf('Zeta eta.'), chunks: ['Zeta eta.', 'Theta iota.', 'Kappa lambda.'].map((text, ordinal) => ({ ordinal, page: null, text })) }
  t.equal(await stack.queue.markCompleted(await reprocess(), three), true)
  t.same(await readChunks(stack.pool, document.id), three.chunks, 'more passages than before')
  const one = resultOf('Mu nu.')
  t.equal(await stack.queue.markCompleted(await reprocess(), one), true)
  t.same(await readChunks(stack.pool, document.id), one.chunks, 'fewer passages than before: none of the old ones is left')
  const { rows } = await stack.pool.query(`
    select ordinal from document_chunks where document_id = $1 and tsv @@ to_tsquery('simple', 'zeta | kappa | mu')`, [document.id])
  t.same(rows, [{ ordinal: 0 }], 'only the last result is searchable')
  t.match(await readDocument(stack.pool, document.id), { status: 'completed', version: 3, text: 'Mu nu.' })
})

t.test('a completion after a transient failure clears the item\'s and the document\'s last error', async (t) => {
  const document = await enqueueOne(stack)
  t.equal(await stack.queue.markFailed(await claim(stack, document.itemId), transient), 'retrying')
  t.ok(await stack.queue.markCompleted(await claim(stack, document.itemId), result))
  t.match(await readItem(stack.pool, document.itemId), { status: 'completed', attempts: 2, lastError: null, errorKind: null, errorCode: null })
  t.match(await readDocument(stack.pool, document.id), { status: 'completed', errorKind: null, version: 1 })
})

t.test('markCompleted writes nothing and answers false for a worker that does not hold the item', async (t) => {
  const claimed = await claim(stack, (await enqueueOne(stack)).itemId)
  const before = await recorded(claimed)
  t.equal(await rival.queue.markCompleted(claimed, result), false)
  t.same(await recorded(claimed), before, 'nothing written: the item still held, its attempt open, no result')
  t.equal(await stack.queue.markCompleted(claimed, result), true, 'the holder still completes it')
})

t.test('markCompleted writes nothing and answers false for an earlier attempt of the same worker', async (t) => {
  const document = await enqueueOne(stack)
  const earlier = await claim(stack, document.itemId)
  t.equal(await stack.queue.markFailed(earlier, transient), 'retrying')
  const current = await claim(stack, document.itemId)
  const before = await recorded(current)
  t.equal(await stack.queue.markCompleted(earlier, result), false)
  t.same(await recorded(current), before, 'nothing written: the item still held, its attempt open, no result')
  t.same((await readAttempts(stack.pool, document.itemId)).map((attempt) => attempt.outcome), ['retrying', null])
})

t.test('markCompleted writes nothing and answers false after the item was released', async (t) => {
  const document = await enqueueOne(stack)
  const claimed = await claim(stack, document.itemId)
  t.ok(await stack.queue.release(claimed))
  t.equal(await stack.queue.markCompleted(claimed, result), false)
  t.match(await readItem(stack.pool, document.itemId), { status: 'pending', attempts: 0 })
  t.match(await readDocument(stack.pool, document.id), { status: 'pending', version: 0, text: null })
  t.same(await readChunks(stack.pool, document.id), [])
})

for (const { code, kind } of [{ code: 'corrupt', kind: 'permanent' }, { code: 'limit_exceeded', kind: 'permanent' }, { code: 'timeout', kind: 'timeout' }] as const) {
  t.test(`a permanent failure (${code}) fails the item for good on its first attempt, as ${kind}`, async (t) => {
    const document = await enqueueOne(stack)
    const claimed = await claim(stack, document.itemId)
    t.equal(await stack.queue.markFailed(claimed, { message: `failed with ${code}`, permanent: true, code }), 'failed')
    t.match(await readItem(stack.pool, document.itemId), {
      status: 'failed', attempts: 1, errorKind: kind, errorCode: code, lastError: `failed with ${code}`, lockedBy: null, lockedUntil: null, wakeups: 0, finished: true
    })
    t.same(await readAttempts(stack.pool, document.itemId), [{ attempt: 1, worker: stack.queue.workerId, outcome: 'failed', error: `failed with ${code}`, finished: true }])
    t.match(await readDocument(stack.pool, document.id), { status: 'failed', errorKind: kind, version: 0 })
    t.equal(await wakeUpState(stack, document.itemId, 1), 'unknown', 'no wake-up for a failed item')
  })
}

t.test('a transient failure puts the item back to pending, due after a backoff, with a delayed wake-up', async (t) => {
  const document = await enqueueOne(patient)
  const claimed = await claim(patient, document.itemId)
  const before = Date.now()
  t.equal(await patient.queue.markFailed(claimed, transient), 'retrying')
  const after = Date.now()

  const item = await readItem(stack.pool, document.itemId)
  t.match(item, {
    status: 'pending',
    attempts: 1,
    wakeups: 1,
    lockedBy: null,
    lockedUntil: null,
    due: false,
    errorKind: 'transient',
    errorCode: 'internal',
    lastError: transient.message
  })
  const ceiling = DISTANT_RETRIES.RETRY_BASE_MS
  t.ok(item.runAt.getTime() >= before && item.runAt.getTime() <= after + ceiling, 'due within the first backoff ceiling')
  t.same(await readAttempts(stack.pool, document.itemId), [{ attempt: 1, worker: patient.queue.workerId, outcome: 'retrying', error: transient.message, finished: true }])
  t.match(await readDocument(stack.pool, document.id), { status: 'pending', errorKind: 'transient' })

  const wakeUp = await patient.wakeUps.getJob(wakeUpJobId(document.itemId, 1))
  t.equal(await wakeUpState(patient, document.itemId, 1), 'delayed', 'a new wake-up, named after the new count, delayed')
  t.same(wakeUp?.data, { itemId: document.itemId, documentId: document.id })
  t.ok(wakeUp !== undefined && wakeUp.timestamp + wakeUp.delay >= item.runAt.getTime(), 'it fires once the item is due, not before')
  t.ok(wakeUp !== undefined && wakeUp.delay <= ceiling + 1_000, 'and not much later')
  t.equal(await stack.queue.markInProgress({ id: document.itemId }), undefined, 'not claimable before it is due')
})

t.test('a transient failure on the last attempt fails the item for good, as exhausted', async (t) => {
  const document = await enqueueOne(stack)
  const outcomes = []
  for (let attempt = 1; attempt <= 3; attempt++) outcomes.push(await stack.queue.markFailed(await claim(stack, document.itemId), transient))
  t.same(outcomes, ['retrying', 'retrying', 'failed'])
  t.match(await readItem(stack.pool, document.itemId), {
    status: 'failed', attempts: 3, wakeups: 2, errorKind: 'exhausted', errorCode: 'internal', lastError: `${transient.message} (gave up after 3 attempts)`, lockedBy: null
  })
  t.same((await readAttempts(stack.pool, document.itemId)).map((attempt) => attempt.outcome), ['retrying', 'retrying', 'failed'])
  t.match(await readDocument(stack.pool, document.id), { status: 'failed', errorKind: 'exhausted' })
  t.equal(await wakeUpState(stack, document.itemId, 3), 'unknown', 'no wake-up after the last attempt')
})

t.test('markFailed answers lost and writes nothing for a worker that does not hold the item', async (t) => {
  const claimed = await claim(stack, (await enqueueOne(stack)).itemId)
  const before = await recorded(claimed)
  t.equal(await rival.queue.markFailed(claimed, transient), 'lost', 'a transient failure')
  t.equal(await rival.queue.markFailed(claimed, corrupt), 'lost', 'a permanent failure')
  t.same(await recorded(claimed), before, 'nothing written: the item still held, its attempt open, no result')
  t.equal(await wakeUpState(stack, claimed.id, 1), 'unknown', 'no retry wake-up')
})

t.test('markFailed answers lost and writes nothing for an earlier attempt, or after a release', async (t) => {
  const document = await enqueueOne(stack)
  const earlier = await claim(stack, document.itemId)
  t.equal(await stack.queue.markFailed(earlier, transient), 'retrying')
  const current = await claim(stack, document.itemId)
  const before = await recorded(current)
  t.equal(await stack.queue.markFailed(earlier, corrupt), 'lost', 'an earlier attempt')
  t.same(await recorded(current), before, 'nothing written: the item still held, its attempt open, no result')

  t.ok(await stack.queue.release(current))
  t.equal(await stack.queue.markFailed(current, corrupt), 'lost', 'after a release')
  t.match(await readItem(stack.pool, document.itemId), { status: 'pending', attempts: 1, errorKind: 'transient', errorCode: 'internal' })
})

t.test('release gives the attempt back, makes the item due at once and sends a new wake-up', async (t) => {
  const document = await enqueueOne(stack)
  const claimed = await claim(stack, document.itemId)
  t.equal(await stack.queue.release(claimed), true)
  t.match(await readItem(stack.pool, document.itemId), { status: 'pending', attempts: 0, wakeups: 1, due: true, lockedBy: null, lockedUntil: null })
  t.same(await readAttempts(stack.pool, document.itemId), [{ attempt: 1, worker: stack.queue.workerId, outcome: 'released', error: 'released at worker shutdown', finished: true }])
  t.equal((await readDocument(stack.pool, document.id)).status, 'pending')
  t.ok(DELIVERABLE.includes(await wakeUpState(stack, document.itemId, 1)), 'a new wake-up, deliverable at once')

  t.equal(await stack.queue.release(claimed), false, 'a second release of the same claim')
  t.equal((await readItem(stack.pool, document.itemId)).wakeups, 1)
  t.equal(await wakeUpState(stack, document.itemId, 2), 'unknown', 'and no further wake-up')

  const again = await claim(rival, document.itemId)
  t.equal(again.attempts, 1, 'the next claim is attempt 1 again')
  t.same((await readAttempts(stack.pool, document.itemId)).map((attempt) => [attempt.attempt, attempt.outcome]), [[1, 'released'], [1, null]])
})

// Results whose values Postgres's data checks refuse. toPostgresText and toPostgresJson clean
// every string, so text, metadata keys and passages cannot carry NULs or lone surrogates; what
// is left is what a check on the values themselves refuses. The item is completed before the
// result is written: finding it still in progress afterwards shows that both are one transaction.
const refusedResults = [
  {
    name: 'a passage whose index entry exceeds 1 MB',
    code: '54000',
    chunks: [{ ordinal: 0, page: null, text: Array.from({ length: 200_000 }, (_, n) => `word${n}`).join(' ') }]
  },
  {
    name: 'a page number beyond an integer',
    code: '22003',
    chunks: [{ ordinal: 0, page: 2 ** 31, text: 'the last page' }]
  }
]

for (const refused of refusedResults) {
  t.test(`a result Postgres refuses (${refused.name}) throws InvalidResultError, writes nothing, and leaves the item held`, async (t) => {
    const document = await enqueueOne(stack)
    const claimed = await claim(stack, document.itemId)
    const before = await recorded(claimed)
    const error = await rejection(stack.queue.markCompleted(claimed, { ...resultOf('refused'), chunks: refused.chunks }))
    t.type(error, InvalidResultError)
    t.match(error, { code: 'invalid_result', message: new RegExp(`^the database refused the extracted result \\(${refused.code}\\): `) })
    t.match(error.cause, { code: refused.code }, 'the refusal is its cause')
    t.same(await recorded(claimed), before, 'nothing written: the item still held, its attempt open, no result')

    t.equal(await stack.queue.markFailed(claimed, { message: error.message, permanent: true, code: 'invalid_result' }), 'failed', 'the holder can fail it for good')
    t.match(await readItem(stack.pool, claimed.id), { status: 'failed', errorKind: 'permanent', errorCode: 'invalid_result' })
  })
}

t.test('an error that is not about the result\'s values is thrown as it is, and writes nothing', async (t) => {
  const claimed = await claim(stack, (await enqueueOne(stack)).itemId)
  const twice = [{ ordinal: 0, page: null, text: 'one' }, { ordinal: 0, page: null, text: 'two' }]
  const before = await recorded(claimed)
  const error = await rejection(stack.queue.markCompleted(claimed, { ...resultOf('one two'), chunks: twice }))
  t.type(error, pg.DatabaseError, 'the driver\'s error, not an InvalidResultError')
  t.match(error, { code: '21000' }, 'two passages with one ordinal: the passage upsert cannot write one row twice')
  t.same(await recorded(claimed), before, 'nothing written: the item still held, its attempt open, no result')
})
