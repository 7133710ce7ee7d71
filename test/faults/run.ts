import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { installSignalHandlers, onCleanup, runCleanups } from './cleanup.js'
import { repoRoot } from './deployment.js'
import { withTimeout } from './poll.js'
import { transpileSources } from '../helpers/transpiled-sources.js'
import { details, summaryLine, textTable, totalsOf, writeResults } from './report.js'
import { ScenarioRun, SkipScenario, type RunSettings, type ScenarioDefinition, type ScenarioResult } from './scenario.js'
import { killWorkers } from './scenarios/r1-kill-workers.js'
import { poisonPill } from './scenarios/r13-poison.js'
import { flushAll } from './scenarios/r3-flushall.js'
import { redisRestart } from './scenarios/r4-redis-restart.js'
import { postgresRestart } from './scenarios/r8-postgres-restart.js'
import { flakyRetries } from './scenarios/r11-flaky-retries.js'
import { gracefulShutdown } from './scenarios/r14-graceful-shutdown.js'
import { blockedEventLoop } from './scenarios/r2-blocked-event-loop.js'
import { redisAof } from './scenarios/r5-redis-aof.js'
import { crashBeforeDispatch } from './scenarios/r9-crash-before-dispatch.js'
import { duplicateDispatch } from './scenarios/r10-duplicate-dispatch.js'
import { silentPartition } from './scenarios/r15-silent-partition.js'
import { chaosSoak } from './scenarios/r17-chaos-soak.js'

// The fault-injection suite: real API, worker, Redis and Postgres processes, broken on purpose.
// Usage: node --import tsx test/faults/run.ts   (npm run test:faults)
// Environment (all optional):
//   FAULTS_SCALE=10          multiplies document counts and kill rounds (nightly soak)
//   FAULTS_ONLY=R1,R8        runs a subset; the others are listed as skipped
//   FAULTS_SOAK_SECONDS=1800 how long R17's chaos soak injects faults (default 30 × FAULTS_SCALE)
//   FAULTS_KEEP_LOGS=1       keeps the service logs of a passing run (a failing run always keeps them)
//   FAULTS_KEEP_DB=1         leaves each scenario's database on the shared server for a post-mortem
//   FAULTS_LOG_LEVEL=info    service log level (default warn)
//   FAULTS_POSTGRES_URL      the shared server (default postgres://postgres@127.0.0.1:5432/postgres)
//   FAULTS_PG_BIN            PostgreSQL bin directory for R8 (default: newest /usr/lib/postgresql/*/bin)

const scenarios: ScenarioDefinition[] = [
  killWorkers,
  poisonPill,
  flushAll,
  redisRestart,
  postgresRestart,
  flakyRetries,
  gracefulShutdown,
  blockedEventLoop,
  redisAof,
  crashBeforeDispatch,
  duplicateDispatch,
  silentPartition,
  chaosSoak
]

// The entry points the scenarios start, many times each: transpiled once per run and started with
// plain node, since tsx costs over a second of CPU at every start (and in every extraction
// process a worker forks).
const SERVICE_ENTRIES = ['src/bin/api.ts', 'src/bin/keys.ts', 'test/faults/fault-worker.ts']

function settingsFromEnv (sourcesRoot: string): RunSettings & { only: Set<string> | undefined, keepLogs: boolean } {
  const scale = Number(process.env.FAULTS_SCALE ?? '1')
  if (!Number.isFinite(scale) || scale <= 0) throw new Error(`FAULTS_SCALE must be a positive number, not ${process.env.FAULTS_SCALE}`)
  const soakSeconds = Number(process.env.FAULTS_SOAK_SECONDS ?? String(30 * scale))
  if (!Number.isFinite(soakSeconds) || soakSeconds <= 0) throw new Error(`FAULTS_SOAK_SECONDS must be a positive number, not ${process.env.FAULTS_SOAK_SECONDS}`)
  const only = process.env.FAULTS_ONLY === undefined || process.env.FAULTS_ONLY === ''
    ? undefined
    : new Set(process.env.FAULTS_ONLY.split(',').map((id) => id.trim().toUpperCase()))
  return {
    scale,
    soakSeconds,
    only,
    keepLogs: process.env.FAULTS_KEEP_LOGS === '1',
    sharedPostgresUrl: process.env.FAULTS_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    logCapBytes: 5 * 1024 * 1024,
    sourcesRoot
  }
}

/**
 * The committed result files must not carry this machine's paths: the log directory, the
 * repository, node, temp directories and PostgreSQL binaries become placeholders.
 */
