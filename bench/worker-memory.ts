import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { dropDatabase } from '../test/helpers/database.js'
import { readCorpusFile, readManifest } from '../test/helpers/corpus.js'
import { BenchChild, freePort, runScript } from './child-process.js'
import { isExtractionProcess, type Memory, ProcessTreeSampler, type TreeMemory } from './process-tree.js'
import { databaseUrl, queryOnce } from './stores.js'
import { deleteRedisKeys } from '../test/helpers/redis-keys.js'
import { ensureDatabase } from '../src/db/pool.js'

// `node --import tsx bench/worker-memory.ts`: a real worker process (the compiled
// dist/bin/worker.js, as in production, or the same in BENCH_MEMORY_BUILD_DIR, or
// src/bin/worker.ts under tsx with BENCH_MEMORY_SOURCES=1; its default concurrency unless BENCH_WORKER_CONCURRENCY says otherwise)
// drains BENCH_MEMORY_DOCS documents uploaded beforehand through the API. Every
// BENCH_MEMORY_CORPUS_EVERY-th document is the next corpus file in turn, the others cheap ones,
// so that a long run still meets every expensive file many times. Prints the resident memory
// now and the peaks so far every BENCH_MEMORY_REPORT_EVERY finished documents (a leak shows as
// growth), then the peaks of the whole run, sampled every 50 ms, each as RSS and PSS.

const repoRoot = fileURLToPath(new URL('..', import.meta.url))
const docs = Number(process.env.BENCH_MEMORY_DOCS ?? 10_000)
const corpusEvery = Number(process.env.BENCH_MEMORY_CORPUS_EVERY ?? 1)
const reportEvery = Number(process.env.BENCH_MEMORY_REPORT_EVERY ?? Math.max(1, Math.round(docs / 20)))
const fromSources = process.env.BENCH_MEMORY_SOURCES === '1'
/** A copy of an earlier build to compare with: a `dist` folder with its package.json beside it, under the checkout so that node_modules resolve. */
const buildDir = process.env.BENCH_MEMORY_BUILD_DIR ?? 'dist'
const uploadConnections = 8
const drainTimeoutMs = Number(process.env.BENCH_DRAIN_TIMEOUT_SECONDS ?? 3600) * 1000
const serverUrl = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'

const suffix = randomBytes(4).toString('hex')
const dbUrl = databaseUrl(serverUrl, `docq_bench_${suffix}`)
const prefix = `dqbench-${suffix}`
const env = { DATABASE_URL: dbUrl, REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, HOST: '127.0.0.1', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0' }
const corpus = readManifest().map((entry) => ({ name: entry.file, bytes: readCorpusFile(entry.file) }))
/**
 * The cheap documents between corpus files: one for each path a document can take (small text
 * in the worker itself, a PDF and a DOCX in an extraction process), each finished in a few ms.
 */
const cheap = ['tika_testTXTNonASCIIUTF8.txt', 'pdfjs_helloworld-bad.pdf', 'mammoth_tables.docx']
  .map((name) => ({ name, bytes: readCorpusFile(name) }))

/** The `index`-th document of the run. */
function documentAt (index: number): { name: string, bytes: Buffer } {
  if (index % corpusEvery === 0) return corpus[(index / corpusEvery) % corpus.length]
  return cheap[index % cheap.length]
}
const workerScript = fromSources ? 'src/bin/worker.ts' : `${buildDir}/bin/worker.js`
if (!existsSync(new URL(`../${workerScript}`, import.meta.url))) throw new Error(`${workerScript} is missing: run npm run build first`)

async function upload (base: string, key: string): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: uploadConnections }, async () => {
    while (next < docs) {
      const file = documentAt(next++)
      const form = new FormData()
      form.append('file', new Blob([new Uint8Array(file.bytes)]), file.name)
      const response = await fetch(`${base}/documents`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form })
      if (response.status !== 202) throw new Error(`upload of ${file.name} answered ${response.status}: ${await response.text()}`)
      await response.arrayBuffer()
    }
  }))
}

async function finished (): Promise<{ completed: number, failed: number }> {
  const [row] = await queryOnce<{ completed: number, failed: number }>(dbUrl,
    "select count(*) filter (where status = 'completed')::int as completed, count(*) filter (where status = 'failed')::int as failed from documents")
  return row
}

