import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { dropDatabase } from '../test/helpers/database.js'
import { BenchChild, freePort, runScript } from './child-process.js'
import { renderProfile, summarizeProfiles } from './cpu-profile.js'
import { cpuCores, cpuSnapshot } from './cpu-usage.js'
import { multipartFile, sampleText } from './sample-text.js'
import { databaseUrl, queryOnce } from './stores.js'
import { deleteRedisKeys } from '../test/helpers/redis-keys.js'
import { runUploadLoad, type UploadStats } from './upload-load.js'
import { ensureDatabase } from '../src/db/pool.js'

// `node --import tsx bench/upload-compare.ts <checkout A> <checkout B> ...`: the upload load test of
// `npm run bench` against the API of two or more checkouts (say, main and a branch), in alternating
// rounds so that a busy machine weighs on both alike, and the median of each side. `naive` in
// place of a checkout is this checkout's naive pipeline (bench/naive-app.ts).

const NAIVE = 'naive'
const repoRoot = fileURLToPath(new URL('..', import.meta.url))
const dirs = process.argv.slice(2).map((dir) => dir === NAIVE ? NAIVE : resolve(dir))
if (dirs.length < 2) throw new Error('usage: bench/upload-compare.ts <checkout A | naive> <checkout B | naive> [more checkouts]')
const rounds = Number(process.env.BENCH_ROUNDS ?? 5)
const seconds = Number(process.env.BENCH_SECONDS ?? 10)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50)
const fileBytes = Number(process.env.BENCH_FILE_BYTES ?? 10 * 1024)
const serverUrl = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'
// A directory to write the APIs' V8 CPU profiles to (one subdirectory per side); they run slower.
const profileDir = process.env.BENCH_CPU_PROFILE_DIR

interface Run { stats: UploadStats, apiCpuMs: number, postgresCpuMs: number }
interface Side { dir: string, dbUrl: string, prefix: string, url: string, headers: Record<string, string>, table: string, api: BenchChild, runs: Run[] }

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** A checkout's entry point: `src/bin/` since the layout split, `src/` and `src/cli/` before it. */
function entryPoint (dir: string, current: string, older: string): string {
  return existsSync(join(dir, current)) ? current : older
}

// A loaded machine may take a while to start an API; this only bounds the wait.
const START_TIMEOUT_MS = 120_000

/** Where the API of the side at `index` writes its profiles: by position, as two sides may be the same checkout. */
function profileDirOf (index: number): string {
  return join(profileDir ?? '', `side-${index + 1}`)
}

/** Starts a side's API on a database of its own; it joins `sides` at once, so that it is cleaned up even if it never gets ready. */
async function startSide (dir: string, sides: Side[]): Promise<void> {
  const suffix = randomBytes(4).toString('hex')
  const dbUrl = databaseUrl(serverUrl, `docq_bench_${suffix}`)
  // Created as `npm start` would on its first run; the keys CLI then migrates it.
  await ensureDatabase(dbUrl)
  const naive = dir === NAIVE
  const keyOutput = naive ? '' : await runScript(entryPoint(dir, 'src/bin/keys.ts', 'src/cli/keys.ts'), ['create', '--tenant', 'bench'], { cwd: dir, env: { DATABASE_URL: dbUrl } })
  const port = await freePort()
  const prefix = `dqbench-${suffix}`
  const nodeArgs = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDirOf(sides.length)}`]
  const api = new BenchChild(`api ${dir}`, naive ? 'bench/naive-app.ts' : entryPoint(dir, 'src/bin/api.ts', 'src/server.ts'), {
    cwd: naive ? repoRoot : dir,
    nodeArgs,
    env: { DATABASE_URL: dbUrl, REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0' }
  })
  const url = `http://127.0.0.1:${port}`
  const headers: Record<string, string> = naive ? {} : { authorization: `Bearer ${keyOutput.trim().split('\n').at(-1) ?? ''}` }
  sides.push({ dir, dbUrl, prefix, url: `${url}/documents`, headers, table: naive ? 'naive_documents' : 'documents', api, runs: [] })
  await api.waitForHttp(`${url}/readyz`, START_TIMEOUT_MS)
}

const sides: Side[] = []
try {
  for (const dir of dirs) await startSide(dir, sides)
  const body = multipartFile({ filename: 'quarterly-notes.txt', contentType: 'text/plain', content: Buffer.from(sampleText(fileBytes)) })
  for (let round = 1; round <= rounds; round++) {
    for (const side of round % 2 === 1 ? sides : [...sides].reverse()) {
      const headers = side.headers
      await runUploadLoad({ url: side.url, body, headers, connections, seconds: 2 })
      const before = await cpuSnapshot()
      const stats = await runUploadLoad({ url: side.url, body, headers, connections, seconds })
      const backends = await queryOnce<{ pid: number }>(side.dbUrl, 'select pid from pg_stat_activity where datname = current_database()')
      const cores = cpuCores(before, await cpuSnapshot(), { api: [side.api.pid], postgres: backends.map((row) => row.pid) })
      // CPU time per upload holds up better than rates on a machine others are using.
      const perUpload = (group: number): number => group * stats.seconds * 1000 / Math.max(1, stats.ok)
      const run = { stats, apiCpuMs: perUpload(cores.api), postgresCpuMs: perUpload(cores.postgres) }
      side.runs.push(run)
      process.stdout.write(`round ${round} ${side.dir}: ${stats.okPerSecond.toFixed(0)}/s p50 ${stats.latencyMs.p50} ms p99 ${stats.latencyMs.p99} ms ` +
        `non-2xx ${stats.non2xx}, CPU per upload: API ${run.apiCpuMs.toFixed(2)} ms, Postgres ${run.postgresCpuMs.toFixed(2)} ms\n`)
      await queryOnce(side.dbUrl, `truncate ${side.table} cascade`)
    }
  }
  process.stdout.write(`\n${fileBytes} B files, ${connections} connections, ${rounds} rounds of ${seconds} s; medians\n`)
  process.stdout.write('checkout | uploads/s | p50 ms | p99 ms | API CPU ms/upload | Postgres CPU ms/upload | API peak RSS MiB\n')
  for (const side of sides) {
    const of = (pick: (run: Run) => number): number => median(side.runs.map(pick))
    const peakRss = (await side.api.peakRssBytes() ?? Number.NaN) / 1024 / 1024
    process.stdout.write(`${side.dir} | ${of((run) => run.stats.okPerSecond).toFixed(0)} | ${of((run) => run.stats.latencyMs.p50)} | ` +
      `${of((run) => run.stats.latencyMs.p99)} | ${of((run) => run.apiCpuMs).toFixed(2)} | ${of((run) => run.postgresCpuMs).toFixed(2)} | ${peakRss.toFixed(0)}\n`)
  }
} finally {
  for (const side of sides) {
    await side.api.stop()
    await dropDatabase(side.dbUrl).catch(() => {})
    await deleteRedisKeys(redisUrl, `${side.prefix}:*`).catch(() => 0)
  }
}
// Written when each API stopped; its start-up is in them too, a small share of the rounds.
if (profileDir !== undefined) {
  for (const [index, side] of sides.entries()) {
    const { main } = await summarizeProfiles(profileDirOf(index), 0, 30)
    process.stdout.write(`\n${renderProfile(`API of ${side.dir}, main thread`, main)}`)
  }
}
