import type { Queryable } from '../../src/db/pool.js'

/** A document that does not say what its current item says, and which fields differ. */
export interface MirrorDrift {
  id: string
  fields: string[]
}

// What a document mirrors of its current item (migrations 005 and 016), as pairs of the
// document's column and the item's.
const MIRRORED: Array<[document: string, item: string]> = [
  ['status', 'status'], ['queued_at', 'created_at'], ['operation', 'operation'], ['priority', 'priority'],
  ['error_kind', 'error_kind'], ['error_code', 'error_code'], ['last_error', 'last_error'], ['error_group', 'error_group']
]

/**
 * The documents whose mirrored fields differ from their current item's, read against a join of
 * every document with its item (a missing item, or one of another document, differs in all of
 * them): none while every statement that moves an item keeps its document in step.
 */
export async function documentsOffTheirItem (db: Queryable): Promise<MirrorDrift[]> {
  const { rows } = await db.query<MirrorDrift>(`
    select d.id, array_remove(array[${MIRRORED.map(([doc, item]) => `case when d.${doc} is distinct from q.${item} then '${doc}' end`).join(', ')}], null) as fields
      from documents d left join queue_items q on q.id = d.current_item_id and q.document_id = d.id
     where (${MIRRORED.map(([doc]) => `d.${doc}`).join(', ')}) is distinct from (${MIRRORED.map(([, item]) => `q.${item}`).join(', ')})`)
  return rows
}
