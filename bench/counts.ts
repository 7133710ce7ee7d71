import { randomBytes, randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import { runMigrations } from '../src/db/migrate.js'
import { createPool, ensureDatabase, withTransaction, type Pool } from '../src/db/pool.js'
import { insertDocumentsWithItems, type NewDocumentItem } from '../src/queue/sql/enqueue-documents.js'
import { loadQueueSnapshot } from '../src/metrics/queue-snapshot.js'
import { queueStatsForTenant } from '../src/queue/sql/queue-stats.js'
import { dropDatabase } from '../test/helpers/database.js'
import { machineInfo } from './machine.js'
import { COUNTS_HEADING, writeResultsSection } from './results-file.js'
import { databaseUrl, queryOnce, redisVersion } from './stores.js'

// `npm run bench:counts`: how long a tenant's queue counts take with 10³, 10⁵ and 10⁶ documents,
// against the full count the service ran before (the anchor), on a database of its own that is
// removed at the end. The documents are loaded through the service's own insert statement, in
// batches, then most are moved to completed or failed by one update per batch (the counting
// triggers run for each), so that every count holds documents.

const serverUrl = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'
const sizes = (process.env.BENCH_COUNTS_SIZES ?? '1000,100000,1000000').split(',').map(Number)
const TENANT = 'bench'
const BATCH = 10_000
const RUNS = 21
const ANCHOR_RUNS = 3
const resultsFile = fileURLToPath(new URL('results.md', import.meta.url))

// The per-tenant count as it was before the counts were kept (a scan of every document of the
// tenant), kept here as the anchor.
const FULL_COUNT = `
  with current as (
    select d.status, q.attempts, q.error_kind, q.created_at, q.started_at
      from documents d join queue_items q on q.id = d.current_item_id
     where d.tenant = $1
  )
  select count(*) filter (where status = 'pending')::int as pending,
         count(*) filter (where status = 'in_progress')::int as "inProgress",
         count(*) filter (where status = 'completed')::int as completed,
         count(*) filter (where status = 'failed')::int as failed,
         count(*) filter (where status = 'pending' and attempts > 0)::int as retrying,
         coalesce((select json_object_agg(kind, n) from (
           select coalesce(error_kind, 'unknown') as kind, count(*)::int as n from current where status = 'failed' group by 1
         ) k), '{}') as "failedByKind",
         extract(epoch from now() - min(created_at) filter (where status = 'pending'))::float8 as "oldestPendingAgeSeconds",
         extract(epoch from now() - min(started_at) filter (where status = 'in_progress'))::float8 as "oldestInProgressAgeSeconds"
    from current`

function log (message: string): void {
  process.stdout.write(`[bench:counts] ${message}\n`)
}

function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

async function timed (runs: number, work: () => Promise<unknown>): Promise<number> {
  const ms: number[] = []
  for (let i = 0; i < runs; i++) {
    const start = performance.now()
    await work()
    ms.push(performance.now() - start)
  }
  return median(ms)
}

function newDocuments (count: number): NewDocumentItem[] {
  return Array.from({ length: count }, (_, i) => ({
    id: randomUUID(),
    itemId: randomUUID(),
    tenant: TENANT,
    filename: `doc-${i}.txt`,
    declaredType: 'text/plain',
    mediaType: 'text/plain',
    size: 10_240,
    sha256: randomBytes(32).toString('hex'),
    priority: 2,
    maxAttempts: 5,
    idempotencyKey: null
  }))
}

/** Adds `count` documents: 80% completed, 5% failed for good, 5% waiting for a retry, the rest pending. */
async function load (pool: Pool, count: number): Promise<void> {
  for (let done = 0; done < count; done += BATCH) {
    const docs = newDocuments(Math.min(BATCH, count - done))
    await withTransaction(pool, async (tx) => {
      await insertDocumentsWithItems(tx, docs)
      const ids = docs.map((doc) => doc.id)
      await tx.query(`
        with moved as (
          select id, case when n % 20 < 16 then 'completed' when n % 20 = 16 then 'failed' when n % 20 = 17 then 'retrying' else 'pending' end as state
            from unnest($1::uuid[]) with ordinality as i(id, n)
        ), q as (
          update queue_items q set status = case m.state when 'retrying' then 'pending' else m.state end,
                 attempts = case m.state when 'pending' then 0 else 1 end,
                 error_kind = case m.state when 'failed' then 'permanent' when 'retrying' then 'transient' end,
                 error_code = case m.state when 'failed' then 'corrupt' when 'retrying' then 'internal' end
            from moved m where q.document_id = m.id and m.state <> 'pending'
          returning q.document_id, q.status, q.error_kind
        )
        update documents d set status = q.status, error_kind = q.error_kind from q where d.id = q.document_id`, [ids])
    })
  }
}

const suffix = randomBytes(4).toString('hex')
const dbUrl = databaseUrl(serverUrl, `docq_bench_counts_${suffix}`)
await ensureDatabase(dbUrl)
const pool = createPool(dbUrl, { max: 2, logger: pino({ level: 'warn' }) })
try {
  await runMigrations(pool)
  const [{ version: postgresVersion }] = await queryOnce<{ version: string }>(dbUrl, "select current_setting('server_version') as version")
  const machine = await machineInfo({ postgres: postgresVersion, redis: await redisVersion(redisUrl) })
  // Another tenant's documents share the tables, as in a real deployment.
  await load(pool, 1_000)
  await pool.query("update documents set tenant = 'neighbour'")
  const rows: string[] = []
  let loaded = 0
  for (const size of sizes) {
    const started = performance.now()
    await load(pool, size - loaded)
    loaded = size
    await pool.query('vacuum analyze documents, queue_items, document_counts')
    log(`${size.toLocaleString('en')} documents loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`)
    const counts = await queueStatsForTenant(pool, TENANT)
    const total = counts.pending + counts.inProgress + counts.completed + counts.failed
    if (total !== size) throw new Error(`the counts add up to ${total}, not ${size}`)
    const kept = await timed(RUNS, async () => await queueStatsForTenant(pool, TENANT))
    // The API's /metrics reads every tenant's counts and oldest pending wait in one statement.
    const scrape = await timed(RUNS, async () => await loadQueueSnapshot(pool))
    const full = await timed(ANCHOR_RUNS, async () => await pool.query(FULL_COUNT, [TENANT]))
    log(`${size}: kept counts ${kept.toFixed(2)} ms, metrics scrape ${scrape.toFixed(2)} ms, full count ${full.toFixed(1)} ms`)
    rows.push(`| ${size.toLocaleString('en')} | ${kept.toFixed(2)} ms | ${scrape.toFixed(2)} ms | ${full.toFixed(1)} ms | ${(full / kept).toFixed(0)}× |`)
  }
  const body = [
    `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${machine.cores} cores, PostgreSQL ${postgresVersion}. One tenant's queue counts (GET /queue/stats, the query alone,`,
    `median of ${RUNS} runs) with the tenant holding N documents (80% completed, 5% failed, 5% retrying, 10% pending) beside 1,000 of another tenant,`,
    `against the full count the service ran before (median of ${ANCHOR_RUNS}); the queue gauges of a /metrics scrape (every tenant's counts and`,
    'oldest pending wait, the query alone, same median). npm run bench:counts.',
    '',
    '| documents in the tenant | kept counts | metrics scrape | full count (before) | full / kept |',
    '|---:|---:|---:|---:|---:|',
    ...rows
  ].join('\n')
  process.stdout.write(`\n${body}\n`)
  await writeResultsSection(resultsFile, COUNTS_HEADING, body)
  log('written to bench/results.md')
} finally {
  await pool.end()
  await dropDatabase(dbUrl)
}
