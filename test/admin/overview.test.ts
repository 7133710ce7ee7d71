import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { loadOverview } from '../../src/admin/overview/load-overview.js'
import type { Overview, Series } from '../../src/admin/overview/overview-json.js'
import { newWorkerIdentity, recordHeartbeat } from '../../src/db/workers.js'
import type { Queryable } from '../../src/db/pool.js'
import { priorityRanks } from '../../src/queue/priority.js'
import { wakeUpJobId, wakeUpOptions } from '../../src/queue/wake-ups.js'
import { TestContext, type TestStack } from '../helpers/context.js'
import { claim, completedDocument, DISTANT_RETRIES, enqueueOne, newTenant } from '../helpers/queue-fixtures.js'

// The overview read against real Postgres and Redis, its documents moved by the queue itself.
// Retries are scheduled a month away, so a retried item never becomes due while a test runs.
const context = TestContext.create(t)
const stack = await context.stack(DISTANT_RETRIES)

async function failedDocument (on: TestStack, tenant: string, permanent: boolean, code: 'corrupt' | 'timeout' | 'internal' = 'corrupt'): Promise<string> {
  const document = await enqueueOne(on, { tenant })
  await on.queue.markFailed(await claim(on, document.itemId), { message: 'it went wrong', permanent, code })
  return document.itemId
}

/** The documents of `tenants` (null: all) counted from the documents table itself. */
async function recount (db: Queryable, tenants: string[] | null): Promise<Overview['counts']> {
  const { rows: [counts] } = await db.query(`
    select count(*) filter (where status = 'pending')::int as pending,
           count(*) filter (where status = 'in_progress')::int as "inProgress",
           count(*) filter (where status = 'completed')::int as completed,
           count(*) filter (where status = 'failed')::int as failed,
           count(*) filter (where status = 'pending' and error_kind = 'transient')::int as retrying
      from documents where $1::text[] is null or tenant = any($1::text[])`, [tenants])
  const { rows: kinds } = await db.query<{ kind: string, n: number }>(`
    select error_kind as kind, count(*)::int as n from documents
     where status = 'failed' and ($1::text[] is null or tenant = any($1::text[])) group by 1`, [tenants])
  return { ...counts, failedByKind: Object.fromEntries(kinds.map(({ kind, n }) => [kind, n])) }
}

async function tenantsWithDocuments (db: Queryable, tenants: string[] | null): Promise<string[]> {
  const { rows } = await db.query<{ tenant: string }>(
    'select distinct tenant from documents where $1::text[] is null or tenant = any($1::text[]) order by tenant', [tenants])
  return rows.map((row) => row.tenant)
}

// Documents in every state, over three tenants; a fourth has had its only document deleted.
const alpha = `alpha-${randomUUID()}`
const beta = `beta-${randomUUID()}`
const gamma = `gamma-${randomUUID()}`
const delta = `delta-${randomUUID()}`
await enqueueOne(stack, { tenant: alpha })
await enqueueOne(stack, { tenant: alpha, priority: priorityRanks.high })
await completedDocument(stack, { tenant: alpha })
await failedDocument(stack, alpha, true)
await failedDocument(stack, alpha, false, 'internal')
await claim(stack, (await enqueueOne(stack, { tenant: beta })).itemId)
await failedDocument(stack, beta, true, 'timeout')
await completedDocument(stack, { tenant: beta })
const deleted = await enqueueOne(stack, { tenant: gamma })
await stack.documents.delete(gamma, deleted.id)
await enqueueOne(stack, { tenant: delta })

t.test('the counts of every tenant equal a recount of the documents', async (t) => {
  const overview = await loadOverview(stack, { tenants: null })
  t.same(overview.counts, await recount(stack.pool, null), 'the totals')
  t.same(overview.counts.failedByKind, { permanent: 1, timeout: 1 }, 'failures by kind')
  t.equal(overview.counts.retrying, 1, 'the transient failure waits for its retry')
  t.same(overview.tenants.list.map((entry) => entry.tenant), await tenantsWithDocuments(stack.pool, null), 'tenants with documents, by name')
  t.notOk(overview.tenants.list.some((entry) => entry.tenant === gamma), 'a tenant whose documents were all deleted is not listed')
  for (const entry of overview.tenants.list) t.same(entry.counts, await recount(stack.pool, [entry.tenant]), `the counts of ${entry.tenant}`)
  t.equal(overview.tenants.truncated, false)
  t.same(overview.scope, { tenants: null })
})

