import type { MachineInfo } from './machine.js'
import type { UploadStats } from './upload-load.js'

/** One pipeline's upload run. */
export interface UploadPhase {
  stats: UploadStats
  warmupOk: number
  /** Rows in the pipeline's table after warm-up and run. */
  rows: number
  /** Requests of warm-up and run that were cut off in flight when the load stopped. */
  cutOff: number
  /** docqueue only: queue items whose wake-up reached BullMQ. */
  dispatched?: number
  apiPeakRssBytes: number | undefined
  cpu: Record<string, number>
}

/** One pipeline's backlog drain. */
export interface DrainPhase {
  /** Worker processes that drained it. */
  processes: number
  docs: number
  completed: number
  failed: number
  /** From releasing the queue to the poll that saw the last document finish. */
  wallSeconds: number
  /** First to last completion, from the database's timestamps: the rate once workers run. */
  drainSeconds: number
  docsPerSecond: number
  /** docqueue only: claim to completion of one item, in ms. */
  itemMs?: { p50: number, p99: number }
  workerPeakRssBytes: Array<number | undefined>
  /** CPU cores by group over `wallSeconds`. */
  cpu: Record<string, number>
  /**
   * From spawning the workers to their being idle on the held queue, and the CPU they (with
   * their extraction processes) spent in it: loading code and parsers, not part of the drain.
   */
  workerStart: { seconds: number, cpuSeconds: number }
}

/** One upload run, then one drain per worker process count of the settings, in their order. */
export interface PipelineResults { upload: UploadPhase, drains: DrainPhase[] }

export interface BenchSettings {
  seconds: number
  warmupSeconds: number
  connections: number
  fileBytes: number
  docs: number | 'backlog'
  /** Worker process counts, one drain each. */
  workers: number[]
  concurrency: number
}

export interface BenchReport {
  date: Date
  settings: BenchSettings
  machine: MachineInfo
  /** Cores busy on the machine during a second before the bench started anything. */
  busyBefore: number
  docqueue: PipelineResults
  naive?: PipelineResults
}