function sanitizePaths (text: string, logRoot: string): string {
  let clean = text
    .replaceAll(logRoot, '<logs>')
    .replaceAll(repoRoot, '<repo>/')
    .replaceAll(process.execPath, 'node')
    .replace(/\/usr\/lib\/postgresql\/[^/\s]+\/bin\//g, '<pg-bin>/')
  // Never "/": it would match everything.
  for (const [path, placeholder] of [[tmpdir(), '<tmp>'], [homedir(), '<home>']]) {
    if (path.length > 1) clean = clean.replaceAll(path, placeholder)
  }
  return clean
}

function log (line: string): void {
  process.stdout.write(`${line}\n`)
}

async function runScenario (definition: ScenarioDefinition, settings: RunSettings, logRoot: string): Promise<ScenarioResult> {
  const logDir = join(logRoot, definition.id)
  await mkdir(logDir, { recursive: true })
  const scenario = new ScenarioRun(definition, settings, logDir)
  const started = Date.now()
  let status: ScenarioResult['status'] = 'failed'
  let reason: string | undefined
  // A last bound: every wait inside a scenario has its own deadline, this catches the unforeseen.
  const limitMs = 180_000 + 60_000 * settings.scale + 2_000 * settings.soakSeconds
  try {
    await withTimeout(`scenario ${definition.id}`, limitMs, definition.run(scenario))
    if (scenario.row === undefined) await scenario.verify()
    status = scenario.holds ? 'passed' : 'failed'
  } catch (error) {
    if (error instanceof SkipScenario) {
      status = 'skipped'
      reason = error.message
    } else {
      reason = (error as Error).message
      await scenario.verifyAfterError()
    }
  } finally {
    const errors = await scenario.teardown()
    for (const error of errors) scenario.problems.push(`teardown: ${error}`)
  }
  return {
    id: definition.id,
    title: definition.title,
    status,
    reason,
    row: status === 'skipped' ? undefined : scenario.row,
    checks: scenario.checks,
    metrics: scenario.metrics,
    faults: scenario.faults,
    problems: scenario.problems,
    durationMs: Date.now() - started,
    logDir
  }
}

async function main (): Promise<number> {
  installSignalHandlers(log)
  const startedAt = new Date()
  const sourcesRoot = await mkdtemp(join(tmpdir(), 'docq-faults-sources-'))
  onCleanup('transpiled sources', async () => { await rm(sourcesRoot, { recursive: true, force: true }) })
  await transpileSources(sourcesRoot, SERVICE_ENTRIES)
  const settings = settingsFromEnv(sourcesRoot)
  const logRoot = await mkdtemp(join(tmpdir(), 'docq-faults-'))
  const sanitize = (text: string): string => sanitizePaths(text, logRoot)
  log(`faults: ${scenarios.length} scenarios, FAULTS_SCALE=${settings.scale}, FAULTS_SOAK_SECONDS=${settings.soakSeconds}, logs in ${logRoot}`)

  const results: ScenarioResult[] = []
  try {
    for (const definition of scenarios) {
      if (settings.only !== undefined && !settings.only.has(definition.id)) {
        results.push({ id: definition.id, title: definition.title, status: 'skipped', reason: 'not selected by FAULTS_ONLY', checks: [], metrics: {}, problems: [], durationMs: 0, logDir: '' })
        continue
      }
      log(`\n== ${definition.id} ${definition.title}`)
      const result = await runScenario(definition, settings, logRoot)
      results.push(result)
      log(`${result.status.toUpperCase()} ${definition.id} in ${(result.durationMs / 1000).toFixed(1)} s`)
      for (const line of details(result)) log(`  ${line}`)
      if (result.status === 'failed') log(`  logs: ${result.logDir}`)
    }
  } finally {
    const errors = await runCleanups()
    for (const error of errors) log(`cleanup: ${error}`)
  }

  const totals = totalsOf(results)
  const durationMs = Date.now() - startedAt.getTime()
  log(`\n${textTable(results)}\n`)
  await writeResults({
    jsonPath: new URL('./results.json', import.meta.url),
    markdownPath: new URL('./RESULTS.md', import.meta.url),
    results,
    totals,
    startedAt,
    durationMs,
    settings: { scale: settings.scale, soakSeconds: settings.soakSeconds, only: settings.only === undefined ? null : [...settings.only] },
    sanitize
  })
  log(`total ${(durationMs / 1000).toFixed(1)} s; results in test/faults/results.json and test/faults/RESULTS.md`)
  if (totals.failed > 0 || settings.keepLogs) log(`logs kept in ${logRoot}`)
  else await rm(logRoot, { recursive: true, force: true })
  log(summaryLine(totals))
  return totals.failed > 0 ? 1 : 0
}

main().then((code) => { process.exitCode = code }, (error: Error) => {
  log(`faults: the harness itself failed: ${error.stack ?? error.message}`)
  runCleanups().finally(() => { process.exitCode = 2 })
})
