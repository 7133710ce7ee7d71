import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { dropDatabase } from '../test/helpers/database.js'
import { startHeldUpload } from '../test/helpers/held-upload.js'
import { processMemory, resetPeakRss, unreadBytesOnPort } from '../test/helpers/process-memory.js'
import { BenchChild, freePort, runScript } from './child-process.js'
import { databaseUrl, queryOnce } from './stores.js'
import { deleteRedisKeys } from '../test/helpers/redis-keys.js'
import { ensureDatabase } from '../src/db/pool.js'

// `node --import tsx bench/upload-memory.ts`: the API's resident memory while its upload budget
// is full of uploads held open at their last bytes, at its peak while they are stored, and after.
// Allocator settings (MALLOC_ARENA_MAX, ...) in the environment reach the API, to compare them.
// After each round it idles, then asks the API for a full collection (bench/gc-on-signal.ts).

const repoRoot = fileURLToPath(new URL('..', import.meta.url))
const files = Number(process.env.BENCH_UPLOADS ?? 20)
const fileBytes = Number(process.env.BENCH_UPLOAD_MB ?? 20) * 1024 * 1024
const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
const idleSeconds = Number(process.env.BENCH_IDLE_SECONDS ?? 10)
const serverUrl = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'

const suffix = randomBytes(4).toString('hex')
const dbUrl = databaseUrl(serverUrl, `docq_bench_${suffix}`)
const prefix = `dqbench-${suffix}`
const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0)

async function waitUntil (what: string, probe: () => Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + 120_000; !(await probe());) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`)
    await sleep(50)
  }
}

let api: BenchChild | undefined
try {
  // Created as `npm start` would on its first run; the keys CLI then migrates it.
  await ensureDatabase(dbUrl)
  const keyOutput = await runScript('src/bin/keys.ts', ['create', '--tenant', 'bench'], { cwd: repoRoot, env: { DATABASE_URL: dbUrl } })
  const key = keyOutput.trim().split('\n').at(-1) ?? ''
  const port = await freePort()
  // Each upload reserves its declared length; the framing adds well under a kilobyte.
  const budget = files * (fileBytes + 1024)
  api = new BenchChild('api', 'src/bin/api.ts', {
    cwd: repoRoot,
    nodeArgs: ['--expose-gc', '--import', 'tsx', '--import', './bench/gc-on-signal.ts'],
    env: {
      DATABASE_URL: dbUrl,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: prefix,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      UPLOAD_MAX_BYTES: String(fileBytes),
      UPLOAD_BUFFER_BUDGET_BYTES: String(budget)
    }
  })
  await api.waitForHttp(`http://127.0.0.1:${port}/readyz`)
  const pid = api.pid
  process.stdout.write(`${files} uploads × ${mb(fileBytes)} MB, budget ${mb(budget)} MB, ` +
    `MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX ?? '-'} MALLOC_MMAP_THRESHOLD_=${process.env.MALLOC_MMAP_THRESHOLD_ ?? '-'}\n`)
  process.stdout.write('round | before MB | held MB | peak MB | after MB | after idle MB | after a full GC MB | storing s\n')
  for (let round = 1; round <= rounds; round++) {
    const before = await processMemory(pid)
    await resetPeakRss(pid)
    const uploads = Array.from({ length: files }, (_, i) => startHeldUpload({ port, key, file: randomBytes(fileBytes), filename: `r${round}-${i}.bin` }))
    await Promise.all(uploads.map(async (upload) => await upload.sent))
    await waitUntil('the API to read every byte sent', async () => await unreadBytesOnPort(port) === 0)
    const held = await processMemory(pid)
    const storing = performance.now()
    const answers = await Promise.all(uploads.map(async (upload) => await upload.finish()))
    const storeSeconds = (performance.now() - storing) / 1000
    const refused = answers.filter((answer) => answer.status !== 202)
    if (refused.length > 0) throw new Error(`${refused.length} uploads were not accepted: ${JSON.stringify(refused[0])}`)
    const after = await processMemory(pid)
    const stored = await queryOnce<{ n: number }>(dbUrl, `
      select count(*)::int as n from documents d join document_blobs b on b.document_id = d.id
       where d.id = any($1::uuid[]) and encode(sha256(b.bytes), 'hex') = d.sha256 and d.sha256 = any($2::text[])`,
    [answers.map((answer) => answer.body.id), uploads.map((upload) => upload.sha256)])
    if (stored[0].n !== files) throw new Error(`only ${stored[0].n} of ${files} uploads are stored intact`)
    await sleep(idleSeconds * 1000)
    const idle = await processMemory(pid)
    process.kill(pid, 'SIGUSR2')
    await sleep(2_000)
    const collected = await processMemory(pid)
    process.stdout.write(`${round} | ${mb(before.rss)} | ${mb(held.rss)} | ${mb(after.peakRss)} | ${mb(after.rss)} | ${mb(idle.rss)} | ${mb(collected.rss)} | ${storeSeconds.toFixed(1)}\n`)
  }
} finally {
  await api?.stop()
  await dropDatabase(dbUrl).catch(() => {})
  await deleteRedisKeys(redisUrl, `${prefix}:*`).catch(() => 0)
}
