-- Live status for clients: every change of a document's status or version is appended to
-- `document_events` by triggers, in the transaction that made it, whichever statement made it
-- (src/queue/sql/* and the admin actions stay unaware of it). The id orders events and is the
-- Server-Sent Events id a client resumes from. A NOTIFY on `document_events` wakes the API's one
-- listening connection; the table, not the notification, is what streams and webhooks read, so a
-- notification lost with a dropped connection loses nothing.
create table document_events (
  id bigserial primary key,
  tenant text not null,
  -- No foreign key: a document's events outlive it (its deletion is an event too).
  document_id uuid not null,
  -- A document status, or 'deleted'.
  status text not null,
  version integer not null,
  error_kind text,
  error_code text,
  at timestamptz not null default now()
);

create index document_events_document_idx on document_events (document_id, id);
create index document_events_at_idx on document_events (at);

-- Webhook endpoints a tenant registered: every event of its documents is sent to each. The
-- secret signs the deliveries (HMAC-SHA256), so it is stored as it is: a hash could not sign.
create table webhook_endpoints (
  id uuid primary key,
  tenant text not null,
  url text not null,
  secret text not null,
  created_at timestamptz not null default now()
);

create index webhook_endpoints_tenant_idx on webhook_endpoints (tenant, created_at);

-- The callback URL given with one upload (field `callbackUrl`), signed with the tenant's
-- callback secret. Kept apart from `documents`, whose insert belongs to the upload path.
create table document_callbacks (
  document_id uuid primary key,
  tenant text not null,
  url text not null,
  created_at timestamptz not null default now()
);

create index document_callbacks_created_idx on document_callbacks (created_at);

create table webhook_callback_secrets (
  tenant text primary key,
  secret text not null,
  created_at timestamptz not null default now()
);

-- One delivery per (event, destination), written with the event in the same transaction, so no
-- event is ever missed by a reader's position; sent and retried by the workers' leader from
-- `next_attempt_at`.
create table webhook_deliveries (
  id bigserial primary key,
  tenant text not null,
  event_id bigint not null,
  document_id uuid not null,
  -- Null for an upload's callback URL.
  endpoint_id uuid references webhook_endpoints (id) on delete cascade,
  url text not null,
  status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_status_code integer,
  last_error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  delivered_at timestamptz
);

create index webhook_deliveries_due_idx on webhook_deliveries (next_attempt_at) where status = 'pending';
create index webhook_deliveries_tenant_idx on webhook_deliveries (tenant, id desc);
create index webhook_deliveries_created_idx on webhook_deliveries (created_at);

-- Appends the events of the documents in `changed` (the triggers below pass their rows), writes
-- their webhook deliveries and wakes the listeners, set-based so that an upload batch costs a few
-- statements, not a few per document. Where a tenant has no webhook (the common case) the
-- deliveries cost an index probe per event that finds nothing.
create function record_document_events(changed document_events[]) returns bigint language sql as $$
  with event as (
    insert into document_events (tenant, document_id, status, version, error_kind, error_code)
    select c.tenant, c.document_id, c.status, c.version, c.error_kind, c.error_code from unnest(changed) c
    returning id, tenant, document_id
  ), to_endpoints as (
    insert into webhook_deliveries (tenant, event_id, document_id, endpoint_id, url)
    select e.tenant, e.id, e.document_id, w.id, w.url from event e join webhook_endpoints w on w.tenant = e.tenant
  ), to_callbacks as (
    insert into webhook_deliveries (tenant, event_id, document_id, endpoint_id, url)
    select e.tenant, e.id, e.document_id, null, c.url from event e join document_callbacks c on c.document_id = e.document_id
  )
  select count(pg_notify('document_events', e.id || ' ' || e.document_id)) from event e
$$;

create function document_inserted_events() returns trigger language plpgsql as $$
begin
  perform record_document_events(array(
    select row(0, tenant, id, status, version, error_kind, null, null)::document_events from inserted));
  return null;
end
$$;

create function document_deleted_events() returns trigger language plpgsql as $$
begin
  perform record_document_events(array(
    select row(0, tenant, id, 'deleted', version, null, null, null)::document_events from deleted));
  return null;
end
$$;

-- A change is recorded at commit (a deferred constraint trigger), as the document then is: a
-- completion moves the status and then bumps the version in one transaction, and a client must
-- see one event, completed with its new version, not a "completed" whose result is not counted
-- yet. A transaction that changed a document twice fires twice; the second finds the same state
-- as the latest event and adds nothing. The error code lives on the current item.
create function document_moved_event() returns trigger language plpgsql as $$
begin
  perform record_document_events(array(
    select row(0, d.tenant, d.id, d.status, d.version, d.error_kind, q.error_code, null)::document_events
    from documents d join queue_items q on q.id = d.current_item_id
    where d.id = new.id
      and not exists (
        select from (select e.status, e.version, e.error_kind, e.error_code from document_events e
                     where e.document_id = d.id order by e.id desc limit 1) latest
        where latest.status = d.status and latest.version = d.version
          and latest.error_kind is not distinct from d.error_kind and latest.error_code is not distinct from q.error_code)));
  return null;
end
$$;

create trigger documents_events_on_insert after insert on documents
  referencing new table as inserted for each statement execute function document_inserted_events();
create trigger documents_events_on_delete after delete on documents
  referencing old table as deleted for each statement execute function document_deleted_events();
create constraint trigger documents_events_on_move after update of status, version on documents
  deferrable initially deferred
  for each row when (old.status is distinct from new.status or old.version is distinct from new.version)
  execute function document_moved_event();
