import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { dropDatabase } from '../test/helpers/database.js'
import { BenchChild, freePort, runScript } from './child-process.js'
import { renderProfile, summarizeProfiles } from './cpu-profile.js'
import { backgroundLoad, cpuCores, cpuSnapshot } from './cpu-usage.js'
import { assertRunning, startOnHeldQueue, workerTrees } from './queue-gate.js'
import { machineInfo } from './machine.js'
import { NAIVE_QUEUE_NAME } from './naive-pipeline.js'
import { sectionsNotIn } from './results-file.js'
import { renderExtraction, renderReport, type BenchSettings, type DrainPhase, type ExtractionStats, type PipelineResults, type UploadPhase } from './report.js'
import { multipartFile, sampleText } from './sample-text.js'
import { databaseUrl, queryOnce, redisVersion, waitingJobs } from './stores.js'
import { deleteRedisKeys } from '../test/helpers/redis-keys.js'
import { runUploadLoad, type UploadStats } from './upload-load.js'
import { ensureDatabase } from '../src/db/pool.js'

// `npm run bench`: docqueue's upload path and worker drain, side by side with a naive pipeline
// (naive-pipeline.ts), on a database and a BullMQ prefix of their own that are removed at the end.
// `npm run bench -- --scale` measures reads at 10^6 documents instead (scale/run-scale.ts).

if (process.argv.includes('--scale')) {
  await import('./scale/run-scale.js')
  process.exit()
}

const repoRoot = fileURLToPath(new URL('..', import.meta.url))
const resultsFile = fileURLToPath(new URL('results.md', import.meta.url))
const PROFILES_HEADING = 'CPU profiles'

/** bench/extraction.ts in a process of its own, so that the memory it reports is extraction's alone. */
async function measureExtraction (): Promise<ExtractionStats> {
  return JSON.parse(await runScript('bench/extraction.ts', [], { cwd: repoRoot, env: {} })) as ExtractionStats
}

// `npm run bench -- --extraction` runs only the extraction part (no database, Redis or API)
// and prints its table without touching results.md.
if (process.argv.includes('--extraction')) {
  process.stdout.write(renderExtraction(await measureExtraction()))
  process.exit(0)
}

function positiveInteger (env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const raw = env[key]
  if (raw === undefined || raw === '') return fallback
  return positive(key, raw)
}

function positive (key: string, raw: string): number {
  const value = Number(raw)
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${key} must be a positive integer, got "${raw}"`)
  return value
}

/** Worker process counts to drain with, one drain each: `1,2,4`. */
function workerCounts (env: NodeJS.ProcessEnv): number[] {
  const raw = env.BENCH_WORKERS ?? ''
  const counts = raw === '' ? [1] : raw.split(',').map((part) => positive('BENCH_WORKERS', part.trim()))
  // The upload run's backlog is drained once; every further drain needs a fresh batch.
  if (counts.length > 1 && env.BENCH_DOCS === 'backlog') throw new Error('BENCH_WORKERS with several counts needs BENCH_DOCS to be a number')
  return counts
}

const settings: BenchSettings = {
  seconds: positiveInteger(process.env, 'BENCH_SECONDS', 15),
  warmupSeconds: positiveInteger(process.env, 'BENCH_WARMUP_SECONDS', 3),
  connections: positiveInteger(process.env, 'BENCH_CONNECTIONS', 50),
  fileBytes: positiveInteger(process.env, 'BENCH_FILE_BYTES', 10 * 1024),
  docs: process.env.BENCH_DOCS === 'backlog' ? 'backlog' : positiveInteger(process.env, 'BENCH_DOCS', 2000),
  workers: workerCounts(process.env),
  concurrency: positiveInteger(process.env, 'BENCH_WORKER_CONCURRENCY', 4)
}
const quietWaitMs = Number(process.env.BENCH_QUIET_WAIT_SECONDS ?? 0) * 1000
const withNaive = process.env.BENCH_NAIVE !== '0'
// Profiles the APIs and workers with V8's sampler; it slows them, so the rates drop.
const profileDir = process.env.BENCH_CPU_PROFILE === '1' ? await mkdtemp(join(tmpdir(), 'docq-bench-profile-')) : undefined
const profiles: string[] = []
const drainTimeoutMs = positiveInteger(process.env, 'BENCH_DRAIN_TIMEOUT_SECONDS', 120) * 1000
const serverUrl = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'

const suffix = randomBytes(4).toString('hex')
const dbName = `docq_bench_${suffix}`
const dbUrl = databaseUrl(serverUrl, dbName)
const prefix = `dqbench-${suffix}`
const childEnv = {
  DATABASE_URL: dbUrl,
  REDIS_URL: redisUrl,
  QUEUE_PREFIX: prefix,
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  RATE_LIMIT_PER_MINUTE: '0',
  SHUTDOWN_GRACE_MS: '5000'
}

const children = new Set<BenchChild>()
let pool: pg.Pool | undefined
let cleaningUp: Promise<void> | undefined

function log (message: string): void {
  process.stdout.write(`[bench] ${message}\n`)
}

function start (name: string, script: string, env: Record<string, string> = {}, profileAs?: string): BenchChild {
  // After a signal the cleanup may already have stopped the children; a new one would be orphaned.
  if (cleaningUp !== undefined) throw new Error(`not starting ${name}: the bench is stopping`)
  const nodeArgs = profileDir === undefined || profileAs === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, profileAs)}`]
  const child = new BenchChild(name, script, { cwd: repoRoot, env: { ...childEnv, ...env }, nodeArgs })
  children.add(child)
  return child
}

