import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import pg from 'pg'
import { dropDatabase } from '../helpers/database.js'
import { createMigratedDatabase } from '../helpers/template-database.js'
import { ManagedProcess } from './child-process.js'
import { FAULT_WORKER_READY } from './fault-injector.js'
import { onCleanup } from './cleanup.js'
import { freePort } from '../helpers/free-port.js'
import { javaScriptPath } from '../helpers/transpiled-sources.js'
import { waitFor } from './poll.js'

const run = promisify(execFile)
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url))

// Every variable src/config.ts reads: none may leak in from the harness's own environment. The
// list is read from the schema's source, so that a key added there is stripped here too.
const CONFIG_KEYS = [...readFileSync(new URL('../../src/config.ts', import.meta.url), 'utf8').matchAll(/^\s+([A-Z][A-Z0-9_]*): Type\./gm)]
  .map((match) => match[1])
if (!CONFIG_KEYS.includes('DATABASE_URL')) throw new Error('could not read the configuration keys from src/config.ts; update CONFIG_KEYS in test/faults/deployment.ts')

/** The knobs of the reliability runs: short leases and retries, quiet logs. */
export const DEFAULT_SERVICE_ENV: Record<string, string> = {
  LEASE_MS: '1000',
  RECONCILE_INTERVAL_MS: '500',
  RETRY_BASE_MS: '200',
  RETRY_MAX_MS: '2000',
  MAX_ATTEMPTS: '4',
  WORKER_CONCURRENCY: '2',
  // FAULTS_LOG_LEVEL=info shows every claim and completion in the service logs, for a post-mortem.
  LOG_LEVEL: process.env.FAULTS_LOG_LEVEL ?? 'warn',
  SHUTDOWN_GRACE_MS: '5000',
  HOST: '127.0.0.1'
}

export interface DeploymentOptions {
  /** Scenario id, part of the database name and BullMQ prefix. */
  label: string
  logDir: string
  logCapBytes: number
  /** Where the entry points run from, transpiled (`transpileSources` of test/helpers). */
  sourcesRoot: string
  /** Any database URL of the Postgres server to use; the deployment makes its own database on it. */
  postgresUrl: string
  redisUrl: string
  /** Overrides of {@link DEFAULT_SERVICE_ENV} for every process of this deployment. */
  env?: Record<string, string>
  /** Drop the database at the end (not needed on a private cluster that is deleted anyway). */
  dropDatabase: boolean
}

export interface UploadResult {
  filename: string
  status: number
  /** The error code of a refused upload, or the network error of a failed request. */
  code?: string
  id?: string
  ms: number
  sentAt: number
  body?: string
}

export interface HeldItem {
  itemId: string
  documentId: string
  attempts: number
  lockedBy: string
  pid: number
}

/** The pid inside a worker id (`host:pid:random`). */
export function pidOfWorkerId (workerId: string): number {
  const match = /:(\d+):[0-9a-f]+$/.exec(workerId)
  return match === null ? -1 : Number(match[1])
}

function databaseUrlFor (serverUrl: string, database: string): string {
  const url = new URL(serverUrl)
  url.pathname = `/${database}`
  return url.toString()
}

/**
 * One real docqueue deployment for one scenario: its own database and BullMQ prefix, an API
 * process and worker processes started from the repository, and a harness connection pool to
 * check what Postgres says. {@link close} kills every process and removes the database.
 */
export class Deployment {
  readonly label: string
  readonly databaseUrl: string
  readonly queuePrefix: string
  readonly pool: pg.Pool
  /** Documents the API answered 202 for, by id. */
  readonly accepted = new Map<string, UploadResult>()
  /** Every process incarnation started, in order. */
  readonly processes: ManagedProcess[] = []
  readonly workers = new Map<string, ManagedProcess>()
  api: ManagedProcess | undefined
  apiUrl = ''
  apiKey = ''
  readonly cronSecret = randomBytes(16).toString('hex')
  readonly #options: DeploymentOptions
  readonly #starts = new Map<string, number>()
  #closing: Promise<void> | undefined
  #unregister: () => void = () => {}

  private constructor (options: DeploymentOptions, database: string) {
    this.#options = options
    this.label = options.label
    this.databaseUrl = databaseUrlFor(options.postgresUrl, database)
    this.queuePrefix = `docq-faults-${options.label}-${database.slice(-8)}`
    this.pool = new pg.Pool({ connectionString: this.databaseUrl, max: 4, connectionTimeoutMillis: 3_000 })
    // Postgres restarts are part of the plan; a dropped idle connection must not end the harness.
    this.pool.on('error', () => {})
  }

