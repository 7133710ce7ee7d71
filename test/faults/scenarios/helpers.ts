import type { ManagedProcess } from '../child-process.js'
import type { Deployment, HeldItem, UploadResult } from '../deployment.js'
import type { DocSnapshot } from '../invariants.js'
import { readLogLines, withMessage, type LogLine } from '../logs.js'
import { waitFor } from '../poll.js'
import type { ScenarioRun } from '../scenario.js'

/** Checks that every upload was answered 202. */
export function checkAllAccepted (scenario: ScenarioRun, uploads: UploadResult[], what = 'every upload answered 202'): void {
  const refused = uploads.filter((upload) => upload.status !== 202)
  scenario.check(what, refused.length === 0,
    refused.length === 0 ? `${uploads.length} uploads` : refused.slice(0, 5).map((upload) => `${upload.filename}: ${upload.status} ${upload.code ?? ''}`).join('; '))
}

/** Waits until the named worker holds at least `count` items with a live lease; returns them. */
export async function waitUntilHolding (deployment: Deployment, worker: ManagedProcess, count: number, timeoutMs: number): Promise<HeldItem[]> {
  return await waitFor(`${worker.name} to hold ${count} item(s)`, async () => {
    if (!worker.running) throw new Error(`${worker.name} exited while the harness waited for it to hold work`)
    const held = (await deployment.heldItems()).filter((item) => item.pid === worker.pid)
    return held.length >= count ? held : undefined
  }, { timeoutMs, intervalMs: 25 })
}

/**
 * Sums a numeric field over the worker log lines with `message`, split at `splitAt` (the fault):
 * what was logged before it and what after.
 */
export async function sumLogField (deployment: Deployment, message: string, field: string, splitAt = 0): Promise<{ before: number, after: number, firstAfter: number | undefined }> {
  const paths = deployment.processes.filter((child) => child.name.startsWith('worker')).map((child) => child.logPath)
  const lines = withMessage(await readLogLines([...new Set(paths)]), message)
  const value = (line: LogLine): number => typeof line[field] === 'number' ? line[field] as number : 0
  const after = lines.filter((line) => (line.time ?? 0) >= splitAt)
  const times = after.map((line) => line.time).filter((time): time is number => typeof time === 'number')
  return {
    before: lines.filter((line) => (line.time ?? 0) < splitAt).reduce((total, line) => total + value(line), 0),
    after: after.reduce((total, line) => total + value(line), 0),
    firstAfter: times.length > 0 ? Math.min(...times) : undefined
  }
}

/** Counts log lines with `message` over every process of the deployment. */
export async function countLogLines (deployment: Deployment, message: string): Promise<number> {
  const paths = [...new Set(deployment.processes.map((child) => child.logPath))]
  return withMessage(await readLogLines(paths), message).length
}

/** Checks that no process exited unless the harness ended it. */
export function checkNoCrash (scenario: ScenarioRun, deployment: Deployment, what = 'no service process exited by itself'): void {
  const crashed = deployment.processes.filter((child) => !child.running && !child.expectedExit)
  scenario.check(what, crashed.length === 0, crashed.map((child) => `${child.name} ${JSON.stringify(child.exitStatus)} (log ${child.logPath})`).join('; '))
}

/** The documents of a snapshot by filename. */
export function byFilename (docs: DocSnapshot[]): Map<string, DocSnapshot> {
  return new Map(docs.map((doc) => [doc.filename, doc]))
}

/** Milliseconds as seconds with one decimal, for metrics. */
export function secs (ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}

/** Documents stored for uploads the API refused (a 503 must leave nothing behind); their names. */
export async function rowsOfRefusedUploads (deployment: Deployment, uploads: UploadResult[]): Promise<string[]> {
  const refused = uploads.filter((upload) => upload.status !== 202).map((upload) => upload.filename)
  if (refused.length === 0) return []
  const { rows } = await deployment.pool.query<{ filename: string }>('select filename from documents where filename = any($1::text[])', [refused])
  return rows.map((row) => row.filename)
}

/** A document's current queue item as Postgres has it. */
export interface CurrentItem {
  documentId: string
  filename: string
  itemId: string
  priority: number
  wakeups: number
  status: string
}

/** The current items of the documents whose filenames start with `prefix`. */
export async function currentItems (deployment: Deployment, prefix: string): Promise<CurrentItem[]> {
  const { rows } = await deployment.pool.query<CurrentItem>(`
    select d.id as "documentId", d.filename, q.id as "itemId", q.priority, q.wakeups, q.status
      from documents d join queue_items q on q.id = d.current_item_id
     where starts_with(d.filename, $1)
     order by d.filename`, [prefix])
  return rows
}

/** Adds documents that Postgres holds but the API never answered for, so that INV covers them. */
export function adoptUnanswered (deployment: Deployment, items: CurrentItem[], at: number): number {
  let adopted = 0
  for (const item of items) {
    if (deployment.accepted.has(item.documentId)) continue
    deployment.accepted.set(item.documentId, { filename: item.filename, status: 0, id: item.documentId, ms: 0, sentAt: at })
    adopted += 1
  }
  return adopted
}
