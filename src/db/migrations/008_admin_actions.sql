-- Operators' actions on documents, and pausing the queue.

-- A paused scope: every tenant (tenant null) or one tenant. Workers claim no new item of a
-- paused scope (the claim statement checks this table), running items finish. One row per
-- scope; resuming deletes it. Who paused is copied by name, like the audit log, so the row
-- still reads right after the account is renamed or deleted.
create table queue_pauses (
  id bigint generated always as identity primary key,
  tenant text,
  paused_at timestamptz not null default now(),
  paused_by text not null,
  reason text
);
create unique index queue_pauses_scope_idx on queue_pauses (coalesce(tenant, ''));

-- An operator may cancel a pending item: it ends failed, kind and code `cancelled`.
alter table documents drop constraint documents_error_kind_check;
alter table documents add constraint documents_error_kind_check
  check (error_kind in ('transient', 'permanent', 'timeout', 'exhausted', 'crashed', 'cancelled'));
alter table queue_items drop constraint queue_items_error_kind_check;
alter table queue_items add constraint queue_items_error_kind_check
  check (error_kind in ('transient', 'permanent', 'timeout', 'exhausted', 'crashed', 'cancelled'));
alter table queue_items drop constraint queue_items_error_code_check;
alter table queue_items add constraint queue_items_error_code_check
  check (error_code in ('unsupported_type', 'corrupt', 'encrypted', 'limit_exceeded', 'timeout', 'internal', 'invalid_result', 'crashed', 'cancelled'));

-- A document's page lists the audit entries that name it among their targets.
create index admin_audit_target_items_idx on admin_audit using gin (target_item_ids);