async function stop (child: BenchChild): Promise<void> {
  await child.stop()
  children.delete(child)
}

async function query<T extends pg.QueryResultRow> (sql: string): Promise<T[]> {
  if (pool === undefined) throw new Error('the bench pool is not open')
  return (await pool.query<T>(sql)).rows
}

async function count (sql: string): Promise<number> {
  return (await query<{ n: number }>(sql))[0].n
}

/** Our database's backends and the server's background processes; not other databases' sessions. */
async function postgresPids (): Promise<number[]> {
  const rows = await query<{ pid: number }>(
    "select pid from pg_stat_activity where datname = current_database() or backend_type <> 'client backend'")
  return rows.map((row) => row.pid)
}

/** Flushes dirty pages now, so a checkpoint from the previous phase does not land in the next one. */
async function checkpoint (): Promise<void> {
  await pool?.query('checkpoint').catch(() => {})
}

function describe (stats: UploadStats): string {
  const l = stats.latencyMs
  return `${stats.okPerSecond.toFixed(0)} uploads/s, p50 ${l.p50} ms, p97.5 ${l.p97_5} ms, p99 ${l.p99} ms, ` +
    `non-2xx ${stats.non2xx}, errors ${stats.errors}`
}

/**
 * Warm-up, then the measured run, on an API that is already up. The rows are counted after
 * the run: every answered upload was committed before its answer.
 */
async function uploadPhase (name: string, api: BenchChild, url: string, headers: Record<string, string>, rowsSql: string): Promise<UploadPhase> {
  const body = multipartFile({ filename: 'quarterly-notes.txt', contentType: 'text/plain', content: Buffer.from(sampleText(settings.fileBytes)) })
  log(`${name}: warm-up ${settings.warmupSeconds} s`)
  const warmup = await runUploadLoad({ url, body, headers, connections: settings.connections, seconds: settings.warmupSeconds })
  await checkpoint()
  log(`${name}: measuring ${settings.seconds} s at ${settings.connections} connections`)
  const before = await cpuSnapshot()
  const stats = await runUploadLoad({ url, body, headers, connections: settings.connections, seconds: settings.seconds })
  const postgres = await postgresPids()
  const after = await cpuSnapshot()
  log(`${name}: ${describe(stats)}`)
  // Requests cut off when the load stopped may still be finishing in the API.
  await sleep(500)
  const rows = await count(rowsSql)
  const cutOff = warmup.sent - warmup.ok - warmup.non2xx + stats.sent - stats.ok - stats.non2xx
  log(`${name}: ${rows} rows written, ${warmup.ok + stats.ok} uploads answered 2xx (warm-up ${warmup.ok} + run ${stats.ok}), ${cutOff} cut off in flight`)
  return {
    stats,
    warmupOk: warmup.ok,
    rows,
    cutOff,
    apiPeakRssBytes: await api.peakRssBytes(),
    cpu: cpuCores(before, after, { api: [api.pid], postgres, redis: 'redis-server', load: [process.pid] })
  }
}