t.test('a scope of some tenants sees their documents and nothing shared', async (t) => {
  const scope = [alpha, gamma, `nobody-${randomUUID()}`]
  const overview = await loadOverview(stack, { tenants: scope })
  t.same(overview.counts, await recount(stack.pool, [alpha]), 'only alpha has documents in the scope')
  t.same(overview.tenants.list.map((entry) => entry.tenant), [alpha])
  t.equal(overview.counts.inProgress, 0, 'beta\'s running document is not counted')
  t.equal(overview.oldestInProgressAgeSeconds, null, 'nor its running time')
  t.equal(overview.workers, null, 'workers are shared by every tenant')
  t.equal(overview.wakeUpDrift, null, 'so is the wake-up queue')
  t.same(overview.scope, { tenants: scope })
})

t.test('the oldest waits are those of the scope', async (t) => {
  const ages = async (tenants: string[] | null): Promise<{ pending: number | null, running: number | null }> => {
    const { rows } = await stack.pool.query(`
      select (select extract(epoch from now() - min(queued_at))::float8 from documents
               where status = 'pending' and ($1::text[] is null or tenant = any($1::text[]))) as pending,
             (select extract(epoch from now() - min(q.started_at))::float8 from documents d join queue_items q on q.id = d.current_item_id
               where d.status = 'in_progress' and ($1::text[] is null or d.tenant = any($1::text[]))) as running`, [tenants])
    return rows[0]
  }
  for (const tenants of [null, [alpha], [delta], [beta]]) {
    const before = await ages(tenants)
    const overview = await loadOverview(stack, { tenants })
    const after = await ages(tenants)
    for (const [what, seen, low, high] of [
      ['pending', overview.oldestPendingAgeSeconds, before.pending, after.pending],
      ['in progress', overview.oldestInProgressAgeSeconds, before.running, after.running]
    ] as const) {
      if (low === null || high === null) {
        t.equal(seen, null, `${String(tenants)}: no ${what} document, no age`)
      } else {
        t.ok(seen !== null && seen >= low && seen <= high, `${String(tenants)}: the oldest ${what} age ${String(seen)} is between ${low} and ${high}`)
      }
    }
  }
})

/** The bucket of `series` that holds `at`, by its start. */
function bucketOf (series: Series, at: Date): Series['buckets'][number] | undefined {
  const width = series.bucketSeconds * 1000
  const start = new Date(Math.floor(at.getTime() / width) * width).toISOString()
  return series.buckets.find((bucket) => bucket.start === start)
}

function totals (series: Series): { completed: number, failed: number } {
  return series.buckets.reduce((sum, bucket) => ({ completed: sum.completed + bucket.completed, failed: sum.failed + bucket.failed }), { completed: 0, failed: 0 })
}

t.test('the series put completions and failures in the bucket where they finished', async (t) => {
  const tenant = newTenant()
  const completedNow = await completedDocument(stack, { tenant })
  await failedDocument(stack, tenant, true)
  await failedDocument(stack, tenant, false, 'internal')
  // Given back at a worker's shutdown: neither a completion nor a failure.
  t.ok(await stack.queue.release(await claim(stack, (await enqueueOne(stack, { tenant })).itemId)))
  // Finished earlier: the only thing written by hand is when.
  const placeAttempt = async (itemId: string, ago: string): Promise<Date> => {
    const { rows } = await stack.pool.query<{ finishedAt: Date }>(
      'update queue_item_attempts set finished_at = now() - $2::interval where item_id = $1 returning finished_at as "finishedAt"', [itemId, ago])
    return rows[0].finishedAt
  }
  const halfAnHourAgo = await placeAttempt((await completedDocument(stack, { tenant })).itemId, '30 minutes')
  const fiveHoursAgo = await placeAttempt(await failedDocument(stack, tenant, true), '5 hours')
  await placeAttempt((await completedDocument(stack, { tenant })).itemId, '2 days')
  const { rows: [{ finishedAt: justNow }] } = await stack.pool.query<{ finishedAt: Date }>(
    'select finished_at as "finishedAt" from queue_item_attempts where item_id = $1', [completedNow.itemId])

  const { throughput: { perMinute, perHour } } = await loadOverview(stack, { tenants: [tenant] })
  for (const [series, count] of [[perMinute, 60], [perHour, 24]] as const) {
    t.equal(series.buckets.length, count, `${count} buckets of ${series.bucketSeconds} s`)
    const starts = series.buckets.map((bucket) => Date.parse(bucket.start))
    t.ok(starts.every((start, i) => i === 0 || start - starts[i - 1] === series.bucketSeconds * 1000), 'oldest first, one after the other')
  }
  t.same(totals(perMinute), { completed: 2, failed: 2 }, 'the last hour: two completions, a permanent and a transient failure')
  t.same(totals(perHour), { completed: 2, failed: 3 }, 'the last day adds the failure of five hours ago; two days ago is in neither')
  t.equal(bucketOf(perMinute, justNow)?.completed, 1, 'the completion of just now is in its minute')
  t.match(bucketOf(perMinute, halfAnHourAgo), { completed: 1, failed: 0 }, 'the one of half an hour ago in its own')
  t.notOk(bucketOf(perMinute, fiveHoursAgo), 'five hours ago is outside the last hour')
  t.equal(bucketOf(perHour, fiveHoursAgo)?.failed, 1, 'and in its hour of the last day')
  t.equal(perMinute.buckets.at(-1)?.start, bucketOf(perMinute, new Date())?.start, 'the last bucket is the current minute')
})

