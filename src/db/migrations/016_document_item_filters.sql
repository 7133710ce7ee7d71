-- The admin documents list's filters and search at 10^6 documents. The list filters on its current
-- item's operation, priority, failure code, error group and error text; with those only on
-- `queue_items`, a filtered page walked the documents newest first and read each one's item, which
-- took seconds when few matched. The document now carries them, written by the statements that
-- move its current item (src/queue/sql/*), as it already carries the item's status and error kind
-- (migration 005). A filtered page is then a few ranges of one index (one per status) in the
-- list's own order, each read until the page is full, and a search in file names and error texts
-- reads one table.

-- No write slips between the copy below and the commit: the `alter table` takes the documents'
-- exclusive lock until the commit, and every statement that changes these fields of an item
-- updates its document in the same statement, so it either committed before the lock or waits for
-- the commit. Like migration 012, this blocks writes (reads of documents too) while it runs: the
-- update touches only the documents whose item differs from the defaults, then five indexes are
-- built; with 10^6 documents it took 4.5 minutes on two cores saturated by other work.

-- The defaults fill every existing row without rewriting the table (the values of most
-- documents); the rows whose item says otherwise are copied below. The defaults are then dropped,
-- so that an insert that forgets a column fails instead of writing a wrong value.
alter table documents
  add column operation text not null default 'process',
  add column priority smallint not null default 2,
  add column error_code text,
  add column last_error text,
  -- A copy of the item's (generated) `error_group`, not generated here: adding a generated
  -- column would rewrite the table, and the statements copy it with the error anyway.
  add column error_group text;

update documents d
   set operation = q.operation, priority = q.priority, error_code = q.error_code, last_error = q.last_error, error_group = q.error_group
  from queue_items q
 where q.id = d.current_item_id
   and (q.operation <> 'process' or q.priority <> 2 or q.error_code is not null or q.last_error is not null);

alter table documents
  alter column operation drop default,
  alter column priority drop default,
  add constraint documents_operation_check check (operation in ('process', 'reprocess')),
  add constraint documents_priority_check check (priority between 1 and 3),
  add constraint documents_error_code_check
    check (error_code in ('unsupported_type', 'corrupt', 'encrypted', 'limit_exceeded', 'timeout', 'internal', 'invalid_result', 'crashed', 'cancelled'));

-- One index per filter, with the status next and then the list's keyset order (created_at desc,
-- id desc): the list and its counts run one branch per status (list-filtered-documents.ts,
-- filtered-status-counts.ts), and each branch is a range of the index read until the page (or the
-- count's cap) is full, however rare the value or its combination with a status. The tenant is
-- included, so that an account limited to some tenants filters the range without reading rows.
create index documents_operation_status_created_idx on documents (operation, status, created_at desc, id desc) include (tenant);
create index documents_priority_status_created_idx on documents (priority, status, created_at desc, id desc) include (tenant);
-- Only documents whose current item has an error: a few percent of them.
create index documents_error_code_status_created_idx on documents (error_code, status, created_at desc, id desc) include (tenant)
  where error_code is not null;
create index documents_error_group_status_created_idx on documents (error_group, status, created_at desc, id desc) include (tenant)
  where error_group is not null;
-- Search in error texts (as migration 009 searches file names): with the file name's index, a
-- rare term is found in both places with a BitmapOr on one table.
create index documents_last_error_trgm_idx on documents using gin (last_error gin_trgm_ops) where last_error is not null;

-- The item-side indexes the filters used (migrations 009 and 012) serve nothing else any more;
-- every item write paid for them.
drop index queue_items_last_error_trgm_idx;
drop index queue_items_error_group_idx;
drop index queue_items_error_code_idx;
drop index queue_items_reprocess_idx;
