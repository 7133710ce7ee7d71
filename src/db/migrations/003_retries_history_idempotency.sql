-- One row per attempt at an item: who ran it, when, and how it ended.
create table queue_item_attempts (
  id bigint generated always as identity primary key,
  item_id uuid not null references queue_items (id) on delete cascade,
  -- A released attempt gives its number back, so the next claim may reuse it.
  attempt integer not null,
  worker text not null,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  -- null while running; then completed, failed, retrying, crashed or released.
  outcome text check (outcome in ('completed', 'failed', 'retrying', 'crashed', 'released')),
  error text
);

create index queue_item_attempts_item_idx on queue_item_attempts (item_id, id);

-- Counts the wake-ups sent after the first: each re-dispatch (retry, release, reconcile) uses a
-- new BullMQ job id, because BullMQ ignores an add whose id is still held by an old job.
alter table queue_items add column wakeups integer not null default 0;

-- Idempotent uploads: the same key from the same tenant returns the first document.
alter table documents add column idempotency_key text;
create unique index documents_tenant_idempotency_key_idx on documents (tenant, idempotency_key) where idempotency_key is not null;

create index queue_items_failed_kind_idx on queue_items (error_kind) where status = 'failed';