/** Why documents failed: the corpus fails 7 of its 41 files by design, anything else is news. */
async function failuresByCode (): Promise<Record<string, number>> {
  const rows = await queryOnce<{ code: string | null, count: number }>(dbUrl,
    "select i.error_code as code, count(*)::int as count from documents d join queue_items i on i.id = d.current_item_id where d.status = 'failed' group by 1 order by 1")
  return Object.fromEntries(rows.map((row) => [row.code ?? 'none', row.count]))
}

/** Memory in whole MiB, RSS beside PSS. */
function rounded (memory: Memory): { rssMiB: number, pssMiB: number } {
  return { rssMiB: Math.round(memory.rss), pssMiB: Math.round(memory.pss) }
}

/** The worker alone, its extraction processes, and both together, in whole MiB. */
function byRole (tree: TreeMemory): Record<'worker' | 'extraction' | 'together', { rssMiB: number, pssMiB: number }> {
  return { worker: rounded(tree.others), extraction: rounded(tree.selected), together: rounded(tree.total) }
}

/** One point of the memory curve, as a JSON line: what is resident now, and the peaks so far. */
function reportProgress (finishedCount: number, seconds: number, sampler: ProcessTreeSampler): void {
  process.stdout.write(JSON.stringify({
    finished: finishedCount,
    seconds: Math.round(seconds),
    now: byRole(sampler.current),
    peaks: byRole(sampler.peaks)
  }) + '\n')
}

const children: BenchChild[] = []
try {
  await ensureDatabase(dbUrl)
  const keyOutput = await runScript('src/bin/keys.ts', ['create', '--tenant', 'bench'], { cwd: repoRoot, env: { DATABASE_URL: dbUrl } })
  const key = keyOutput.trim().split('\n').at(-1) ?? ''
  const port = await freePort()
  const api = new BenchChild('api', 'src/bin/api.ts', { cwd: repoRoot, env: { ...env, PORT: String(port) } })
  children.push(api)
  // A loaded machine can take a while to start it.
  await api.waitForHttp(`http://127.0.0.1:${port}/readyz`, 180_000)
  await upload(`http://127.0.0.1:${port}`, key)
  await api.stop()
  const corpusCount = Math.ceil(docs / corpusEvery)
  process.stdout.write(`${docs} documents uploaded (${corpusCount} of them the ${corpus.length} corpus files in turn); draining with ${workerScript}\n`)

  const concurrency = process.env.BENCH_WORKER_CONCURRENCY
  const worker = new BenchChild('worker', workerScript, { cwd: repoRoot, env: concurrency === undefined ? env : { ...env, WORKER_CONCURRENCY: concurrency } })
  children.push(worker)
  const sampler = new ProcessTreeSampler(worker.pid, isExtractionProcess)
  const started = performance.now()
  let done = { completed: 0, failed: 0 }
  let nextReport = reportEvery
  while (done.completed + done.failed < docs) {
    if (performance.now() - started > drainTimeoutMs) throw new Error(`only ${done.completed + done.failed} of ${docs} finished:\n${worker.output()}`)
    if (!worker.running) throw new Error(`the worker exited with code ${String(await worker.exited)} while draining:\n${worker.output()}`)
    await sleep(500)
    done = await finished()
    if (done.completed + done.failed >= nextReport) {
      nextReport += reportEvery
      reportProgress(done.completed + done.failed, (performance.now() - started) / 1000, sampler)
    }
  }
  const seconds = (performance.now() - started) / 1000
  const tree = sampler.stop()
  await worker.stop()
  process.stdout.write(JSON.stringify({
    docs,
    corpusDocuments: corpusCount,
    worker: workerScript,
    completed: done.completed,
    failed: done.failed,
    failedByCode: await failuresByCode(),
    seconds,
    documentsPerSecond: docs / seconds,
    // Each peak the highest sum at one instant, of RSS and of PSS: the worker process alone,
    // its extraction processes alone, and the two together.
    peaks: byRole(tree.peaks),
    // CPU the extraction processes used, replaced ones up to their last sample: what replacing
    // processes costs, less sensitive than the drain rate to other work on the machine.
    extractionCpuSeconds: tree.selectedCpuSeconds,
    extractionProcessesSeen: tree.processesSeen
  }) + '\n')
} finally {
  for (const child of children) await child.stop()
  await dropDatabase(dbUrl).catch(() => {})
  await deleteRedisKeys(redisUrl, `${prefix}:*`).catch(() => 0)
}
