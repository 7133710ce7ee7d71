import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { Deployment, type DeploymentOptions } from './deployment.js'
import { evaluate, rowHolds, snapshot, type DocSnapshot, type InvariantRow } from './invariants.js'
import { PrivateRedis } from './redis-server.js'
import { SilentProxy } from './silent-proxy.js'

/** What the whole run was asked for. */
export interface RunSettings {
  /** Multiplies document counts (and kill rounds): 1 in CI, more in a nightly soak. */
  scale: number
  /** How long R17's chaos soak uploads and injects faults. */
  soakSeconds: number
  /** Any URL of the shared Postgres server; each scenario makes its own database on it. */
  sharedPostgresUrl: string
  logCapBytes: number
  /** The directory the service's processes run from: the sources transpiled once per run. */
  sourcesRoot: string
}

export interface Check {
  name: string
  ok: boolean
  detail: string
}

export type ScenarioStatus = 'passed' | 'failed' | 'skipped'

export interface ScenarioResult {
  id: string
  title: string
  status: ScenarioStatus
  /** Why it was skipped, or the error that stopped it. */
  reason?: string
  row?: InvariantRow
  checks: Check[]
  metrics: Record<string, string | number>
  /** How many faults the scenario injected, where it counts them. */
  faults?: number
  problems: string[]
  durationMs: number
  logDir: string
}

export interface ScenarioDefinition {
  id: string
  title: string
  run: (scenario: ScenarioRun) => Promise<void>
}

/** Thrown by {@link ScenarioRun.skip}: the scenario cannot run on this machine. */
export class SkipScenario extends Error {
  override name = 'SkipScenario'
}

/**
 * The context of one scenario run: its log directory, the engines and deployment it started
 * (all torn down by {@link teardown}), its checks, metrics and invariant row.
 */
export class ScenarioRun {
  readonly definition: ScenarioDefinition
  readonly settings: RunSettings
  readonly logDir: string
  readonly checks: Check[] = []
  readonly metrics: Record<string, string | number> = {}
  readonly problems: string[] = []
  /** Ids of documents meant to end failed. */
  readonly expectedFailures = new Set<string>()
  /** When the (last) fault was injected: recovery time is measured from here. */
  faultAt: number | undefined
  /** How many faults were injected, for the results table (left undefined where not counted). */
  faults: number | undefined
  row: InvariantRow | undefined
  snapshot: DocSnapshot[] = []
  #deployment: Deployment | undefined
  readonly #teardowns: Array<() => Promise<void>> = []

  constructor (definition: ScenarioDefinition, settings: RunSettings, logDir: string) {
    this.definition = definition
    this.settings = settings
    this.logDir = logDir
  }

  /** `n` scaled by FAULTS_SCALE, at least 1. */
  scale (n: number): number {
    return Math.max(1, Math.round(n * this.settings.scale))
  }

  /** Records a pass/fail check. Returns `ok`, so callers can branch on it. */
  check (name: string, ok: boolean, detail = ''): boolean {
    this.checks.push({ name, ok, detail })
    return ok
  }

  metric (name: string, value: string | number): void {
    this.metrics[name] = value
  }

  skip (reason: string): never {
    throw new SkipScenario(reason)
  }

  /** Runs `teardown` at the end of the scenario, before the ones registered earlier. */
  onTeardown (teardown: () => Promise<void>): void {
    this.#teardowns.push(teardown)
  }

  /** A private redis-server for this scenario. */
  async redis (options: { appendOnly?: boolean } = {}): Promise<PrivateRedis> {
    const dataDir = join(this.logDir, 'redis-data')
    await mkdir(dataDir, { recursive: true })
    const redis = await PrivateRedis.start({ logDir: this.logDir, appendOnly: options.appendOnly === true, dataDir, logCapBytes: this.settings.logCapBytes })
    this.onTeardown(async () => { await redis.stop() })
    return redis
  }

  /** A loopback proxy to `url`'s port that the scenario can black-hole; returns it and `url` through it. */
  async proxy (url: string): Promise<{ proxy: SilentProxy, url: string }> {
    const target = new URL(url)
    const defaultPort = target.protocol.startsWith('redis') ? 6379 : 5432
    const proxy = await SilentProxy.start(target.hostname, Number(target.port === '' ? defaultPort : target.port))
    this.onTeardown(async () => { await proxy.close() })
    target.hostname = '127.0.0.1'
    target.port = String(proxy.port)
    return { proxy, url: target.toString() }
  }

  /** A deployment (database, key) on the shared Postgres unless `postgresUrl` says otherwise. */
  async deployment (options: Pick<DeploymentOptions, 'redisUrl'> & Partial<Pick<DeploymentOptions, 'env' | 'postgresUrl' | 'dropDatabase'>>): Promise<Deployment> {
    const deployment = await Deployment.create({
      label: this.definition.id.toLowerCase(),
      logDir: this.logDir,
      logCapBytes: this.settings.logCapBytes,
      sourcesRoot: this.settings.sourcesRoot,
      postgresUrl: options.postgresUrl ?? this.settings.sharedPostgresUrl,
      dropDatabase: options.dropDatabase ?? true,
      redisUrl: options.redisUrl,
      env: options.env
    })
    this.#deployment = deployment
    this.onTeardown(async () => { await deployment.close() })
    return deployment
  }

  /** Checks INV over Postgres for the current deployment and keeps the row. */
  async verify (): Promise<InvariantRow> {
    const deployment = this.#deployment
    if (deployment === undefined) throw new Error('verify() needs a deployment')
    this.snapshot = await snapshot(deployment.pool)
    const { row, problems } = evaluate(this.snapshot, new Set(deployment.accepted.keys()), this.expectedFailures, this.faultAt)
    this.row = row
    this.problems.push(...problems)
    return row
  }

  /** After an error: the invariant row anyway, when Postgres can still be read. */
  async verifyAfterError (): Promise<void> {
    if (this.row !== undefined || this.#deployment === undefined) return
    await this.verify().catch((error: Error) => { this.problems.push(`invariants could not be read: ${error.message}`) })
  }

  /** Stops everything this scenario started, newest first; returns the errors. */
  async teardown (): Promise<string[]> {
    const errors: string[] = []
    for (const teardown of this.#teardowns.reverse()) await teardown().catch((error: Error) => errors.push(error.message))
    this.#teardowns.length = 0
    return errors
  }

  /** Whether INV and every check hold. */
  get holds (): boolean {
    return this.row !== undefined && rowHolds(this.row) && this.checks.every((check) => check.ok) &&
      !this.problems.some((problem) => problem.startsWith('expected to fail'))
  }
}
