import { passageTsvector } from '../../db/chunks.js'
import { resultColumns, type DocumentResult } from '../../db/document-results.js'
import type { Queryable } from '../../db/pool.js'
import { ATTEMPT_OUTCOME, ITEM_STATUS } from '../../states.js'
import type { QueueItem } from '../queue-item.js'

/** An item this worker holds and the result it produced. */
export interface Completion { item: Pick<QueueItem, 'id' | 'attempts'>, result: DocumentResult }

/**
 * Marks items this worker holds completed and writes their results, in one statement for all of
 * them: each item, its attempt, its document (the result in place of the last one, the version
 * bumped, and the status where the item is the document's current one), the document's passages
 * with their tsvectors (see passageTsvector) in place of the old ones, and the tenant's search
 * configurations. One statement is one transaction: a reader sees a document's old result or its
 * new one, never a mix; and the document row gets one new version, so its triggers (counts,
 * events) fire once. Each item is fenced by its own claim (status, worker, attempt), so an item
 * whose claim was taken over writes nothing while the others complete. `completions` must name
 * each item once. Returns the ids of the items completed.
 *
 * The new passages are upserted and the old ones beyond them deleted, rather than all deleted
 * and inserted again: the parts of one statement run in no set order, and an insert running
 * before the delete would meet the passages it replaces.
 */
export async function completeItems (db: Queryable, completions: Completion[], workerId: string): Promise<Set<string>> {
  const sorted = [...completions].sort((a, b) => a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : 0)
  const columns = resultColumns(sorted.map(({ result }) => result))
  // Prepared once per connection (named): planning these CTEs costs Postgres more than running them for a small batch.
  const { rows } = await db.query<{ id: string }>({
    name: 'complete-items',
    text: `
    with held as (
      select * from unnest($1::uuid[], $2::int[], $4::text[], $5::text[], $6::jsonb[], $7::regconfig[], $8::text[]) with ordinality
        as h(id, attempts, media_type, text, metadata, config, title, n)
    ), q as (
      update queue_items q
         set status = '${ITEM_STATUS.completed}', last_error = null, error_kind = null, error_code = null, finished_at = now(),
             locked_by = null, locked_until = null, updated_at = now()
        from held
       where q.id = held.id and q.status = '${ITEM_STATUS.inProgress}' and q.locked_by = $3 and q.attempts = held.attempts
      returning q.id, q.document_id, q.attempts
    ), done as (
      select q.id, q.document_id, h.n, h.media_type, h.text, h.metadata, h.config, h.title from q join held h on h.id = q.id
    ), passage as (
      select * from unnest($9::int[], $10::int[], $11::int[], $12::text[]) as p(n, ordinal, page, text)
    ), attempt as (
      update queue_item_attempts a set outcome = '${ATTEMPT_OUTCOME.completed}', finished_at = now()
        from q where a.item_id = q.id and a.attempt = q.attempts and a.outcome is null
    ), d as (
      update documents d
         set media_type = done.media_type, text = done.text, metadata = done.metadata, version = d.version + 1, processed_at = now(),
             status = case when d.current_item_id = done.id then '${ITEM_STATUS.completed}' else d.status end,
             error_kind = case when d.current_item_id = done.id then null else d.error_kind end,
             updated_at = case when d.current_item_id = done.id then now() else d.updated_at end
        from done where d.id = done.document_id
      returning d.id, d.tenant
    ), known as (
      insert into search_configs (tenant, config)
      select distinct d.tenant, done.config from d join done on done.document_id = d.id
       where exists (select from passage p where p.n = done.n)
      on conflict do nothing
    ), written as (
      insert into document_chunks (document_id, ordinal, page, text, config, tsv)
      select done.document_id, p.ordinal, p.page, p.text, done.config, ${passageTsvector('done.config', 'done.title', 'p.ordinal', 'p.text')}
        from passage p join done on done.n = p.n
      on conflict (document_id, ordinal) do update set page = excluded.page, text = excluded.text, config = excluded.config, tsv = excluded.tsv
    ), stale as (
      delete from document_chunks c using done
       where c.document_id = done.document_id
         and not exists (select from passage p where p.n = done.n and p.ordinal = c.ordinal)
    )
    select id from q`,
    values: [
      sorted.map(({ item }) => item.id), sorted.map(({ item }) => item.attempts), workerId,
      columns.mediaTypes, columns.texts, columns.metadata, columns.configs, columns.titles,
      columns.chunkResults, columns.chunkOrdinals, columns.chunkPages, columns.chunkTexts
    ]
  })
  return new Set(rows.map((row) => row.id))
}
