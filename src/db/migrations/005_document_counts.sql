-- Constant-time counts. A tenant's documents are counted by status and error kind in
-- `document_counts`, kept exact by triggers in the same transaction as every change, so reading
-- the counts costs the same with a thousand documents or a million.

-- The current item's error kind, mirrored on the document by the statements that mirror its
-- status, so that the document row alone says which count it is in.
alter table documents add column error_kind text;
-- When the current item was queued (the upload, or the reprocess): the oldest pending wait is
-- read from an index on it instead of a scan.
alter table documents add column queued_at timestamptz;
update documents d set error_kind = q.error_kind, queued_at = q.created_at
  from queue_items q where q.id = d.current_item_id;
alter table documents alter column queued_at set default now(), alter column queued_at set not null;
create index documents_tenant_pending_queued_idx on documents (tenant, queued_at) where status = 'pending';

-- The catalogue of states (src/states.ts), enforced where it was not yet.
alter table documents add constraint documents_error_kind_check
  check (error_kind in ('transient', 'permanent', 'timeout', 'exhausted', 'crashed'));
alter table queue_items add constraint queue_items_error_kind_check
  check (error_kind in ('transient', 'permanent', 'timeout', 'exhausted', 'crashed'));
alter table queue_items add constraint queue_items_error_code_check
  check (error_code in ('unsupported_type', 'corrupt', 'encrypted', 'limit_exceeded', 'timeout', 'internal', 'invalid_result', 'crashed'));

-- Each (tenant, status, error kind) is counted in slots: slot 0, plus one per database session
-- (its backend pid) that changed it. A session only ever writes its own slot, so concurrent
-- transactions never wait for each other here, and cannot deadlock over counts. A count is the
-- sum of its slots; the repair pass folds the slots of sessions that ended into slot 0
-- (src/queue/sql/fold-counts.ts). '' stands for no error kind (a key column cannot be null).
create table document_counts (
  tenant text not null,
  status text not null,
  error_kind text not null,
  slot integer not null,
  n bigint not null,
  primary key (tenant, status, error_kind, slot)
);

insert into document_counts (tenant, status, error_kind, slot, n)
select tenant, status, coalesce(error_kind, ''), 0, count(*) from documents group by 1, 2, 3;

-- Inserts and deletes are counted once per statement: an upload batch or a cascade costs one
-- write per count it changes, not one per document.
create function count_inserted_documents() returns trigger language plpgsql as $$
begin
  insert into document_counts as c (tenant, status, error_kind, slot, n)
  select tenant, status, coalesce(error_kind, ''), pg_backend_pid(), count(*)
    from inserted group by 1, 2, 3
  on conflict (tenant, status, error_kind, slot) do update set n = c.n + excluded.n;
  return null;
end
$$;

create function count_deleted_documents() returns trigger language plpgsql as $$
begin
  insert into document_counts as c (tenant, status, error_kind, slot, n)
  select tenant, status, coalesce(error_kind, ''), pg_backend_pid(), -count(*)
    from deleted group by 1, 2, 3
  on conflict (tenant, status, error_kind, slot) do update set n = c.n + excluded.n;
  return null;
end
$$;

-- An update moves one document from one count to another; it fires only when the count changes,
-- so writing a result or touching updated_at costs nothing here.
create function count_moved_document() returns trigger language plpgsql as $$
begin
  insert into document_counts as c (tenant, status, error_kind, slot, n)
  select m.tenant, m.status, m.error_kind, pg_backend_pid(), m.n
    from (values (old.tenant, old.status, coalesce(old.error_kind, ''), -1),
                 (new.tenant, new.status, coalesce(new.error_kind, ''), 1)) as m(tenant, status, error_kind, n)
  on conflict (tenant, status, error_kind, slot) do update set n = c.n + excluded.n;
  return null;
end
$$;

create trigger documents_counted_on_insert after insert on documents
  referencing new table as inserted for each statement execute function count_inserted_documents();
create trigger documents_counted_on_delete after delete on documents
  referencing old table as deleted for each statement execute function count_deleted_documents();
create trigger documents_counted_on_move after update of tenant, status, error_kind on documents
  for each row when (old.tenant is distinct from new.tenant or old.status is distinct from new.status
                     or old.error_kind is distinct from new.error_kind)
  execute function count_moved_document();