  /**
   * Makes the database (a copy of the migrated template, as the test files' are; the migrate
   * command is tested in test/cli), with an API key from the keys CLI.
   */
  static async create (options: DeploymentOptions): Promise<Deployment> {
    const database = `docq_faults_${randomBytes(5).toString('hex')}`
    const deployment = new Deployment(options, database)
    deployment.#unregister = onCleanup(`deployment ${options.label}`, async () => { await deployment.close() })
    await createMigratedDatabase(deployment.databaseUrl)
    const { stdout } = await run(process.execPath, [deployment.#entry('src/bin/keys.ts'), 'create', '--tenant', 'faults'], {
      cwd: repoRoot, env: deployment.env(), timeout: 180_000
    })
    deployment.apiKey = stdout.trim().split('\n').at(-1) ?? ''
    if (!deployment.apiKey.startsWith('dq_')) throw new Error(`the keys CLI printed no key: ${stdout}`)
    return deployment
  }

  /** The environment of a service process, with per-process overrides. */
  env (overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env }
    for (const key of CONFIG_KEYS) delete env[key]
    return {
      ...env,
      ...DEFAULT_SERVICE_ENV,
      DATABASE_URL: this.databaseUrl,
      REDIS_URL: this.#options.redisUrl,
      QUEUE_PREFIX: this.queuePrefix,
      ...this.#options.env,
      ...overrides
    }
  }

  /** The JavaScript of `entry` (a .ts file of the repository) among the transpiled sources. */
  #entry (entry: string): string {
    return join(this.#options.sourcesRoot, javaScriptPath(entry))
  }

  #spawn (name: string, entry: string, env: NodeJS.ProcessEnv): ManagedProcess {
    const start = (this.#starts.get(name) ?? 0) + 1
    this.#starts.set(name, start)
    const child = ManagedProcess.start({
      name: `${name}#${start}`,
      command: process.execPath,
      args: [this.#entry(entry)],
      cwd: repoRoot,
      env,
      logPath: join(this.#options.logDir, `${name}.${start}.log`),
      logCapBytes: this.#options.logCapBytes
    })
    this.processes.push(child)
    return child
  }

  /** Starts the API on a free port and waits for /healthz. */
  async startApi (overrides: Record<string, string> = {}): Promise<ManagedProcess> {
    const port = await freePort()
    this.apiUrl = `http://127.0.0.1:${port}`
    const api = this.#spawn('api', 'src/bin/api.ts', this.env({ PORT: String(port), CRON_SECRET: this.cronSecret, ...overrides }))
    this.api = api
    await waitFor('the API to answer /healthz', async () => {
      if (!api.running) throw new Error(`the API exited at start; see ${api.logPath}`)
      const response = await fetch(`${this.apiUrl}/healthz`, { signal: AbortSignal.timeout(1_000) }).catch(() => undefined)
      return response?.status === 200 ? true : undefined
    }, { timeoutMs: 180_000, intervalMs: 100 })
    return api
  }

  /** Starts (or restarts) the worker called `name`; `ready` waits until its infrastructure is up. */
  async startWorker (name: string, options: { env?: Record<string, string>, ready?: boolean } = {}): Promise<ManagedProcess> {
    const worker = this.#spawn(name, 'test/faults/fault-worker.ts', this.env(options.env))
    this.workers.set(name, worker)
    // Logged at warn level by fault-worker.ts once the worker is consuming.
    if (options.ready !== false) await worker.waitForLog(FAULT_WORKER_READY, 180_000)
    return worker
  }

  /** The process incarnation (name#n) whose pid is in a worker id, for reports. */
  processOfWorkerId (workerId: string): ManagedProcess | undefined {
    const pid = pidOfWorkerId(workerId)
    return this.processes.find((child) => child.pid === pid)
  }

  /** Uploads one text document; never throws, the outcome is in the result. */
  async upload (filename: string, text: string, timeoutMs = 15_000): Promise<UploadResult> {
    const form = new FormData()
    form.append('file', new Blob([text], { type: 'text/plain' }), filename)
    const sentAt = Date.now()
    try {
      const response = await fetch(`${this.apiUrl}/documents`, {
        method: 'POST', body: form, headers: { authorization: `Bearer ${this.apiKey}` }, signal: AbortSignal.timeout(timeoutMs)
      })
      const body = await response.text()
      const result: UploadResult = { filename, status: response.status, ms: Date.now() - sentAt, sentAt, body: body.slice(0, 2_000) }
      const json = JSON.parse(body) as { id?: string, code?: string }
      if (response.status === 202 && typeof json.id === 'string') {
        result.id = json.id
        this.accepted.set(json.id, result)
      } else {
        result.code = json.code
      }
      return result
    } catch (error) {
      return { filename, status: 0, code: (error as Error).name === 'TimeoutError' ? 'TIMEOUT' : (error as Error).message, ms: Date.now() - sentAt, sentAt }
    }
  }

  /** Uploads many documents, `concurrency` at a time, in order of start. */
  async uploadAll (docs: Array<{ filename: string, text: string }>, concurrency = 6): Promise<UploadResult[]> {
    const results: UploadResult[] = new Array(docs.length)
    let next = 0
    await Promise.all(Array.from({ length: Math.min(concurrency, docs.length) }, async () => {
      while (next < docs.length) {
        const index = next++
        results[index] = await this.upload(docs[index].filename, docs[index].text)
      }
    }))
    return results
  }

  /** GET /documents/:id as JSON (with history). */
  async document (id: string): Promise<DocumentView> {
    const response = await fetch(`${this.apiUrl}/documents/${id}`, {
      headers: { authorization: `Bearer ${this.apiKey}` }, signal: AbortSignal.timeout(10_000)
    })
    if (response.status !== 200) throw new Error(`GET /documents/${id} answered ${response.status}: ${await response.text()}`)
    return await response.json() as DocumentView
  }

  /** Items in progress with a live lease right now, with the pid of their holder. */
  async heldItems (): Promise<HeldItem[]> {
    const { rows } = await this.pool.query<Omit<HeldItem, 'pid'>>(`
      select id as "itemId", document_id as "documentId", attempts, locked_by as "lockedBy"
        from queue_items where status = 'in_progress' and locked_until > now()`)
    return rows.map((row) => ({ ...row, pid: pidOfWorkerId(row.lockedBy) }))
  }

  /** How many of the accepted documents are not final yet (undefined when Postgres cannot say). */
  async unfinished (): Promise<number> {
    const ids = [...this.accepted.keys()]
    const { rows } = await this.pool.query<{ done: number }>(
      "select count(*)::int as done from documents where id = any($1::uuid[]) and status in ('completed', 'failed')", [ids])
    return ids.length - rows[0].done
  }

  /**
   * Waits until every accepted document is completed or failed; returns when that was seen.
   * `giveUp` may name a reason to stop waiting at once (say, no worker left to do the work).
   */
  async waitAllFinal (timeoutMs: number, giveUp?: () => string | undefined): Promise<number> {
    let reason: string | undefined
    await waitFor(`all ${this.accepted.size} accepted documents to be final`, async () => {
      reason = giveUp?.()
      if (reason !== undefined) return false
      return (await this.unfinished()) === 0 ? true : undefined
    }, { timeoutMs, intervalMs: 150, tolerateErrors: true })
    if (reason !== undefined) throw new Error(`gave up waiting for the documents to be final: ${reason}`)
    return Date.now()
  }

  /** Why no worker can make progress any more, or undefined while one runs. */
  noWorkerLeft (): string | undefined {
    return [...this.workers.values()].some((worker) => worker.running) ? undefined : 'every worker process has exited'
  }

  /** Kills every process, closes the pool, drops the database. Safe to call twice. */
  async close (): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.all(this.processes.map(async (child) => { await child.kill() }))
      await this.pool.end().catch(() => {})
      // FAULTS_KEEP_DB=1 leaves the database for a post-mortem (on the shared server only).
      if (this.#options.dropDatabase && process.env.FAULTS_KEEP_DB !== '1') await dropDatabase(this.databaseUrl)
      this.#unregister()
    })()
    await this.#closing
  }
}

/** The parts of GET /documents/:id the scenarios read. */
export interface DocumentView {
  id: string
  filename: string
  status: string
  attempts: number
  maxAttempts: number
  errorKind: string | null
  errorCode: string | null
  nextRetryAt: string | null
  version: number
  history: Array<{ attempt: number, worker: string, startedAt: string, finishedAt: string | null, outcome: string | null, error: string | null }>
}
