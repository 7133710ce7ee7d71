import type { Queryable } from '../../db/pool.js'
import { BULK_STATUS, type BulkActionName } from '../../states.js'
import { BULK_ACTION_COLUMNS, fromRow, storedTarget, type BulkActionRecord, type BulkActionRow } from './bulk-action-record.js'
import type { BatchKey, BulkTarget } from './bulk-target.js'

// Every read and write of admin_bulk_actions. A runner's writes are fenced by its name and the
// running status: one that lost its lease to another, or whose action was cancelled, changes nothing.

// An account limited to some tenants sees the bulk actions limited to some of those; one over
// every tenant (null) is seen only by accounts over every tenant.
const VISIBLE = '($2::text[] is null or (b.tenants is not null and b.tenants <@ $2::text[]))'
const RUNNABLE = `b.status in ('${BULK_STATUS.queued}', '${BULK_STATUS.running}')`
const leaseUntil = (param: string): string => `now() + make_interval(secs => ${param}::float8 / 1000)`

export interface NewBulkAction {
  id: string
  action: BulkActionName
  target: BulkTarget
  accountId: string
  accountName: string
  tenants: string[] | null
  reason: string | null
  total: number
}

/** Stores a new bulk action, queued; created_at is the transaction's now(), the dry run's moment. */
export async function insertBulkAction (db: Queryable, action: NewBulkAction): Promise<BulkActionRecord> {
  const target = storedTarget(action.target)
  const { rows } = await db.query<BulkActionRow>(`
    insert into admin_bulk_actions as b (id, action, target_filter, target_document_ids, account_id, account_name, tenants, reason, total)
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
    returning ${BULK_ACTION_COLUMNS}`,
  [action.id, action.action, target.filter, target.documentIds, action.accountId, action.accountName, action.tenants, action.reason, action.total])
  return fromRow(rows[0])
}

/** The transaction's now(), as Postgres prints it: what a dry run and the action it stores are taken at. */
export async function transactionNow (db: Queryable): Promise<string> {
  const { rows } = await db.query<{ now: string }>('select now()::text as now')
  return rows[0].now
}

/** A bulk action, if the tenants (null = all) may see it. */
export async function getBulkAction (db: Queryable, id: string, tenants: string[] | null): Promise<BulkActionRecord | undefined> {
  const { rows } = await db.query<BulkActionRow>(`select ${BULK_ACTION_COLUMNS} from admin_bulk_actions b where b.id = $1 and ${VISIBLE}`, [id, tenants])
  return rows.length === 0 ? undefined : fromRow(rows[0])
}

/** The most recent bulk actions the tenants (null = all) may see, newest first. */
export async function listBulkActions (db: Queryable, tenants: string[] | null, limit: number): Promise<BulkActionRecord[]> {
  const { rows } = await db.query<BulkActionRow>(`
    select ${BULK_ACTION_COLUMNS} from admin_bulk_actions b
     where ${VISIBLE}
     order by b.created_at desc, b.id desc
     limit $1`, [limit, tenants])
  return rows.map(fromRow)
}

/**
 * Takes the oldest queued or running bulk action that no runner holds (or whose runner's lease
 * ran out) for `runner`, for `leaseMs`. Two runners never hold the same one: the row is locked
 * and skipped by the other while it is taken.
 */
export async function claimBulkAction (db: Queryable, runner: string, leaseMs: number): Promise<BulkActionRecord | undefined> {
  const { rows } = await db.query<BulkActionRow>(`
    update admin_bulk_actions b
       set status = '${BULK_STATUS.running}', runner = $1, lease_until = ${leaseUntil('$2')},
           started_at = coalesce(b.started_at, now()), updated_at = now()
     where b.id = (
       select b.id from admin_bulk_actions b
        where ${RUNNABLE} and (b.lease_until is null or b.lease_until < now())
        order by b.created_at
        limit 1
          for update skip locked)
    returning ${BULK_ACTION_COLUMNS}`,
  [runner, leaseMs])
  return rows.length === 0 ? undefined : fromRow(rows[0])
}

/**
 * Records a batch as run, in the batch's own transaction: the position moves to its end, the
 * counts grow, the lease is extended. False when the action is no longer running under
 * `runner` (cancelled, or taken over after its lease ran out): the caller then rolls the batch
 * back, so a cancel stops the action before any further change and two runners never both
 * apply a batch.
 */
export async function recordBatch (db: Queryable, id: string, runner: string, leaseMs: number, batch: { end: BatchKey, done: number, affected: number }): Promise<boolean> {
  const { rowCount } = await db.query(`
    update admin_bulk_actions
       set position_at = $3::timestamptz, position_id = $4, done = done + $5, affected = affected + $6,
           lease_until = ${leaseUntil('$7')}, updated_at = now()
     where id = $1 and runner = $2 and status = '${BULK_STATUS.running}'`,
  [id, runner, batch.end.at, batch.end.id, batch.done, batch.affected, leaseMs])
  return rowCount === 1
}

/** Ends a running action (completed, or failed with `error`); undefined when the runner no longer held it. */
export async function finishBulkAction (db: Queryable, id: string, runner: string, status: typeof BULK_STATUS.completed | typeof BULK_STATUS.failed, error: string | null = null): Promise<BulkActionRecord | undefined> {
  const { rows } = await db.query<BulkActionRow>(`
    update admin_bulk_actions b
       set status = $3, error = $4, finished_at = now(), runner = null, lease_until = null, updated_at = now()
     where b.id = $1 and b.runner = $2 and b.status = '${BULK_STATUS.running}'
    returning ${BULK_ACTION_COLUMNS}`,
  [id, runner, status, error])
  return rows.length === 0 ? undefined : fromRow(rows[0])
}

/** Gives an action back between batches, for the next runner to take at once. */
export async function releaseBulkAction (db: Queryable, id: string, runner: string): Promise<void> {
  await db.query('update admin_bulk_actions set runner = null, lease_until = null, updated_at = now() where id = $1 and runner = $2', [id, runner])
}

/**
 * Cancels a queued or running action the tenants may see: a batch running now is rolled back
 * (its record of the batch finds the action cancelled), and no other starts. Returns the action as cancelled, or undefined when
 * there is no such action or it had ended.
 */
export async function cancelBulkAction (db: Queryable, id: string, tenants: string[] | null): Promise<BulkActionRecord | undefined> {
  const { rows } = await db.query<BulkActionRow>(`
    update admin_bulk_actions b
       set status = '${BULK_STATUS.cancelled}', finished_at = now(), runner = null, lease_until = null, updated_at = now()
     where b.id = $1 and ${VISIBLE} and ${RUNNABLE}
    returning ${BULK_ACTION_COLUMNS}`,
  [id, tenants])
  return rows.length === 0 ? undefined : fromRow(rows[0])
}
