import type { MachineInfo } from '../machine.js'

/** The measurements at one size: median milliseconds per endpoint, in the order they were taken. */
export interface ScaleColumn {
  size: number
  loadSeconds: number
  ms: Map<string, number>
}

function formatMs (ms: number | undefined): string {
  if (ms === undefined) return '–'
  return ms < 10 ? ms.toFixed(1) : ms.toFixed(0)
}

/** The `## Scale` section's body: one row per endpoint, one column per size, and how it was measured. */
export function renderScaleTable (run: { date: Date, machine: MachineInfo, busyBefore: number, runs: number, columns: ScaleColumn[] }): string {
  const { machine, columns } = run
  const names = columns.at(-1)?.ms.keys() ?? []
  const header = `| server time, ms (median of ${run.runs}) | ${columns.map((column) => `${column.size.toLocaleString('en')} docs`).join(' | ')} |`
  return [
    `${run.date.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${machine.cores} cores (${machine.cpu}), ${machine.ramGiB} GiB, Node ${machine.node}, ` +
      `PostgreSQL ${machine.postgres}, Redis ${machine.redis}; ${run.busyBefore.toFixed(2)} cores busy with other work before the run. npm run bench -- --scale.`,
    '',
    'One database grown between the columns (94% of the documents in one tenant, the rest in three others; 85% completed, 6% failed in',
    '36 error groups, 3% waiting for a retry, 5% pending, 1 in 20,000 in progress; one to two passages per result). Each figure is the median time',
    'of a request through the app in-process (`inject`, no network) after one unmeasured request (one measured request when that took over 5 s);',
    'admin requests as an admin of every tenant.',
    '',
    header,
    `|---|${columns.map(() => '---:').join('|')}|`,
    ...[...names].map((name) => `| ${name} | ${columns.map((column) => formatMs(column.ms.get(name))).join(' | ')} |`),
    `| *loading that step (s)* | ${columns.map((column) => column.loadSeconds.toFixed(0)).join(' | ')} |`
  ].join('\n')
}
