import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { buildApiApp, createApiServices } from '../../src/api-process.js'
import { filteredStatusCounts } from '../../src/admin/documents/filtered-status-counts.js'
import { loadConfig } from '../../src/config.js'
import { openInfrastructure, type Infrastructure } from '../../src/infrastructure.js'
import { createLogger } from '../../src/logger.js'
import { signedInAs } from '../../test/helpers/admin-accounts.js'
import type { AdminClient } from '../../test/helpers/admin-client.js'
import { dropDatabase } from '../../test/helpers/database.js'
import { machineInfo } from '../machine.js'
import { backgroundLoad } from '../cpu-usage.js'
import { SCALE_HEADING, writeResultsSection } from '../results-file.js'
import { databaseUrl, redisVersion } from '../stores.js'
import { deleteRedisKeys } from '../../test/helpers/redis-keys.js'
import { endpoints, type Endpoint } from './endpoints.js'
import { loadAdminHistory } from './load-admin-history.js'
import { loadDocuments, MAIN_TENANT } from './load-documents.js'
import { addRarePassages, createPassageTemplates } from './passage-templates.js'
import { renderScaleTable, type ScaleColumn } from './scale-table.js'
import { verifyInvariants } from './verify-counts.js'

// `npm run bench -- --scale`: list, filter, search and every admin page with 10^3, 10^5 and 10^6
// documents in one database that grows between the measurements, loaded with set-based SQL
// (load-documents.ts) and removed at the end, also on Ctrl-C.

const serverUrl = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'
const maxSize = Number(process.env.BENCH_SCALE_MAX ?? 1_000_000)
if (!Number.isSafeInteger(maxSize) || maxSize < 1000) throw new Error(`BENCH_SCALE_MAX must be an integer of at least 1000, got "${process.env.BENCH_SCALE_MAX}"`)
const sizes = [...new Set([1_000, 100_000, 1_000_000].filter((size) => size < maxSize).concat(maxSize))]
const RUNS = Number(process.env.BENCH_SCALE_RUNS ?? 7)
/** Documents per rare passage: a handful at any size. */
const RARE_DOCUMENTS = 3
const resultsFile = fileURLToPath(new URL('../results.md', import.meta.url))

const suffix = randomBytes(4).toString('hex')
const dbUrl = databaseUrl(serverUrl, `docq_bench_scale_${suffix}`)
const prefix = `dqbench-scale-${suffix}`
let infra: Infrastructure | undefined
let app: FastifyInstance | undefined
let cleaningUp: Promise<void> | undefined

function log (message: string): void {
  process.stdout.write(`[bench:scale] ${message}\n`)
}

