import { createHash } from 'node:crypto'
import t from 'tap'
import type { QueueStats } from '../../src/queue/sql/queue-stats.js'
import { TestContext, type TestStack } from '../helpers/context.js'
import { documentsOffTheirItem } from '../helpers/mirrored-item.js'
import { seededRandom } from '../helpers/seeded-random.js'

// Several stacks, as several processes would be: each has its own pool, so their transactions
// run in different database sessions and count into different slots. Retries are due at once
// and the attempts run out quickly, so that every transition happens in a short run.
const context = TestContext.create(t, { RETRY_BASE_MS: '0', RETRY_MAX_MS: '0', MAX_ATTEMPTS: '3' })
const stacks = [await context.stack(), await context.stack()]
// Claims and never finishes: its short lease lapses, and a repair pass takes the items back.
const crasher = await context.stack({ LEASE_MS: 100 })
const tenants = ['alpha', 'beta', 'gamma']
const random = seededRandom(Number(process.env.COUNTS_SEED ?? 20261202))
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]

async function uploadOne (stack: TestStack, n: number): Promise<void> {
  // Some uploads repeat an earlier key with the same bytes: the replay must not count twice.
  const idempotencyKey = random() < 0.2 ? `key-${n % 7}` : undefined
  const bytes = Buffer.from(idempotencyKey === undefined ? `document number ${n}` : `document of ${idempotencyKey}`)
  await stack.documents.upload({
    tenant: pick(tenants),
    filename: `doc-${n}.txt`,
    declaredType: 'text/plain',
    bytes,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    priority: 1 + Math.floor(random() * 3),
    idempotencyKey
  }).catch((error: { code?: string }) => {
    // The first upload of the key was deleted between the replay's insert and its read.
    if (error.code !== 'DOCQ_DOCUMENT_NOT_FOUND') throw error
  })
}

async function documentIds (status?: string): Promise<Array<{ id: string, tenant: string, itemId: string }>> {
  const { rows } = await stacks[0].pool.query(
    'select id, tenant, current_item_id as "itemId" from documents where $1::text is null or status = $1', [status ?? null])
  return rows
}

/** One randomly chosen transition, on a randomly chosen document where it applies. */
async function transition (n: number): Promise<void> {
  const stack = pick(stacks)
  const roll = random()
  if (roll < 0.25) return await uploadOne(stack, n)
  if (roll < 0.3) {
    await stack.queue.repair(100)
    return
  }
  const pending = await documentIds('pending')
  const finished = [...await documentIds('completed'), ...await documentIds('failed')]
  if (roll < 0.4 && finished.length > 0) {
    const doc = pick(finished)
    await stack.queue.enqueue(doc.tenant, doc.id)
    return
  }
  if (roll < 0.47) {
    const all = await documentIds()
    if (all.length === 0) return
    const doc = pick(all)
    await stack.documents.delete(doc.tenant, doc.id).catch(() => {})
    return
  }
  if (pending.length === 0) return
  const doc = pick(pending)
  if (roll < 0.6) {
    await crasher.queue.markInProgress({ id: doc.itemId })
    return
  }
  const item = await stack.queue.markInProgress({ id: doc.itemId })
  if (item === undefined) return
  const ending = random()
  if (ending < 0.4) {
    await stack.queue.markCompleted(item, { mediaType: 'text/plain', text: 'done', metadata: { words: 1 }, chunks: [{ ordinal: 0, page: null, text: 'done' }] })
  } else if (ending < 0.6) {
    await stack.queue.markFailed(item, { message: 'bad bytes', permanent: true, code: 'corrupt' })
  } else if (ending < 0.7) {
    await stack.queue.markFailed(item, { message: 'too slow', permanent: true, code: 'timeout' })
  } else if (ending < 0.9) {
    await stack.queue.markFailed(item, { message: 'try again', permanent: false, code: 'internal' })
  } else {
    await stack.queue.release(item)
  }
}

/** The counts recomputed from scratch from every document's current item. */
async function recount (tenant: string): Promise<Omit<QueueStats, 'oldestPendingAgeSeconds' | 'oldestInProgressAgeSeconds'>> {
  const { rows } = await stacks[0].pool.query<{ status: string, errorKind: string | null, n: number }>(`
    select q.status, q.error_kind as "errorKind", count(*)::int as n
      from documents d join queue_items q on q.id = d.current_item_id
     where d.tenant = $1 group by 1, 2`, [tenant])
  const counts = { pending: 0, inProgress: 0, completed: 0, failed: 0, retrying: 0, failedByKind: {} as Record<string, number> }
  for (const { status, errorKind, n } of rows) {
    if (status === 'pending') {
      counts.pending += n
      if (errorKind === 'transient') counts.retrying += n
    } else if (status === 'in_progress') counts.inProgress += n
    else if (status === 'completed') counts.completed += n
    else {
      counts.failed += n
      counts.failedByKind[errorKind ?? 'none'] = (counts.failedByKind[errorKind ?? 'none'] ?? 0) + n
    }
  }
  return counts
}