/** Replaces the upload run's backlog with a fresh batch of `docs` documents, uploaded through the API. */
async function freshBatch (name: string, url: string, headers: Record<string, string>, truncateSql: string, queueName: string, docs: number): Promise<void> {
  await pool?.query(truncateSql)
  await deleteRedisKeys(redisUrl, `${prefix}:${queueName}:*`)
  await checkpoint()
  const body = multipartFile({ filename: 'quarterly-notes.txt', contentType: 'text/plain', content: Buffer.from(sampleText(settings.fileBytes, 7)) })
  const stats = await runUploadLoad({ url, body, headers, connections: Math.min(settings.connections, docs), amount: docs })
  if (stats.ok !== docs) throw new Error(`${name}: uploading the batch gave ${stats.ok} of ${docs} 2xx answers (${JSON.stringify(stats.statusCodes)})`)
  log(`${name}: uploaded a fresh batch of ${docs} documents`)
}

/**
 * Starts the workers on a backlog that is waiting in Postgres and BullMQ, with the queue held
 * paused until they are idle (code and parsers loaded, extraction processes started), then
 * releases it and times the drain: the rate and CPU of workers that have finished starting,
 * as a long-running deployment has them. `table` has a `status` column; `spanSql` gives the
 * counts, the span from first to last completion in seconds, and (docqueue only) the per-item
 * time percentiles.
 */
async function drainPhase (name: string, script: string, processes: number, queueName: string, table: string, spanSql: string, profileAs?: string): Promise<DrainPhase> {
  const docs = await count(`select count(*)::int as n from ${table}`)
  await checkpoint()
  log(`${name}: starting ${processes} worker process(es) × concurrency ${settings.concurrency} on a held queue`)
  const { workers, spawned, released: before } = await startOnHeldQueue({ redisUrl, prefix, name: queueName }, () =>
    Array.from({ length: processes }, (_, i) => start(`${name} worker ${i + 1}`, script, { WORKER_CONCURRENCY: String(settings.concurrency) }, profileAs)))
  log(`${name}: draining ${docs} documents`)
  // A worker's extraction processes are its children: their CPU is the worker's.
  const startCpuSeconds = (cpuCores(spawned, before, { workers: workerTrees(workers) }).workers ?? 0) * (before.at - spawned.at) / 1000
  const deadline = Date.now() + drainTimeoutMs
  let done = 0
  while (done < docs) {
    if (Date.now() > deadline) throw new Error(`${name}: only ${done} of ${docs} documents finished within ${drainTimeoutMs / 1000} s:\n${workers[0].output()}`)
    assertRunning(workers)
    await sleep(100)
    done = await count(`select count(*)::int as n from ${table} where status in ('completed', 'failed')`)
  }
  const postgres = await postgresPids()
  const after = await cpuSnapshot()
  const workerPeakRssBytes = await Promise.all(workers.map(async (worker) => await worker.peakRssBytes()))
  const cpu = cpuCores(before, after, { workers: workerTrees(workers), postgres, redis: 'redis-server' })
  const wallSeconds = (after.at - before.at) / 1000
  await Promise.all(workers.map(stop))

  const [{ completed, failed, span, p50, p99 }] = await query<{ completed: number, failed: number, span: number, p50: number | null, p99: number | null }>(spanSql)
  const drain: DrainPhase = {
    processes,
    docs,
    completed,
    failed,
    wallSeconds,
    drainSeconds: span,
    docsPerSecond: span > 0 ? (completed + failed - 1) / span : Number.NaN,
    workerPeakRssBytes,
    cpu,
    workerStart: { seconds: (before.at - spawned.at) / 1000, cpuSeconds: startCpuSeconds },
    ...(p50 === null || p99 === null ? {} : { itemMs: { p50, p99 } })
  }
  log(`${name}: ${completed} completed, ${failed} failed; ${drain.docsPerSecond.toFixed(0)} docs/s first to last completion, ` +
    `${wallSeconds.toFixed(1)} s from release to drained`)
  return drain
}

/** An API process of a pipeline, up and answering. */
interface RunningApi { child: BenchChild, base: string }

async function startApi (name: string, script: string, profileAs: string): Promise<RunningApi> {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const child = start(name, script, { PORT: String(port) }, profileAs)
  await child.waitForHttp(`${base}/readyz`)
  return { child, base }
}