const numberFormat = (digits: number): Intl.NumberFormat =>
  new Intl.NumberFormat('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

function fmt (value: number | undefined, digits = 0): string {
  return value === undefined || Number.isNaN(value) ? 'n/a' : numberFormat(digits).format(value)
}

function mib (bytes: number | undefined): string {
  return bytes === undefined ? 'n/a' : `${fmt(bytes / 2 ** 20)} MiB`
}

function ratio (a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined || b === 0 ? '' : `${fmt(a / b, 2)}×`
}

function maxOf (values: Array<number | undefined>): number | undefined {
  const known = values.filter((value): value is number => value !== undefined)
  return known.length === 0 ? undefined : Math.max(...known)
}

function cores (cpu: Record<string, number> | undefined, key: string): number | undefined {
  return cpu?.[key]
}

/** CPU time of the service's processes per upload: robust to other load on the machine, unlike the rate. */
function cpuMsPerUpload (upload: UploadPhase | undefined): number | undefined {
  if (upload === undefined) return undefined
  const { api = 0, postgres = 0, redis = 0 } = upload.cpu
  return (api + postgres + redis) / upload.stats.okPerSecond * 1000
}

/** CPU time of `keys` per drained document, from the queue's release (the workers' start-up is apart). */
function cpuMsPerDoc (drain: DrainPhase | undefined, keys = ['workers', 'postgres', 'redis']): number | undefined {
  if (drain === undefined) return undefined
  const cores = keys.reduce((sum, key) => sum + (drain.cpu[key] ?? 0), 0)
  return cores * drain.wallSeconds / drain.docs * 1000
}

function rowsCheck (upload: UploadPhase): string {
  const ok = upload.warmupOk + upload.stats.ok
  if (upload.rows === ok) return `${fmt(upload.rows)} = 2xx ✓`
  const explained = upload.rows > ok && upload.rows <= ok + upload.cutOff
  return `${fmt(upload.rows)} vs 2xx ${fmt(ok)}${explained ? ` (+${fmt(upload.rows - ok)} cut off in flight ✓)` : ' ✗'}`
}

/** The results as a Markdown document: settings, a side-by-side table, the machine. */
export function renderReport (report: BenchReport): string {
  const { settings, machine, docqueue: dq, naive } = report
  const rows: Array<[string, string, string, string]> = []
  const row = (label: string, a: number | undefined, b: number | undefined, digits = 0, unit = ''): void => {
    rows.push([label, `${fmt(a, digits)}${a === undefined ? '' : unit}`, naive === undefined ? '' : `${fmt(b, digits)}${b === undefined ? '' : unit}`, ratio(a, b)])
  }
  const du = dq.upload
  const nu = naive?.upload
  row('uploads/s (2xx)', du.stats.okPerSecond, nu?.stats.okPerSecond)
  row('latency p50', du.stats.latencyMs.p50, nu?.stats.latencyMs.p50, 0, ' ms')
  row('latency p97.5', du.stats.latencyMs.p97_5, nu?.stats.latencyMs.p97_5, 0, ' ms')
  row('latency p99', du.stats.latencyMs.p99, nu?.stats.latencyMs.p99, 0, ' ms')
  row('latency max', du.stats.latencyMs.max, nu?.stats.latencyMs.max, 0, ' ms')
  rows.push(['non-2xx / errors / timeouts',
    `${fmt(du.stats.non2xx)} / ${fmt(du.stats.errors)} / ${fmt(du.stats.timeouts)}`,
    nu === undefined ? '' : `${fmt(nu.stats.non2xx)} / ${fmt(nu.stats.errors)} / ${fmt(nu.stats.timeouts)}`, ''])
  rows.push(['rows written (warm-up + run)', rowsCheck(du), nu === undefined ? '' : rowsCheck(nu), ''])
  if (du.dispatched !== undefined) rows.push(['wake-ups in BullMQ', `${fmt(du.dispatched)} of ${fmt(du.rows)}`, '', ''])
  rows.push(['API peak RSS', mib(du.apiPeakRssBytes), nu === undefined ? '' : mib(nu.apiPeakRssBytes), ratio(du.apiPeakRssBytes, nu?.apiPeakRssBytes)])
  row('CPU time per upload (API + Postgres + Redis)', cpuMsPerUpload(du), cpuMsPerUpload(nu), 2, ' ms')
  for (const [key, label] of [['api', 'API'], ['postgres', 'Postgres'], ['redis', 'Redis'], ['load', 'autocannon + bench'], ['other', 'everything else'], ['machine', 'whole machine']]) {
    row(`CPU cores during upload: ${label}`, cores(du.cpu, key), cores(nu?.cpu, key), 2)
  }
  dq.drains.forEach((dd, i) => {
    const nd = naive?.drains[i]
    rows.push([`**end to end, ${dd.processes} worker process${dd.processes === 1 ? '' : 'es'}**`, '', '', ''])
    row('end to end docs/s (first → last completion)', dd.docsPerSecond, nd?.docsPerSecond)
    row('end to end docs/s (release of the queue → last finished, 100 ms polls)', dd.docs / dd.wallSeconds, nd === undefined ? undefined : nd.docs / nd.wallSeconds)
    rows.push(['docs completed / failed / total', `${fmt(dd.completed)} / ${fmt(dd.failed)} / ${fmt(dd.docs)}`,
      nd === undefined ? '' : `${fmt(nd.completed)} / ${fmt(nd.failed)} / ${fmt(nd.docs)}`, ''])
    if (dd.itemMs !== undefined) rows.push(['one item, claim → completed, p50 / p99', `${fmt(dd.itemMs.p50, 1)} / ${fmt(dd.itemMs.p99, 1)} ms`, '', ''])
    const dPeak = maxOf(dd.workerPeakRssBytes)
    const nPeak = nd === undefined ? undefined : maxOf(nd.workerPeakRssBytes)
    rows.push([`worker process peak RSS, its extraction processes not included (max of ${dd.workerPeakRssBytes.length})`, mib(dPeak), nd === undefined ? '' : mib(nPeak), ratio(dPeak, nPeak)])
    row('workers\' start-up on the held queue, spawn → idle (loading code and parsers)', dd.workerStart.seconds, nd?.workerStart.seconds, 1, ' s')
    row('workers\' start-up CPU, with their extraction processes', dd.workerStart.cpuSeconds * 1000, nd === undefined ? undefined : nd.workerStart.cpuSeconds * 1000, 0, ' ms')
    row('CPU time per document (workers + Postgres + Redis)', cpuMsPerDoc(dd), cpuMsPerDoc(nd), 2, ' ms')
    for (const [key, label] of [['workers', 'workers'], ['postgres', 'Postgres'], ['redis', 'Redis']]) {
      row(`CPU time per document: ${label}`, cpuMsPerDoc(dd, [key]), cpuMsPerDoc(nd, [key]), 2, ' ms')
    }
    for (const [key, label] of [['workers', 'workers'], ['postgres', 'Postgres'], ['redis', 'Redis'], ['other', 'everything else'], ['machine', 'whole machine']]) {
      row(`CPU cores while draining: ${label}`, cores(dd.cpu, key), cores(nd?.cpu, key), 2)
    }
  })

  const table = [
    `| | docqueue | ${naive === undefined ? '' : 'naive pipeline'} | ${naive === undefined ? '' : 'docqueue / naive'} |`,
    '|---|---:|---:|---:|',
    ...rows.map((cells) => `| ${cells.join(' | ')} |`)
  ]
  const docs = settings.docs === 'backlog' ? 'the upload backlog' : `a fresh batch of ${fmt(settings.docs)} documents`
  return [
    `# docqueue benchmark, ${report.date.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `Uploads: POST /documents, multipart with one ${fmt(settings.fileBytes / 1024)} KB plain-text file, ` +
    `${settings.connections} connections over loopback, ${settings.warmupSeconds} s warm-up then ${settings.seconds} s measured ` +
    '(autocannon, in the bench process). API alone, LOG_LEVEL=warn.',
    `End to end: ${docs} uploaded with no worker running, then ${settings.workers.join(', then ')} worker process(es) × concurrency ` +
    `${settings.concurrency} drain it (a fresh batch each time); the API is stopped meanwhile. The workers start on a paused BullMQ queue ` +
    'and the queue is resumed once they are idle, so the drain is timed with workers that have finished starting (their start-up has rows of its own).',
    'The naive pipeline is bench/naive-app.ts (one insert of the bytes + one BullMQ add) and bench/naive-worker.ts ' +
    '(per job: decode the UTF-8 text, cut passages, one English tsvector each, mark it done), run the same way on the same database and Redis.',
    '',
    ...table,
    '',
    ...scaleOutTable(dq.drains, naive?.drains),
    '| machine | |',
    '|---|---|',
    `| CPU | ${machine.cpu} |`,
    `| cores | ${machine.cores} |`,
    `| RAM | ${fmt(machine.ramGiB, 1)} GiB |`,
    `| kernel | ${machine.kernel} |`,
    `| Node.js | ${machine.node} |`,
    `| PostgreSQL | ${machine.postgres} |`,
    `| Redis | ${machine.redis} |`,
    `| busy before the run | ${fmt(report.busyBefore, 2)} cores${report.busyBefore > 0.25 ? ' (other work was running: the numbers are low)' : ''} |`,
    ''
  ].join('\n')
}

/** Docs/s and CPU per document by worker process count, when the bench drained with several. */
function scaleOutTable (drains: DrainPhase[], naive: DrainPhase[] | undefined): string[] {
  if (drains.length < 2) return []
  const first = drains[0].docsPerSecond
  return [
    '| worker processes | docqueue docs/s | × one process | CPU ms per doc (workers / Postgres / Redis) | naive docs/s | docqueue / naive |',
    '|---:|---:|---:|---:|---:|---:|',
    ...drains.map((drain, i) => {
      const split = ['workers', 'postgres', 'redis'].map((key) => fmt(cpuMsPerDoc(drain, [key]), 2)).join(' / ')
      const nd = naive?.[i]
      return `| ${drain.processes} | ${fmt(drain.docsPerSecond)} | ${fmt(drain.docsPerSecond / first, 2)}× | ${fmt(cpuMsPerDoc(drain), 2)} (${split}) | ${fmt(nd?.docsPerSecond)} | ${ratio(drain.docsPerSecond, nd?.docsPerSecond)} |`
    }),
    ''
  ]
}

/** What bench/extraction.ts measures: the processor alone over the corpus. */
export interface ExtractionStats {
  files: number
  rounds: number
  processes: number
  pagesPerRound: number
  documentsPerSecond: number
  pagesPerSecond: number
  /** Pages per CPU second of the extraction processes: what one fully busy core extracts. */
  pagesPerCoreSecond: number
  extractionCpuMsPerRound: number
  megabytesPerSecond: number
  failedPerRound: number
  /** Peak of the summed resident memory of the driving process and its extraction processes. */
  peakRssMiB: number
  /** Peak of the extraction processes' summed resident memory. */
  extractionPeakRssMiB: number
}

/** The extraction section of the report. */
export function renderExtraction (stats: ExtractionStats): string {
  return [
    '',
    '## Extraction over the corpus',
    '',
    `The ${stats.files} corpus files (${stats.pagesPerRound} PDF pages; ${stats.failedPerRound} files fail by design: broken, encrypted, not documents), ` +
      `${stats.rounds} rounds after a warm-up, ${stats.processes} extraction processes with as many documents in flight, driven from a process of its own. ` +
      'Pages per core-second: pages over the CPU time (user + system) of the extraction processes; peak RSS: the highest sum at one instant, sampled every 50 ms.',
    '',
    '| documents/s | pages/s | pages per core-second | CPU per round | MB/s | peak RSS (extraction processes) | peak RSS (with the driving process) |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    `| ${stats.documentsPerSecond.toFixed(1)} | ${stats.pagesPerSecond.toFixed(1)} | ${stats.pagesPerCoreSecond.toFixed(1)} | ${stats.extractionCpuMsPerRound.toFixed(0)} ms | ` +
      `${stats.megabytesPerSecond.toFixed(2)} | ${stats.extractionPeakRssMiB.toFixed(0)} MiB | ${stats.peakRssMiB.toFixed(0)} MiB |`,
    ''
  ].join('\n')
}
