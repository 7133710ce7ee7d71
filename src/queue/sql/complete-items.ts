import { passageColumns, passageVector } from '../../db/chunks.js'
import { resultColumns, resultPassages, type DocumentResult } from '../../db/document-results.js'
import type { Queryable } from '../../db/pool.js'
import { toPostgresText } from '../../db/postgres-safe-text.js'
import { ATTEMPT_OUTCOME, ITEM_STATUS } from '../../states.js'
import type { QueueItem } from '../queue-item.js'

/** An item this worker holds and the result it produced. */
export interface Completion { item: Pick<QueueItem, 'id' | 'attempts' | 'documentId'>, result: DocumentResult }

/**
 * Marks items this worker holds completed and writes their results, in one statement for all of
 * them: each item, its attempt, its document (the result in place of the last one, the version
 * bumped, and the status where the item is the document's current one) and its passages with
 * their tsvectors (see passageVector), the configuration added to the tenant's search_configs.
 * One statement is one transaction and one round trip: readers see the old result or the new
 * one, never a mix. The document row gets one new version, so its triggers (counts, events) fire
 * once for it. Each item is fenced by its own claim (status, worker, attempt), so an item whose
 * claim was taken over writes nothing while the others complete. `completions` must name each
 * item once. Returns the ids of the items completed.
 */
export async function completeItems (db: Queryable, completions: Completion[], workerId: string): Promise<Set<string>> {
  const sorted = [...completions].sort((a, b) => a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : 0)
  const columns = resultColumns(sorted.map(({ result }) => result))
  const documents = sorted.map(({ item, result }) => resultPassages(item.documentId, result))
  const passages = passageColumns(documents)
  // Prepared once per connection (named): planning these CTEs costs Postgres more than running them for a small batch.
  const { rows } = await db.query<{ id: string }>({
    name: 'complete-items',
    text: `
    with held as (
      select * from unnest($1::uuid[], $2::int[], $4::text[], $5::text[], $6::jsonb[], $7::text[], $8::regconfig[], $9::int[])
               with ordinality as h(id, attempts, media_type, text, metadata, title, config, passage_count, n)
    ), q as (
      update queue_items q
         set status = '${ITEM_STATUS.completed}', last_error = null, error_kind = null, error_code = null, finished_at = now(),
             locked_by = null, locked_until = null, updated_at = now()
        from held
       where q.id = held.id and q.status = '${ITEM_STATUS.inProgress}' and q.locked_by = $3 and q.attempts = held.attempts
      returning q.id, q.document_id, q.attempts
    ), attempt as (
      update queue_item_attempts a set outcome = '${ATTEMPT_OUTCOME.completed}', finished_at = now()
        from q where a.item_id = q.id and a.attempt = q.attempts and a.outcome is null
    ), d as (
      update documents d
         set media_type = h.media_type, text = h.text, metadata = h.metadata, version = d.version + 1, processed_at = now(),
             status = case when d.current_item_id = q.id then '${ITEM_STATUS.completed}' else d.status end,
             error_kind = case when d.current_item_id = q.id then null else d.error_kind end,
             error_code = case when d.current_item_id = q.id then null else d.error_code end,
             last_error = case when d.current_item_id = q.id then null else d.last_error end,
             error_group = case when d.current_item_id = q.id then null else d.error_group end,
             updated_at = case when d.current_item_id = q.id then now() else d.updated_at end
        from q join held h on h.id = q.id
       where d.id = q.document_id
    ), known as (
      insert into search_configs (tenant, config)
      select distinct documents.tenant, h.config from q join held h on h.id = q.id join documents on documents.id = q.document_id
       where h.passage_count > 0
      on conflict do nothing
    ), stale_passages as (
      -- The old result's passages past the new result's last; those before it are overwritten
      -- below. The two touch different rows, so their order within the statement does not matter.
      delete from document_chunks c using q join held h on h.id = q.id
       where c.document_id = q.document_id and c.ordinal >= h.passage_count
    ), new_passages as (
      insert into document_chunks (document_id, ordinal, page, text, config, tsv)
      select q.document_id, c.ordinal, c.page, c.text, h.config, ${passageVector('h.config', 'h.title', 'c.ordinal', 'c.text')}
        from unnest($10::int[], $11::int[], $12::int[], $13::text[]) as c(n, ordinal, page, text)
        join held h on h.n = c.n
        join q on q.id = h.id
      on conflict (document_id, ordinal) do update
        set page = excluded.page, text = excluded.text, config = excluded.config, tsv = excluded.tsv
    )
    select id from q`,
    values: [
      sorted.map(({ item }) => item.id), sorted.map(({ item }) => item.attempts), workerId,
      columns.mediaTypes, columns.texts, columns.metadata,
      documents.map(({ title }) => title === null ? null : toPostgresText(title)),
      documents.map(({ config }) => config),
      documents.map(({ chunks }) => chunks.length),
      passages.n, passages.ordinals, passages.pages, passages.texts
    ]
  })
  return new Set(rows.map((row) => row.id))
}