/** How one pipeline's drains are set up: its API, its tables, its worker. */
interface DrainSetup {
  name: string
  apiName: string
  apiScript: string
  apiProfileAs: string
  headers: Record<string, string>
  truncateSql: string
  queueName: string
  workerScript: string
  table: string
  spanSql: string
  workerProfileAs: string
}

/**
 * One drain per worker process count in BENCH_WORKERS, each of a fresh batch uploaded through
 * the API (or the upload run's backlog), with the API stopped while the workers drain. `api` is
 * the API of the upload run, still up.
 */
async function drainRounds (setup: DrainSetup, uploadApi: RunningApi): Promise<DrainPhase[]> {
  const drains: DrainPhase[] = []
  let api: RunningApi | undefined = uploadApi
  for (const processes of settings.workers) {
    api ??= await startApi(setup.apiName, setup.apiScript, setup.apiProfileAs)
    if (settings.docs !== 'backlog') {
      await freshBatch(setup.name, `${api.base}/documents`, setup.headers, setup.truncateSql, setup.queueName, settings.docs)
    }
    await stop(api.child)
    api = undefined
    drains.push(await drainPhase(setup.name, setup.workerScript, processes, setup.queueName, setup.table, setup.spanSql, setup.workerProfileAs))
  }
  return drains
}

async function benchDocqueue (apiKey: string): Promise<PipelineResults> {
  const api = await startApi('docqueue API', 'src/bin/api.ts', 'api')
  const headers = { authorization: `Bearer ${apiKey}` }
  const uploadStartedMicros = monotonicMicros()
  const upload = await uploadPhase('docqueue', api.child, `${api.base}/documents`, headers, 'select count(*)::int as n from documents')
  upload.dispatched = await waitingJobs(redisUrl, prefix, 'documents')
  const drains = await drainRounds({
    name: 'docqueue',
    apiName: 'docqueue API',
    apiScript: 'src/bin/api.ts',
    apiProfileAs: 'api',
    headers,
    truncateSql: 'truncate documents cascade',
    queueName: 'documents',
    workerScript: 'src/bin/worker.ts',
    table: 'documents',
    spanSql: `select count(*) filter (where status = 'completed')::int as completed,
            count(*) filter (where status = 'failed')::int as failed,
            extract(epoch from max(finished_at) - min(finished_at))::float8 as span,
            (percentile_cont(0.5) within group (order by extract(epoch from finished_at - started_at)) * 1000)::float8 as p50,
            (percentile_cont(0.99) within group (order by extract(epoch from finished_at - started_at)) * 1000)::float8 as p99
       from queue_items`,
    workerProfileAs: 'worker'
  }, api)
  await collectProfiles('api', 'docqueue API from warm-up on', uploadStartedMicros)
  await collectProfiles('worker', 'docqueue worker process(es) from spawn to drained, all drains')
  return { upload, drains }
}

/** Summarises the profiles that the processes started as `role` wrote when they stopped. */
async function collectProfiles (role: string, title: string, fromMicros = 0): Promise<void> {
  if (profileDir === undefined) return
  const { main, others } = await summarizeProfiles(join(profileDir, role), fromMicros)
  profiles.push(renderProfile(`${title}, main thread`, main))
  if (others.threads > 0) profiles.push(renderProfile(`${title}, other threads`, others))
}

/** Now, on the monotonic clock that V8 stamps profile samples with. */
function monotonicMicros (): number {
  return Number(process.hrtime.bigint() / 1000n)
}

async function benchNaive (): Promise<PipelineResults> {
  const api = await startApi('naive app', 'bench/naive-app.ts', 'naive-api')
  const uploadStartedMicros = monotonicMicros()
  const upload = await uploadPhase('naive', api.child, `${api.base}/documents`, {}, 'select count(*)::int as n from naive_documents')
  const drains = await drainRounds({
    name: 'naive',
    apiName: 'naive app',
    apiScript: 'bench/naive-app.ts',
    apiProfileAs: 'naive-api',
    headers: {},
    truncateSql: 'truncate naive_documents cascade',
    queueName: NAIVE_QUEUE_NAME,
    workerScript: 'bench/naive-worker.ts',
    table: 'naive_documents',
    spanSql: `select count(*) filter (where status = 'completed')::int as completed, 0 as failed,
            extract(epoch from max(processed_at) - min(processed_at))::float8 as span, null as p50, null as p99
       from naive_documents`,
    workerProfileAs: 'naive-worker'
  }, api)
  await collectProfiles('naive-api', 'naive app from warm-up on', uploadStartedMicros)
  await collectProfiles('naive-worker', 'naive worker(s) from spawn to drained, all drains')
  return { upload, drains }
}

