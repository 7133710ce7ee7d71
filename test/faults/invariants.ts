import type pg from 'pg'

export interface AttemptSnapshot {
  attempt: number
  worker: string
  outcome: string | null
  startedAt: Date
  finishedAt: Date | null
}

/** A document and its current queue item as Postgres has them, with every attempt. */
export interface DocSnapshot {
  id: string
  filename: string
  status: string
  version: number
  itemStatus: string
  attempts: number
  maxAttempts: number
  errorKind: string | null
  errorCode: string | null
  wakeups: number
  lockedBy: string | null
  runAt: Date
  leaseExpired: boolean
  finishedAt: Date | null
  createdAt: Date
  processedAt: Date | null
  history: AttemptSnapshot[]
}

/** One line of the results table: the INV counts of a scenario. */
export interface InvariantRow {
  accepted: number
  completed: number
  failedExpected: number
  failedUnexpected: number
  lost: number
  completedTwice: number
  stuck: number
  attemptsInconsistent: number
  /** Attempts that ran again after a crash, a stolen lease or a release (at-least-once). */
  duplicateExecutions: number
  recoveryMs: number | null
  /** Upload (the document's insert) to completed, over the completed documents; reported only. */
  latencyP50Ms: number | null
  latencyP99Ms: number | null
}

/** Reads every document of the deployment's database with its current item and attempts. */
export async function snapshot (pool: pg.Pool): Promise<DocSnapshot[]> {
  const { rows } = await pool.query<Omit<DocSnapshot, 'history'> & { history: Array<Omit<AttemptSnapshot, 'startedAt' | 'finishedAt'> & { startedAt: string, finishedAt: string | null }> }>(`
    select d.id, d.filename, d.status, d.version, q.status as "itemStatus", q.attempts, q.max_attempts as "maxAttempts",
           q.error_kind as "errorKind", q.error_code as "errorCode", q.wakeups, q.locked_by as "lockedBy", q.run_at as "runAt",
           coalesce(q.locked_until < now(), false) as "leaseExpired", q.finished_at as "finishedAt", d.created_at as "createdAt",
           d.processed_at as "processedAt",
           coalesce(json_agg(json_build_object('attempt', a.attempt, 'worker', a.worker, 'outcome', a.outcome,
                    'startedAt', a.started_at, 'finishedAt', a.finished_at) order by a.id) filter (where a.id is not null), '[]') as history
      from documents d
      join queue_items q on q.id = d.current_item_id
      left join queue_item_attempts a on a.item_id = q.id
     group by d.id, q.id`)
  return rows.map((row) => ({
    ...row,
    history: row.history.map((entry) => ({
      ...entry,
      startedAt: new Date(entry.startedAt),
      finishedAt: entry.finishedAt === null ? null : new Date(entry.finishedAt)
    }))
  }))
}

const FINAL = new Set(['completed', 'failed'])

/** The nearest-rank percentile `p` (0–100) of `values`, or null when there are none. */
export function percentile (values: number[], p: number): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100 * sorted.length) - 1))]
}

/** Everything Postgres says about a document that did not end well, for the post-mortem. */
function describe (doc: DocSnapshot): string {
  const history = doc.history.map((entry) => `${entry.attempt}:${entry.outcome ?? 'running'}@${entry.startedAt.toISOString().slice(11, 23)}`).join(' ')
  return `${doc.filename} (${doc.id}) is ${doc.status} (item ${doc.itemStatus}), attempts=${doc.attempts}/${doc.maxAttempts}, ` +
    `wakeups=${doc.wakeups}, runAt=${doc.runAt.toISOString().slice(11, 23)}, lockedBy=${doc.lockedBy ?? '-'}, ` +
    `leaseExpired=${doc.leaseExpired}, history=[${history}]`
}

