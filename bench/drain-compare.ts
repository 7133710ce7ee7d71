import { randomBytes } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { dropDatabase } from '../test/helpers/database.js'
import { BenchChild, freePort, runScript } from './child-process.js'
import { cpuCores, cpuSnapshot } from './cpu-usage.js'
import { assertRunning, startOnHeldQueue, workerTrees } from './queue-gate.js'
import { multipartFile, sampleText } from './sample-text.js'
import { databaseUrl, queryOnce } from './stores.js'
import { deleteRedisKeys } from '../test/helpers/redis-keys.js'
import { runUploadLoad } from './upload-load.js'
import { ensureDatabase } from '../src/db/pool.js'
import { WAKE_UP_QUEUE_NAME } from '../src/queue/wake-ups.js'

// `node --import tsx bench/drain-compare.ts <checkout A> <checkout B> ...`: the drain of
// `npm run bench` (a batch of 10 KB text documents uploaded with no worker running, then one
// worker process drains it) for two or more checkouts, in alternating rounds so that a busy
// machine weighs on all alike, and the median of each side. The worker starts on a held queue
// and the drain is timed once it is idle, so its start (loading the parsers) is left out: CPU
// per document compares the steady cost of a document, which holds up on a shared machine
// better than docs/s.

const dirs = process.argv.slice(2).map((dir) => resolve(dir))
if (dirs.length < 2) throw new Error('usage: bench/drain-compare.ts <checkout A> <checkout B> [more checkouts]')
const rounds = Number(process.env.BENCH_ROUNDS ?? 5)
const docs = Number(process.env.BENCH_DOCS ?? 2000)
const concurrency = Number(process.env.BENCH_WORKER_CONCURRENCY ?? 4)
const fileBytes = Number(process.env.BENCH_FILE_BYTES ?? 10 * 1024)
const drainTimeoutMs = Number(process.env.BENCH_DRAIN_TIMEOUT_SECONDS ?? 300) * 1000
// A directory to write the workers' V8 CPU profiles to (one subdirectory per checkout); they run slower.
const profileDir = process.env.BENCH_CPU_PROFILE_DIR
const serverUrl = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'

interface Run { docsPerSecond: number, workerMs: number, postgresMs: number, redisMs: number }
interface Side { dir: string, name: string, dbUrl: string, prefix: string, apiKey: string, runs: Run[] }

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

