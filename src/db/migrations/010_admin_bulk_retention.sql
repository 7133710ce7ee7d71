-- Durable bulk actions of the admin UI, and the retention policy.

-- One bulk action: an action over every document matching a filter, or over a list of ids,
-- run in batches by a runner (the workers' leader, or a sweep). Each batch is one transaction:
-- the queue's change and this row's new position and counts commit together, so a runner that
-- dies mid-way is followed by one that starts after the last committed batch, and no batch
-- runs twice. `total` is the dry run's count at creation.
-- The account's name and tenant limit are copied: the action keeps touching only what its
-- creator could touch, even if the account changes or goes.
create table admin_bulk_actions (
  id uuid primary key,
  action text not null constraint admin_bulk_actions_action_check check (action in ('retry', 'reprocess', 'cancel', 'delete', 'clear')),
  target_filter jsonb,
  target_document_ids uuid[],
  constraint admin_bulk_actions_target_check check ((target_filter is null) <> (target_document_ids is null)),
  account_id bigint references admin_accounts (id) on delete set null,
  account_name text not null,
  tenants text[],
  reason text,
  status text not null default 'queued'
    constraint admin_bulk_actions_status_check check (status in ('queued', 'running', 'completed', 'failed', 'cancelled')),
  total bigint not null,
  done bigint not null default 0,
  affected bigint not null default 0,
  -- The keyset position after the last recorded batch: the sort key (a timestamp) and the id.
  position_at timestamptz,
  position_id uuid,
  -- Who runs it, until when: a runner that stops extending its lease hands the action over.
  runner text,
  lease_until timestamptz,
  error text,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz not null default now()
);
create index admin_bulk_actions_created_idx on admin_bulk_actions (created_at desc, id desc);
create index admin_bulk_actions_runnable_idx on admin_bulk_actions (created_at) where status in ('queued', 'running');

-- Clearing and retention walk finished items by when they finished: the documents whose current
-- item finished before a cutoff, and finished items no longer current (queue history).
create index queue_items_finished_at_idx on queue_items (finished_at, id) where status in ('completed', 'failed');

-- How long finished documents (per status) and queue history are kept; null keeps them forever.
-- Queue history is the finished items that are no longer a document's current item (an earlier
-- processing, before a reprocess) with their attempts.
create table admin_retention_policy (
  target text primary key constraint admin_retention_policy_target_check check (target in ('completed', 'failed', 'history')),
  keep_days integer constraint admin_retention_policy_keep_days_check check (keep_days between 1 and 36500),
  updated_at timestamptz not null default now(),
  updated_by text
);
insert into admin_retention_policy (target, keep_days) values ('completed', null), ('failed', null), ('history', null);
