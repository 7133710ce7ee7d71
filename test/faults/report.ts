import { writeFile } from 'node:fs/promises'
import type { InvariantRow } from './invariants.js'
import type { ScenarioResult } from './scenario.js'

export interface Totals {
  passed: number
  failed: number
  skipped: number
}

const COLUMNS = ['scenario', 'result', 'faults', 'accepted', 'completed', 'failed exp/unexp', 'lost', 'completed-twice', 'stuck', 'attempts-consistent', 'dup exec', 'latency p50/p99', 'recovery', 'duration']

function seconds (ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`
}

function cells (result: ScenarioResult): string[] {
  const row: InvariantRow | undefined = result.row
  const verdict = result.status === 'passed' ? 'PASS' : result.status === 'failed' ? 'FAIL' : 'SKIPPED'
  const faults = result.faults === undefined ? '-' : String(result.faults)
  if (row === undefined) return [`${result.id} ${result.title}`, verdict, faults, ...COLUMNS.slice(3, -1).map(() => '-'), seconds(result.durationMs)]
  return [
    `${result.id} ${result.title}`,
    verdict,
    faults,
    String(row.accepted),
    String(row.completed),
    `${row.failedExpected}/${row.failedUnexpected}`,
    String(row.lost),
    String(row.completedTwice),
    String(row.stuck),
    row.attemptsInconsistent === 0 ? 'yes' : `no (${row.attemptsInconsistent})`,
    String(row.duplicateExecutions),
    row.latencyP50Ms === null ? '-' : `${seconds(row.latencyP50Ms)} / ${seconds(row.latencyP99Ms)}`,
    seconds(row.recoveryMs),
    seconds(result.durationMs)
  ]
}

/** The results as an aligned plain-text table for the terminal. */
export function textTable (results: ScenarioResult[]): string {
  const rows = [COLUMNS, ...results.map(cells)]
  const widths = COLUMNS.map((_, column) => Math.max(...rows.map((row) => row[column].length)))
  const line = (row: string[]): string => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd()
  return [line(rows[0]), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.slice(1).map(line)].join('\n')
}

/** The results as a Markdown table. */
export function markdownTable (results: ScenarioResult[]): string {
  const escape = (cell: string): string => cell.replaceAll('|', '\\|')
  return [
    `| ${COLUMNS.join(' | ')} |`,
    `|${COLUMNS.map(() => '---').join('|')}|`,
    ...results.map((result) => `| ${cells(result).map(escape).join(' | ')} |`)
  ].join('\n')
}

/** The checks, metrics and problems of one scenario, for the terminal and the Markdown file. */
export function details (result: ScenarioResult, maxProblems = 12): string[] {
  const lines: string[] = []
  if (result.reason !== undefined) lines.push(`${result.status === 'skipped' ? 'skipped' : 'error'}: ${result.reason}`)
  for (const check of result.checks) lines.push(`${check.ok ? 'ok  ' : 'FAIL'} ${check.name}${check.detail === '' ? '' : `: ${check.detail}`}`)
  const metrics = Object.entries(result.metrics)
  if (metrics.length > 0) lines.push(`metrics: ${metrics.map(([name, value]) => `${name}=${value}`).join(', ')}`)
  for (const problem of result.problems.slice(0, maxProblems)) lines.push(`problem: ${problem}`)
  if (result.problems.length > maxProblems) lines.push(`problem: ... and ${result.problems.length - maxProblems} more`)
  return lines
}

export function totalsOf (results: ScenarioResult[]): Totals {
  return {
    passed: results.filter((result) => result.status === 'passed').length,
    failed: results.filter((result) => result.status === 'failed').length,
    skipped: results.filter((result) => result.status === 'skipped').length
  }
}

/** The summary line CI greps for. */
export function summaryLine (totals: Totals): string {
  return `faults: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`
}

/**
 * Writes results.json and RESULTS.md. `sanitize` removes machine paths (the temp log directory)
 * from every string first: these files are committed and copied into the README.
 */
export async function writeResults (options: {
  jsonPath: URL
  markdownPath: URL
  results: ScenarioResult[]
  totals: Totals
  startedAt: Date
  durationMs: number
  settings: Record<string, unknown>
  sanitize: (text: string) => string
}): Promise<void> {
  const { results, totals, sanitize } = options
  const json = {
    date: options.startedAt.toISOString(),
    durationMs: options.durationMs,
    settings: options.settings,
    totals,
    scenarios: results.map((result) => ({
      id: result.id,
      title: result.title,
      status: result.status,
      reason: result.reason,
      durationMs: result.durationMs,
      invariants: result.row ?? null,
      checks: result.checks,
      metrics: result.metrics,
      problems: result.problems.slice(0, 50)
    }))
  }
  await writeFile(options.jsonPath, `${sanitize(JSON.stringify(json, null, 2))}\n`)
  const markdown = [
    '# docqueue fault-injection results',
    '',
    `Run on ${options.startedAt.toISOString().slice(0, 10)} (${options.startedAt.toISOString()}), ` +
      `${(options.durationMs / 1000).toFixed(0)} s in all, with \`npm run test:faults\` ` +
      `(FAULTS_SCALE=${String(options.settings.scale)}, FAULTS_SOAK_SECONDS=${String(options.settings.soakSeconds)}). Real processes: API, workers, redis-server and, for R8, a private PostgreSQL cluster.`,
    '',
    markdownTable(results),
    '',
    '`lost` = accepted but not final; `completed-twice` = version > 1 or more than one completed attempt; ' +
      '`stuck` = in progress with an expired lease after recovery; `dup exec` = attempts that ran again after a crash, ' +
      'a stolen lease or a release (at-least-once, reported only); `faults` = faults injected, where the scenario counts them; ' +
      '`latency p50/p99` = upload to completed over the completed documents (reported only); `recovery` = last fault to last document final (reported only).',
    '',
    summaryLine(totals),
    '',
    '## Details',
    '',
    ...results.flatMap((result) => [`### ${result.id} ${result.title}: ${result.status}`, '', ...details(result, 20).map((line) => `- ${line}`), ''])
  ].join('\n')
  await writeFile(options.markdownPath, sanitize(markdown))
}