async function cleanup (): Promise<void> {
  // Each step runs even when an earlier one fails, so nothing is left behind.
  const openPool = pool
  pool = undefined
  const steps: Array<[string, () => Promise<unknown>]> = [
    ['stop child processes', async () => await Promise.all([...children].map(stop))],
    ['close the bench pool', async () => await openPool?.end()],
    [`drop database ${dbName}`, async () => await dropDatabase(dbUrl)],
    [`delete Redis keys ${prefix}:*`, async () => await deleteRedisKeys(redisUrl, `${prefix}:*`)]
  ]
  for (const [what, step] of steps) {
    await step().catch((error: Error) => { process.stderr.write(`[bench] cleanup: ${what} failed: ${error.message}\n`) })
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`)
    cleaningUp ??= cleanup()
    cleaningUp.finally(() => process.exit(130))
  })
}

try {
  log(`database ${dbName}, queue prefix ${prefix}`)
  // Created as `npm start` would on its first run; the keys CLI then migrates it.
  await ensureDatabase(dbUrl)
  const keyOutput = await runScript('src/bin/keys.ts', ['create', '--tenant', 'bench'], { cwd: repoRoot, env: { DATABASE_URL: dbUrl } })
  const apiKey = keyOutput.trim().split('\n').at(-1) ?? ''
  if (!apiKey.startsWith('dq_')) throw new Error(`the keys CLI did not print a key:\n${keyOutput}`)
  pool = new pg.Pool({ connectionString: dbUrl, max: 2 })
  // An idle connection dropped by the server must not crash the bench before it cleans up.
  pool.on('error', () => {})

  const [{ version: postgresVersion }] = await queryOnce<{ version: string }>(dbUrl, "select current_setting('server_version') as version")
  const machine = await machineInfo({ postgres: postgresVersion, redis: await redisVersion(redisUrl) })
  let busyBefore = await backgroundLoad()
  // Others may share the machine; waiting for a quiet moment gives numbers worth comparing.
  for (const until = Date.now() + quietWaitMs; busyBefore > 0.25 && Date.now() < until;) {
    log(`${busyBefore.toFixed(2)} cores busy; waiting for a quiet machine`)
    await sleep(4_000)
    busyBefore = await backgroundLoad()
  }
  if (busyBefore > 0.25) log(`warning: ${busyBefore.toFixed(2)} cores were already busy before the bench started; its numbers will be low`)

  const docqueue = await benchDocqueue(apiKey)
  const naive = withNaive ? await benchNaive() : undefined
  log('extraction throughput over the corpus')
  const extraction = await measureExtraction()
  const profileNote = 'Profiled run (BENCH_CPU_PROFILE=1): the V8 sampler slows every process, so the rates above are low.'
  if (profileDir !== undefined) log(`the .cpuprofile files are in ${profileDir} (open them in Chrome DevTools)`)
  const markdown = renderReport({ date: new Date(), settings, machine, busyBefore, docqueue, naive }) + renderExtraction(extraction) +
    (profiles.length === 0 ? '' : `\n## ${PROFILES_HEADING}\n\n${profileNote}\n\n${profiles.join('\n')}`)
  process.stdout.write(`\n${markdown}\n`)
  // The counts and reads at scale come from their own benchmarks (bench:counts, bench -- --scale)
  // and stay, as do sections written by hand; an unprofiled run drops the last run's profiles.
  const previous = await readFile(resultsFile, 'utf8').catch(() => '')
  await writeFile(resultsFile, markdown.trimEnd() + '\n' + sectionsNotIn(previous, markdown, [PROFILES_HEADING]))
  log('written to bench/results.md')
} catch (error) {
  process.stderr.write(`[bench] failed: ${(error as Error).stack ?? String(error)}\n`)
  process.exitCode = 1
} finally {
  cleaningUp ??= cleanup()
  await cleaningUp
}
