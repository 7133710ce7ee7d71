-- API keys: the secret is stored only as a SHA-256 hash; the id is public and part of the key.
create table api_keys (
  id text primary key,
  tenant text not null,
  secret_hash bytea not null,
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);

create table documents (
  id uuid primary key,
  tenant text not null,
  filename text not null,
  declared_type text,
  media_type text not null,
  size integer not null,
  sha256 text not null,
  -- Mirrors the status of current_item_id, written in the same statement or transaction.
  status text not null check (status in ('pending', 'in_progress', 'completed', 'failed')),
  current_item_id uuid not null,
  text text,
  metadata jsonb not null default '{}',
  -- Number of results written: every completion bumps it, so a duplicate write would show.
  version integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  processed_at timestamptz
);

create index documents_tenant_created_idx on documents (tenant, created_at desc, id desc);
create index documents_tenant_status_created_idx on documents (tenant, status, created_at desc, id desc);

-- Bytes live apart so that listing and status reads never touch them.
create table document_blobs (
  document_id uuid primary key references documents (id) on delete cascade,
  bytes bytea not null
);

create table queue_items (
  id uuid primary key,
  document_id uuid not null references documents (id) on delete cascade,
  operation text not null check (operation in ('process', 'reprocess')),
  -- 1 high, 2 normal, 3 low: a number so that the due index orders by it.
  priority smallint not null check (priority between 1 and 3),
  status text not null check (status in ('pending', 'in_progress', 'completed', 'failed')),
  attempts integer not null default 0,
  max_attempts integer not null,
  run_at timestamptz not null default now(),
  locked_by text,
  locked_until timestamptz,
  last_error text,
  error_kind text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz
);

create index queue_items_due_idx on queue_items (priority, run_at) where status = 'pending';
create index queue_items_lease_idx on queue_items (locked_until) where status = 'in_progress';
create index queue_items_document_idx on queue_items (document_id, created_at desc);
