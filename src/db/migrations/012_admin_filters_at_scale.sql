-- The admin documents list's counts at 10^6 documents. A filter on the current item (a failure
-- code, a reprocess) that selects few documents of a status is counted from the item's side: its
-- items through these indexes, then each one's document through documents.current_item_id,
-- instead of walking every document of the status and reading its item (seconds with 10^6
-- completed documents and a code that none of them has).
--
-- Plain `create index`, not `concurrently`: migrations run in a transaction (src/db/migrate.ts),
-- where `concurrently` is refused. Each build holds a SHARE lock on its table, which blocks writes
-- (uploads and workers wait) but never reads, for the time of the build: a few seconds with
-- 10^6 documents (one pass over the table and a sort of uuids; the two item indexes are partial
-- over a few percent of the items). A deployment that cannot pause writes that long creates them
-- by hand first with `create index concurrently` and the same definitions; `if not exists` then
-- skips them here.
-- With the status: a count of one status tests each candidate in the index alone, without
-- reading the document's row (random reads of a table that outgrows memory).
create index if not exists documents_current_item_idx on documents (current_item_id) include (status);

create index if not exists queue_items_error_code_idx on queue_items (error_code) include (document_id)
  where error_code is not null;

create index if not exists queue_items_reprocess_idx on queue_items (document_id) where operation = 'reprocess';