t.test('counts stay exact through a random mix of every transition, run concurrently', async (t) => {
  const seen = { statuses: new Set<string>(), kinds: new Set<string>() }
  const check = async (when: string): Promise<void> => {
    t.same(await documentsOffTheirItem(stacks[0].pool), [], `${when}: every document mirrors its current item (status, when it was queued, operation, priority, error)`)
    for (const tenant of tenants) {
      const { oldestPendingAgeSeconds: _p, oldestInProgressAgeSeconds: _i, ...counts } = await pick(stacks).queue.getQueueStats(tenant)
      t.same(counts, await recount(tenant), `${when}: the counts of ${tenant} match a full recount`)
      for (const [status, value] of Object.entries(counts)) if (typeof value === 'number' && value > 0) seen.statuses.add(status)
      for (const kind of Object.keys(counts.failedByKind)) seen.kinds.add(kind)
    }
  }

  let n = 0
  for (let round = 1; round <= 60; round++) {
    // The transitions of a round run at once, racing for the same documents.
    await Promise.all(Array.from({ length: 12 }, async () => await transition(n++)))
    if (round % 6 === 0) await check(`after round ${round}`)
    // Let the crasher's leases lapse now and then, for the repair passes to take them back.
    if (round % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 150))
  }
  await new Promise((resolve) => setTimeout(resolve, 150))
  await stacks[0].queue.repair(1_000)
  await check('after the mix')

  // Whatever the mix reached, a poison document takes every count a crash can reach: in
  // progress, taken back to retrying, and failed as crashed on its last attempt.
  const bytes = Buffer.from('a poison document')
  const { document: poison } = await stacks[0].documents.upload({
    tenant: 'alpha', filename: 'poison.txt', declaredType: undefined, bytes, sha256: createHash('sha256').update(bytes).digest('hex'), priority: 2
  })
  for (let attempt = 1; attempt <= poison.maxAttempts; attempt++) {
    t.ok(await crasher.queue.markInProgress({ id: poison.itemId }), `the crasher claims attempt ${attempt}`)
    await check(`while attempt ${attempt} is held`)
    // Past the crasher's 100 ms lease: the repair pass takes the item back.
    await new Promise((resolve) => setTimeout(resolve, 150))
    await stacks[0].queue.repair(1_000)
  }
  t.match(await stacks[0].pool.query('select status, error_kind from queue_items where id = $1', [poison.itemId]), { rows: [{ status: 'failed', error_kind: 'crashed' }] })

  // And one that fails transiently on every attempt ends failed as exhausted, which the mix
  // reaches only when its races let one document through all its attempts.
  const stubborn = Buffer.from('a document that never gets through')
  const { document: flaky } = await stacks[1].documents.upload({
    tenant: 'beta', filename: 'flaky.txt', declaredType: undefined, bytes: stubborn, sha256: createHash('sha256').update(stubborn).digest('hex'), priority: 2
  })
  for (let attempt = 1; attempt <= flaky.maxAttempts; attempt++) {
    const item = await stacks[1].queue.markInProgress({ id: flaky.itemId })
    if (item === undefined) throw new Error(`attempt ${attempt} of the flaky document could not be claimed`)
    t.equal(await stacks[1].queue.markFailed(item, { message: 'try again', permanent: false, code: 'internal' }), attempt < flaky.maxAttempts ? 'retrying' : 'failed')
    await check(`after transient failure ${attempt}`)
  }
  t.match(await stacks[0].pool.query('select status, error_kind from queue_items where id = $1', [flaky.itemId]), { rows: [{ status: 'failed', error_kind: 'exhausted' }] })
  await check('at the end')

  // The mix is only a test of the counts if it reached every count.
  t.same([...seen.statuses].sort(), ['completed', 'failed', 'inProgress', 'pending', 'retrying'])
  t.same([...seen.kinds].sort(), ['crashed', 'exhausted', 'permanent', 'timeout'])
  const { rows: slots } = await stacks[0].pool.query('select count(distinct slot)::int as n from document_counts')
  t.ok(slots[0].n > 1, 'sessions count into different slots')

  // The crasher's sessions end: the repair pass folds their slots into slot 0, losing nothing.
  const { rows: crasherSessions } = await crasher.pool.query('select pg_backend_pid() as pid')
  await crasher.close()
  await stacks[0].queue.repair(100)
  const { rows: left } = await stacks[0].pool.query('select count(*)::int as n from document_counts where slot = $1', [crasherSessions[0].pid])
  t.equal(left[0].n, 0, 'an ended session\'s slots are folded')
  await check('after folding')
})

t.test('the oldest waits are null without pending or running documents, and set with them', async (t) => {
  t.same(await stacks[0].queue.getQueueStats('nobody'), {
    pending: 0, inProgress: 0, completed: 0, failed: 0, retrying: 0, failedByKind: {}, oldestPendingAgeSeconds: null, oldestInProgressAgeSeconds: null
  })
  const bytes = Buffer.from('waiting')
  const { document } = await stacks[0].documents.upload({
    tenant: 'waits', filename: 'w.txt', declaredType: undefined, bytes, sha256: createHash('sha256').update(bytes).digest('hex'), priority: 2
  })
  t.match(await stacks[0].queue.getQueueStats('waits'), { pending: 1, oldestPendingAgeSeconds: Number, oldestInProgressAgeSeconds: null })
  await stacks[0].queue.markInProgress({ id: document.itemId })
  t.match(await stacks[0].queue.getQueueStats('waits'), { pending: 0, inProgress: 1, oldestPendingAgeSeconds: null, oldestInProgressAgeSeconds: Number })
})
