import { randomBytes } from 'node:crypto'
import { ITEM_STATUS } from '../states.js'
import type { Queryable } from './pool.js'

/**
 * Who a worker process is. `id` (`host:pid:publicId`) is what leases and the attempt history
 * store, so operators can find the process; tenants only ever see `publicId`, which is random
 * and says nothing about the host.
 */
export interface WorkerIdentity {
  id: string
  publicId: string
  host: string
  pid: number
}

/** A new identity for this process incarnation: a fresh random public id every time. */
export function newWorkerIdentity (host: string, pid: number): WorkerIdentity {
  const publicId = randomBytes(8).toString('hex')
  return { id: `${host}:${pid}:${publicId}`, publicId, host, pid }
}

/**
 * The part of a worker id that tenants may see: the random suffix. Ids written before worker
 * heartbeats existed end in a shorter random suffix, which is just as opaque.
 */
export function publicWorkerId (workerId: string): string {
  return workerId.slice(workerId.lastIndexOf(':') + 1)
}

/** What a worker reports about itself with each heartbeat. */
export interface HeartbeatRecord {
  worker: WorkerIdentity
  version: string
  concurrency: number
  /** Ids of the items the worker is working on right now. */
  heldItems: string[]
}

/** A worker's row, as the admin overview lists it. */
export interface WorkerRow {
  id: string
  publicId: string
  host: string
  pid: number
  version: string
  concurrency: number
  itemsHeld: number
  startedAt: Date
  lastSeenAt: Date
  /** Whether its last heartbeat is recent enough for it to count as alive. */
  alive: boolean
}

/**
 * Writes a heartbeat: creates the worker's row or refreshes it. Postgres's clock stamps it, so
 * workers on machines with skewed clocks are judged alike.
 */
export async function recordHeartbeat (db: Queryable, beat: HeartbeatRecord): Promise<void> {
  await db.query(`
    insert into workers (id, public_id, host, pid, version, concurrency, held_items)
    values ($1, $2, $3, $4, $5, $6, $7::uuid[])
    on conflict (id) do update set held_items = excluded.held_items, last_seen_at = now()`,
  [beat.worker.id, beat.worker.publicId, beat.worker.host, beat.worker.pid, beat.version, beat.concurrency, beat.heldItems])
}

/** Removes a worker's row: it stopped cleanly and holds nothing. */
export async function deleteWorker (db: Queryable, workerId: string): Promise<void> {
  await db.query('delete from workers where id = $1', [workerId])
}

/** Every worker row, the most recently seen first, with whether each counts as alive. */
export async function listWorkers (db: Queryable, deadAfterMs: number): Promise<WorkerRow[]> {
  const { rows } = await db.query<WorkerRow>(`
    select id, public_id as "publicId", host, pid, version, concurrency, cardinality(held_items) as "itemsHeld",
           started_at as "startedAt", last_seen_at as "lastSeenAt", last_seen_at >= now() - make_interval(secs => $1::float8 / 1000) as alive
      from workers
     order by last_seen_at desc`, [deadAfterMs])
  return rows
}

/**
 * Deletes the rows of workers silent for longer than `retentionMs` that hold no item any more.
 * Dead workers stay listed that long so an operator can see what died. Returns how many went.
 */
export async function pruneDeadWorkers (db: Queryable, retentionMs: number): Promise<number> {
  const { rowCount } = await db.query(`
    delete from workers w
     where w.last_seen_at < now() - make_interval(secs => $1::float8 / 1000)
       and not exists (select 1 from queue_items q where q.status = '${ITEM_STATUS.inProgress}' and q.locked_by = w.id)`, [retentionMs])
  return rowCount ?? 0
}
