import type { Queryable } from '../../db/pool.js'
import { publicWorkerId } from '../../db/workers.js'
import type { AttemptOutcome, Operation } from '../../states.js'

export interface AttemptRow {
  /** The item the attempt was at: a document has one item per processing, reprocess or not. */
  itemId: string
  operation: Operation
  attempt: number
  /** The full worker id (host and pid included), for operators. */
  worker: string
  /** The worker's random public id, the only one tenants see. */
  workerPublicId: string
  startedAt: Date
  finishedAt: Date | null
  /** Null while the attempt runs. */
  outcome: AttemptOutcome | null
  error: string | null
}

/** Every attempt at every item of a document, oldest first. */
export async function listAttempts (db: Queryable, documentId: string): Promise<AttemptRow[]> {
  const { rows } = await db.query<Omit<AttemptRow, 'workerPublicId'>>(`
    select q.id as "itemId", q.operation, a.attempt, a.worker, a.started_at as "startedAt", a.finished_at as "finishedAt", a.outcome, a.error
      from queue_item_attempts a join queue_items q on q.id = a.item_id
     where q.document_id = $1
     order by a.id`,
  [documentId])
  return rows.map((row) => ({ ...row, workerPublicId: publicWorkerId(row.worker) }))
}