function childEnv (side: Side): Record<string, string> {
  return { DATABASE_URL: side.dbUrl, REDIS_URL: redisUrl, QUEUE_PREFIX: side.prefix, HOST: '127.0.0.1', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0', SHUTDOWN_GRACE_MS: '5000' }
}

async function count (side: Side, sql: string): Promise<number> {
  return (await queryOnce<{ n: number }>(side.dbUrl, sql))[0].n
}

/** Our database's backends and the server's background processes; not other databases' sessions. */
async function postgresPids (side: Side): Promise<number[]> {
  const rows = await queryOnce<{ pid: number }>(side.dbUrl,
    "select pid from pg_stat_activity where datname = current_database() or backend_type <> 'client backend'")
  return rows.map((row) => row.pid)
}

/** Empties the side's tables and queue, then uploads a fresh batch through its API, which is stopped again. */
async function freshBatch (side: Side): Promise<void> {
  await queryOnce(side.dbUrl, 'truncate documents, document_events, webhook_deliveries cascade')
  await deleteRedisKeys(redisUrl, `${side.prefix}:*`)
  const port = await freePort()
  const api = new BenchChild(`api ${side.name}`, 'src/bin/api.ts', { cwd: side.dir, env: { ...childEnv(side), PORT: String(port) } })
  try {
    await api.waitForHttp(`http://127.0.0.1:${port}/readyz`, 120_000)
    const body = multipartFile({ filename: 'quarterly-notes.txt', contentType: 'text/plain', content: Buffer.from(sampleText(fileBytes, 7)) })
    const stats = await runUploadLoad({ url: `http://127.0.0.1:${port}/documents`, body, headers: { authorization: `Bearer ${side.apiKey}` }, connections: 50, amount: docs })
    if (stats.ok !== docs) throw new Error(`${side.name}: ${stats.ok} of ${docs} uploads answered 2xx`)
  } finally {
    await api.stop()
  }
  await queryOnce(side.dbUrl, 'checkpoint')
}

async function drain (side: Side, round: number): Promise<Run> {
  const nodeArgs = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, side.name, String(round))}`]
  // The worker starts on a held queue and is timed once it is idle: its start-up is not a document's cost.
  const { workers, released: before } = await startOnHeldQueue({ redisUrl, prefix: side.prefix, name: WAKE_UP_QUEUE_NAME }, () =>
    [new BenchChild(`worker ${side.name}`, 'src/bin/worker.ts', { cwd: side.dir, env: { ...childEnv(side), WORKER_CONCURRENCY: String(concurrency) }, nodeArgs })])
  try {
    const deadline = Date.now() + drainTimeoutMs
    let done = 0
    while (done < docs) {
      if (Date.now() > deadline) throw new Error(`${side.name}: ${done} of ${docs} finished in time:\n${workers[0].output()}`)
      assertRunning(workers)
      await sleep(100)
      done = await count(side, "select count(*)::int as n from documents where status in ('completed', 'failed')")
    }
    const after = await cpuSnapshot()
    const cores = cpuCores(before, after, { workers: workerTrees(workers), postgres: await postgresPids(side), redis: 'redis-server' })
    const perDoc = (group: number): number => group * (after.at - before.at) / docs
    const [{ span }] = await queryOnce<{ span: number }>(side.dbUrl, 'select extract(epoch from max(finished_at) - min(finished_at))::float8 as span from queue_items')
    const failed = await count(side, "select count(*)::int as n from documents where status = 'failed'")
    if (failed > 0) throw new Error(`${side.name}: ${failed} documents failed`)
    return { docsPerSecond: (docs - 1) / span, workerMs: perDoc(cores.workers), postgresMs: perDoc(cores.postgres), redisMs: perDoc(cores.redis) }
  } finally {
    await Promise.all(workers.map(async (worker) => { await worker.stop() }))
  }
}

const sides: Side[] = []
try {
  for (const [i, dir] of dirs.entries()) {
    const suffix = randomBytes(4).toString('hex')
    const dbUrl = databaseUrl(serverUrl, `docq_bench_${suffix}`)
    // Joins `sides` before anything can fail, so that it is cleaned up.
    const side: Side = { dir, name: `${i + 1}`, dbUrl, prefix: `dqbench-${suffix}`, apiKey: '', runs: [] }
    sides.push(side)
    await ensureDatabase(dbUrl)
    side.apiKey = (await runScript('src/bin/keys.ts', ['create', '--tenant', 'bench'], { cwd: dir, env: { DATABASE_URL: dbUrl } })).trim().split('\n').at(-1) ?? ''
    if (profileDir !== undefined) await mkdir(join(profileDir, side.name), { recursive: true })
  }
  for (let round = 1; round <= rounds; round++) {
    for (const side of round % 2 === 1 ? sides : [...sides].reverse()) {
      await freshBatch(side)
      const run = await drain(side, round)
      side.runs.push(run)
      process.stdout.write(`round ${round} ${side.dir}: ${run.docsPerSecond.toFixed(0)} docs/s, CPU per document: ` +
        `workers ${run.workerMs.toFixed(2)} ms, Postgres ${run.postgresMs.toFixed(2)} ms, Redis ${run.redisMs.toFixed(2)} ms\n`)
    }
  }
  process.stdout.write(`\n${docs} documents of ${fileBytes} B, 1 worker process × concurrency ${concurrency}, ${rounds} rounds; medians\n`)
  process.stdout.write('checkout | docs/s | CPU ms/doc: workers | Postgres | Redis | total\n')
  for (const side of sides) {
    const of = (pick: (run: Run) => number): number => median(side.runs.map(pick))
    process.stdout.write(`${side.dir} | ${of((run) => run.docsPerSecond).toFixed(0)} | ${of((run) => run.workerMs).toFixed(2)} | ` +
      `${of((run) => run.postgresMs).toFixed(2)} | ${of((run) => run.redisMs).toFixed(2)} | ${of((run) => run.workerMs + run.postgresMs + run.redisMs).toFixed(2)}\n`)
  }
} finally {
  for (const side of sides) {
    await dropDatabase(side.dbUrl).catch(() => {})
    await deleteRedisKeys(redisUrl, `${side.prefix}:*`).catch(() => 0)
  }
}
