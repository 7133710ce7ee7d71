import type { Queryable } from '../../db/pool.js'
import { ITEM_STATUS, type AdminAction, type ItemStatus } from '../../states.js'
import { filterConditions, type DocumentFilter } from '../documents/document-filter.js'

/** The finished statuses whose old documents can be cleared. */
export type FinishedStatus = typeof ITEM_STATUS.completed | typeof ITEM_STATUS.failed

/** What a bulk action covers. */
export type BulkTarget =
  /** Every document matching a filter (as the documents list has it) that the action applies to. */
  | { kind: 'filter', action: AdminAction, filter: DocumentFilter }
  /** The selected documents that the action applies to. */
  | { kind: 'selected', action: AdminAction, documentIds: string[] }
  /** Documents of a finished status whose current item finished more than some days ago. */
  | { kind: 'old-documents', status: FinishedStatus, olderThanDays: number }
  /** Queue history: finished items that are no longer current, finished more than some days ago. */
  | { kind: 'history', olderThanDays: number }

/**
 * The documents an action can change: the others would be left as they are, so a dry run that
 * counted them would promise more than the action does.
 */
const APPLIES_TO: Record<AdminAction, ItemStatus[] | null> = {
  retry: [ITEM_STATUS.failed],
  cancel: [ITEM_STATUS.pending],
  reprocess: [ITEM_STATUS.completed, ITEM_STATUS.failed],
  delete: null
}

/** The tenants a target is limited to (null = all), and the moment it is taken at. */
export interface TargetScope {
  tenants: string[] | null
  /** A Postgres timestamp: documents created later are not covered, and "older than" counts back from it. */
  asOf: string
}

/** A keyset position: the sort key and the id of the last row of a batch. */
export interface BatchKey {
  at: string
  id: string
}

/** Before the first row of every target. */
export const START_KEY: BatchKey = { at: '-infinity', id: '00000000-0000-0000-0000-000000000000' }

export interface TargetBatch {
  /** Document ids, or queue item ids for queue history. */
  ids: string[]
  /** Where the next batch starts after. */
  end: BatchKey
}

interface TargetQuery {
  from: string
  conditions: string[]
  params: unknown[]
  /** The id the action is applied to, and the keyset it is walked in. */
  id: string
  keyAt: string
  keyId: string
}

// Finished items are looked up through the partial index on (finished_at, id), whose predicate
// the planner proves only from literal statuses.
const FINISHED = `q.status in ('${ITEM_STATUS.completed}', '${ITEM_STATUS.failed}')`

function targetQuery (target: BulkTarget, scope: TargetScope): TargetQuery {
  const params: unknown[] = []
  const param = (value: unknown): string => `$${params.push(value)}`
  const tenantCondition = (): string[] => scope.tenants === null ? [] : [`d.tenant = any(${param(scope.tenants)}::text[])`]
  const appliesTo = (action: AdminAction): string[] => {
    const statuses = APPLIES_TO[action]
    return statuses === null ? [] : [`d.status = any(${param(statuses)}::text[])`]
  }
  switch (target.kind) {
    case 'filter': {
      // Documents uploaded after the action was asked for are not part of it.
      const conditions = [`d.created_at <= ${param(scope.asOf)}::timestamptz`, ...appliesTo(target.action)]
      const filter = filterConditions(target.filter, scope.tenants, params.length + 1)
      params.push(...filter.params)
      conditions.push(filter.sql)
      return { from: 'documents d', conditions, params, id: 'd.id', keyAt: 'd.created_at', keyId: 'd.id' }
    }
    case 'selected': {
      const conditions = [`d.id = any(${param(target.documentIds)}::uuid[])`, ...tenantCondition(), ...appliesTo(target.action)]
      return { from: 'documents d', conditions, params, id: 'd.id', keyAt: "'-infinity'::timestamptz", keyId: 'd.id' }
    }
    case 'old-documents': {
      // "Older than" counts from when the document reached its status (its current item's
      // finished_at), not from its upload: a document uploaded long ago and reprocessed or
      // retried yesterday is yesterday's result, and stays.
      const conditions = [FINISHED, `q.finished_at < ${param(scope.asOf)}::timestamptz - make_interval(days => ${param(target.olderThanDays)})`,
        `q.status = ${param(target.status)}`, 'd.status = q.status', ...tenantCondition()]
      return { from: 'queue_items q join documents d on d.current_item_id = q.id', conditions, params, id: 'd.id', keyAt: 'q.finished_at', keyId: 'q.id' }
    }
    case 'history': {
      const conditions = [FINISHED, `q.finished_at < ${param(scope.asOf)}::timestamptz - make_interval(days => ${param(target.olderThanDays)})`,
        'd.current_item_id <> q.id', ...tenantCondition()]
      return { from: 'queue_items q join documents d on d.id = q.document_id', conditions, params, id: 'q.id', keyAt: 'q.finished_at', keyId: 'q.id' }
    }
  }
}

/**
 * How many documents (or history items) the target covers now: the dry run. Exact, not capped:
 * the operator confirms a number. It reads the index its keyset walks (created_at for a filter,
 * finished_at for clearing), so it costs one index scan over the rows it counts; a filter that
 * matches most of 10^6 documents takes a second or so.
 */
export async function countTarget (db: Queryable, target: BulkTarget, scope: TargetScope): Promise<number> {
  const query = targetQuery(target, scope)
  const { rows } = await db.query<{ count: string }>(`select count(*) as count from ${query.from} where ${query.conditions.join(' and ')}`, query.params)
  return Number(rows[0].count)
}

/** The next at most `limit` rows of the target after `after`, in keyset order. */
export async function nextBatch (db: Queryable, target: BulkTarget, scope: TargetScope, after: BatchKey, limit: number): Promise<TargetBatch> {
  const query = targetQuery(target, scope)
  const at = `$${query.params.length + 1}`
  const { rows } = await db.query<{ id: string, at: string, keyId: string }>(`
    select ${query.id} as id, ${query.keyAt}::text as at, ${query.keyId} as "keyId"
      from ${query.from}
     where ${query.conditions.join(' and ')} and (${query.keyAt}, ${query.keyId}) > (${at}::timestamptz, $${query.params.length + 2}::uuid)
     order by ${query.keyAt}, ${query.keyId}
     limit $${query.params.length + 3}`,
  [...query.params, after.at, after.id, limit])
  const last = rows.at(-1)
  return { ids: rows.map((row) => row.id), end: last === undefined ? after : { at: last.at, id: last.keyId } }
}