/** What is wrong with one document's attempt bookkeeping, or undefined when it adds up. */
export function attemptProblem (doc: DocSnapshot): string | undefined {
  const counted = doc.history.filter((entry) => entry.outcome !== 'released')
  const numbers = counted.map((entry) => entry.attempt).sort((a, b) => a - b)
  if (doc.attempts !== counted.length) return `attempts=${doc.attempts} but ${counted.length} attempts were not released`
  if (numbers.some((value, index) => value !== index + 1)) return `attempt numbers ${numbers.join(',')} are not 1..${doc.attempts}`
  if (doc.attempts > doc.maxAttempts) return `attempts=${doc.attempts} exceeds maxAttempts=${doc.maxAttempts}`
  if (doc.status !== doc.itemStatus) return `document status ${doc.status} differs from its item's ${doc.itemStatus}`
  if (!FINAL.has(doc.itemStatus)) return undefined
  if (doc.history.some((entry) => entry.outcome === null)) return `${doc.itemStatus} but an attempt has no outcome`
  const last = counted.at(-1)
  const earlier = counted.slice(0, -1)
  if (earlier.some((entry) => entry.outcome !== 'retrying' && entry.outcome !== 'crashed')) {
    return `an attempt before the last ended ${earlier.map((entry) => entry.outcome).join(',')}`
  }
  if (doc.itemStatus === 'completed' && last?.outcome !== 'completed') return `completed but the last attempt ended ${last?.outcome}`
  if (doc.itemStatus === 'failed') {
    if (last?.outcome !== 'failed' && last?.outcome !== 'crashed') return `failed but the last attempt ended ${last?.outcome}`
    if (doc.errorKind === 'crashed' && doc.attempts !== doc.maxAttempts) return `failed as crashed after ${doc.attempts} of ${doc.maxAttempts} attempts`
  }
  return undefined
}

/**
 * Checks INV, the invariants every scenario must keep, over a snapshot: every accepted upload is
 * `completed` or `failed` (none lost), exactly the expected ones failed, none completed twice,
 * none is left `in_progress` with an expired lease, and attempt counts match the history.
 * `accepted` are the ids the API answered 202 for, `expectedFailures` the ids meant to fail.
 * Returns the row and a line per problem.
 */
export function evaluate (docs: DocSnapshot[], accepted: Set<string>, expectedFailures: Set<string>, faultAt: number | undefined): { row: InvariantRow, problems: string[] } {
  const problems: string[] = []
  const byId = new Map(docs.map((doc) => [doc.id, doc]))
  const row: InvariantRow = {
    accepted: accepted.size,
    completed: 0,
    failedExpected: 0,
    failedUnexpected: 0,
    lost: 0,
    completedTwice: 0,
    stuck: 0,
    attemptsInconsistent: 0,
    duplicateExecutions: 0,
    recoveryMs: null,
    latencyP50Ms: null,
    latencyP99Ms: null
  }
  for (const id of accepted) {
    const doc = byId.get(id)
    if (doc === undefined) {
      row.lost += 1
      problems.push(`lost: ${id} was accepted but has no row`)
    } else if (!FINAL.has(doc.status)) {
      row.lost += 1
      problems.push(`lost: ${describe(doc)}`)
    }
  }
  for (const id of expectedFailures) {
    if (byId.get(id)?.status !== 'failed') problems.push(`expected to fail: ${byId.get(id)?.filename ?? id} is ${byId.get(id)?.status ?? 'missing'}`)
  }
  let lastFinish = 0
  for (const doc of docs) {
    if (doc.status === 'completed') row.completed += 1
    if (doc.status === 'failed') {
      if (expectedFailures.has(doc.id)) row.failedExpected += 1
      else {
        row.failedUnexpected += 1
        problems.push(`unexpected failure: ${doc.filename} (${doc.id}) ${doc.errorKind}/${doc.errorCode} after ${doc.attempts} attempts`)
      }
    }
    const completions = doc.history.filter((entry) => entry.outcome === 'completed').length
    if (doc.version > 1 || completions > 1) {
      row.completedTwice += 1
      problems.push(`completed twice: ${doc.filename} (${doc.id}) version=${doc.version}, ${completions} completed attempts`)
    }
    if (doc.itemStatus === 'in_progress' && doc.leaseExpired) {
      row.stuck += 1
      problems.push(`stuck: ${describe(doc)}`)
    }
    const problem = attemptProblem(doc)
    if (problem !== undefined) {
      row.attemptsInconsistent += 1
      problems.push(`attempts inconsistent: ${doc.filename} (${doc.id}): ${problem}`)
    }
    row.duplicateExecutions += doc.history.filter((entry) => entry.outcome === 'crashed' || entry.outcome === 'released').length
    if (doc.finishedAt !== null) lastFinish = Math.max(lastFinish, doc.finishedAt.getTime())
  }
  if (faultAt !== undefined && lastFinish > 0) row.recoveryMs = Math.max(0, lastFinish - faultAt)
  const latencies = docs.flatMap((doc) => doc.status === 'completed' && doc.processedAt !== null ? [doc.processedAt.getTime() - doc.createdAt.getTime()] : [])
  row.latencyP50Ms = percentile(latencies, 50)
  row.latencyP99Ms = percentile(latencies, 99)
  return { row, problems }
}

/** Whether a row satisfies INV (recovery time and duplicate executions are reported only). */
export function rowHolds (row: InvariantRow): boolean {
  return row.lost === 0 && row.failedUnexpected === 0 && row.completedTwice === 0 && row.stuck === 0 && row.attemptsInconsistent === 0
}