t.test('wake-up drift: a due item whose wake-up is gone, wake-ups of finished and deleted items', async (t) => {
  // A database and a wake-up queue of its own, so that the drift found is exactly this test's.
  const own = await TestContext.create(t).stack()
  const orphan = await enqueueOne(own)
  t.equal(await own.wakeUps.remove(orphan.itemId), 1, 'its wake-up is removed from Redis')
  const delivered = await enqueueOne(own)
  const finished = await completedDocument(own)
  const failed = await enqueueOne(own)
  await own.queue.markFailed(await claim(own, failed.itemId), { message: 'bad bytes', permanent: true, code: 'corrupt' })
  const goneItemId = randomUUID()
  await own.wakeUps.add('wake-up', { itemId: goneItemId, documentId: randomUUID() }, wakeUpOptions(wakeUpJobId(goneItemId, 1), priorityRanks.low, 60_000))
  // The reconciler's settle time: an item due for less than a second may have its wake-up on the way.
  await sleep(1_100)

  const drift = (await loadOverview(own, { tenants: null })).wakeUpDrift
  t.ok(drift)
  t.same(drift?.dueWithoutWakeUp.sample, [orphan.itemId], 'the item without a wake-up, and not the one whose wake-up waits')
  t.equal(drift?.dueWithoutWakeUp.count, 1)
  const stale = [...drift?.wakeUpsOfFinishedItems.sample ?? []].sort((a, b) => a.item.localeCompare(b.item))
  t.same(stale, [
    { jobId: finished.itemId, itemId: finished.itemId, state: 'prioritized', item: 'completed' },
    { jobId: failed.itemId, itemId: failed.itemId, state: 'prioritized', item: 'failed' },
    { jobId: `${goneItemId}_w1`, itemId: goneItemId, state: 'delayed', item: 'gone' }
  ], 'wake-ups that will find nothing to do')
  t.equal(drift?.wakeUpsOfFinishedItems.count, 3)
  t.equal(drift?.wakeUpsOfFinishedItems.scanned, 4, 'every waiting wake-up was looked at')
  t.notOk(stale.some((job) => job.itemId === delivered.itemId), 'a pending item\'s wake-up is not drift')
})

t.test('workers are listed alive or dead by their last heartbeat', async (t) => {
  const own = await TestContext.create(t).stack({ WORKER_HEARTBEAT_MS: 100, WORKER_DEAD_AFTER_MS: 300 })
  const silent = newWorkerIdentity('host-a', 101)
  const beating = newWorkerIdentity('host-b', 202)
  await recordHeartbeat(own.pool, { worker: silent, version: '1.0.0', concurrency: 2, heldItems: [] })
  await sleep(400)
  await recordHeartbeat(own.pool, { worker: beating, version: '1.1.0', concurrency: 4, heldItems: [randomUUID(), randomUUID()] })

  const { workers, health } = await loadOverview(own, { tenants: null })
  t.same(workers?.map(({ id, host, pid, version, concurrency, itemsHeld, alive }) => ({ id, host, pid, version, concurrency, itemsHeld, alive })), [
    { id: beating.id, host: 'host-b', pid: 202, version: '1.1.0', concurrency: 4, itemsHeld: 2, alive: true },
    { id: silent.id, host: 'host-a', pid: 101, version: '1.0.0', concurrency: 2, itemsHeld: 0, alive: false }
  ], 'the most recently seen first')
  t.ok(workers?.every((worker) => Date.parse(worker.lastSeenAt) >= Date.parse(worker.startedAt)), 'times as ISO strings')
  t.same(health, { postgres: 'up', redis: 'up', warnings: [] }, 'both engines answer')
})
