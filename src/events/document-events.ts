import type { Queryable } from '../db/pool.js'
import type { DocumentStatus, ErrorKind, FailureCode } from '../states.js'

/** What an event says: a status, or that the document was deleted. */
export type EventStatus = DocumentStatus | 'deleted'

/** One row of `document_events`: a change of a document's status or version (migration 014). */
export interface DocumentEvent {
  /** Orders the events; the SSE id a client resumes from. A bigint, read as a string. */
  id: string
  tenant: string
  documentId: string
  status: EventStatus
  version: number
  errorKind: ErrorKind | null
  errorCode: FailureCode | null
  at: Date
}

/** What a client reads of an event: a subset of `GET /documents/{id}`'s fields, as of that event. */
export interface EventJson {
  id: string
  status: EventStatus
  version: number
  errorKind: ErrorKind | null
  errorCode: FailureCode | null
  updatedAt: string
}

export function toEventJson (event: DocumentEvent): EventJson {
  return {
    id: event.documentId,
    status: event.status,
    version: event.version,
    errorKind: event.errorKind,
    errorCode: event.errorCode,
    updatedAt: event.at.toISOString()
  }
}

const EVENT_COLUMNS = `
  e.id::text as id, e.tenant, e.document_id as "documentId", e.status, e.version,
  e.error_kind as "errorKind", e.error_code as "errorCode", e.at`

/** The events of these documents after `afterId`, oldest first. */
export async function eventsAfter (db: Queryable, documentIds: string[], afterId: string): Promise<DocumentEvent[]> {
  const { rows } = await db.query<DocumentEvent>(`
    select ${EVENT_COLUMNS} from document_events e
    where e.document_id = any($1::uuid[]) and e.id > $2::bigint
    order by e.id`, [documentIds, afterId])
  return rows
}

/**
 * The tenant's document as it is now, in the shape of an event whose id is the document's latest
 * event (or 0 for a document older than the events table): read in one statement, so that every
 * later event has a larger id.
 */
export async function currentState (db: Queryable, tenant: string, documentId: string): Promise<DocumentEvent | undefined> {
  const { rows } = await db.query<DocumentEvent>(`
    select coalesce((select max(e.id) from document_events e where e.document_id = d.id), 0)::text as id,
           d.tenant, d.id as "documentId", d.status, d.version, d.error_kind as "errorKind", q.error_code as "errorCode",
           d.updated_at as at
    from documents d join queue_items q on q.id = d.current_item_id
    where d.id = $1 and d.tenant = $2`, [documentId, tenant])
  return rows[0]
}

/** Deletes events older than `olderThanDays`, at most `limit` of them; returns how many. */
export async function deleteOldEvents (db: Queryable, olderThanDays: number, limit: number): Promise<number> {
  const { rowCount } = await db.query(`
    delete from document_events where id in (
      select id from document_events where at < now() - make_interval(days => $1) order by at limit $2)`, [olderThanDays, limit])
  return rowCount ?? 0
}