async function cleanup (): Promise<void> {
  // Each step runs even when an earlier one fails, so nothing is left behind.
  const steps: Array<[string, () => Promise<unknown>]> = [
    ['close the app', async () => await app?.close()],
    ['close the connections', async () => await infra?.close()],
    ['drop the database', async () => await dropDatabase(dbUrl)],
    [`delete Redis keys ${prefix}:*`, async () => await deleteRedisKeys(redisUrl, `${prefix}:*`)]
  ]
  for (const [what, step] of steps) {
    await step().catch((error: Error) => { process.stderr.write(`[bench:scale] cleanup: ${what} failed: ${error.message}\n`) })
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`)
    cleaningUp ??= cleanup()
    cleaningUp.finally(() => process.exit(130))
  })
}

function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

/** A request slower than this is timed once more rather than RUNS times: at 10^6 a broad search takes minutes. */
const SLOW_MS = 5_000

/** Median milliseconds of `work` over RUNS runs, after one unmeasured run that warms caches and plans. */
async function timed (work: () => Promise<unknown>): Promise<number> {
  const warmStarted = performance.now()
  await work()
  const runs = performance.now() - warmStarted > SLOW_MS ? 1 : RUNS
  const ms: number[] = []
  for (let i = 0; i < runs; i++) {
    const started = performance.now()
    await work()
    ms.push(performance.now() - started)
  }
  return median(ms)
}

async function measure (endpoint: Endpoint, apiKey: string, admin: AdminClient): Promise<number> {
  const request = async (): Promise<void> => {
    const response = endpoint.as === 'admin'
      ? await admin.get(endpoint.url)
      : await admin.app.inject({ method: 'GET', url: endpoint.url, headers: { authorization: `Bearer ${apiKey}` } })
    if (response.statusCode !== 200) throw new Error(`${endpoint.url} answered ${response.statusCode}: ${response.body.slice(0, 300)}`)
  }
  return await timed(request)
}

try {
  log(`database ${dbUrl.replace(/^.*\//, '')}, sizes ${sizes.join(', ')}`)
  // The admin session must outlive loading 10^6 documents and the slow searches between its requests.
  const config = loadConfig({
    DATABASE_URL: dbUrl, REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0', ADMIN_SESSION_IDLE_MS: String(12 * 3_600_000)
  })
  infra = await openInfrastructure(config, createLogger('warn', 'bench-scale'), { createDatabase: true })
  const services = createApiServices(infra)
  app = await buildApiApp(infra, services)
  const pool = infra.pool
  const { key: apiKey } = await services.apiKeys.create(MAIN_TENANT)
  const admin = await signedInAs(app, pool, 'bench-admin', 'admin')
  const [{ version: postgresVersion }] = (await pool.query<{ version: string }>("select current_setting('server_version') as version")).rows
  const machine = await machineInfo({ postgres: postgresVersion, redis: await redisVersion(redisUrl) })
  const busyBefore = await backgroundLoad()
  await createPassageTemplates(pool)

  const columns: ScaleColumn[] = []
  let loaded = 0
  for (const size of sizes) {
    const started = performance.now()
    await loadDocuments(pool, loaded + 1, size, (done) => { log(`${done.toLocaleString('en')} documents`) })
    await loadAdminHistory(pool, loaded + 1, size)
    const { rows: rare } = await pool.query<{ id: string }>(`
      select id from documents where status = 'completed' and tenant = $1 and created_at > (select max(created_at) from documents) - interval '1 hour'
       order by created_at desc limit $2`, [MAIN_TENANT, RARE_DOCUMENTS])
    await addRarePassages(pool, rare.map((row) => row.id))
    const loadSeconds = (performance.now() - started) / 1000
    await pool.query('vacuum analyze')
    await verifyInvariants(pool)
    log(`${size.toLocaleString('en')} documents: loaded in ${loadSeconds.toFixed(1)} s, counts verified`)
    const ms = new Map<string, number>()
    for (const endpoint of await endpoints(pool)) {
      ms.set(endpoint.name, await measure(endpoint, apiKey, admin))
      log(`  ${endpoint.name}: ${ms.get(endpoint.name)?.toFixed(1)} ms`)
    }
    // The counts beside the documents list, alone: the list's answer waits for the slower of the two.
    const countedAlone = [
      ['admin documents counts alone, q common', { q: 'invoice' }],
      ['admin documents counts alone, code=encrypted', { code: 'encrypted' as const }],
      ['admin documents counts alone, operation=reprocess', { operation: 'reprocess' as const }]
    ] as const
    for (const [name, filter] of countedAlone) {
      ms.set(name, await timed(async () => await filteredStatusCounts(pool, filter, null)))
      log(`  ${name}: ${ms.get(name)?.toFixed(1)} ms`)
    }
    columns.push({ size, loadSeconds, ms })
    loaded = size
  }
  const body = renderScaleTable({ date: new Date(), machine, busyBefore, runs: RUNS, columns })
  process.stdout.write(`\n${body}\n`)
  await writeResultsSection(resultsFile, SCALE_HEADING, body)
  log('written to bench/results.md')
} catch (error) {
  process.stderr.write(`[bench:scale] failed: ${(error as Error).stack ?? String(error)}\n`)
  process.exitCode = 1
} finally {
  cleaningUp ??= cleanup()
  await cleaningUp
}
