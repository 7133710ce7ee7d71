-- The document events of 014, at a fraction of their cost on the drain path. Same events, same
-- ids, same notifications and webhook deliveries; only how Postgres runs them changes.
--
-- 014 wrote them through `record_document_events`, a function in LANGUAGE sql. Postgres plans
-- the body of an SQL function again at every call (its plans live only as long as the calling
-- query), and the deferred trigger calls it once per changed document at commit: every claim and
-- every completion paid for planning a three-CTE insert per document, about half of the events'
-- cost (measured with track_functions: 0.8 ms of the 1 ms each firing took). In plpgsql the
-- statements are planned once per session and their plans reused.

create or replace function record_document_events(changed document_events[]) returns bigint language plpgsql as $$
declare
  recorded bigint;
begin
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
  select count(pg_notify('document_events', e.id || ' ' || e.document_id)) into recorded from event e;
  return recorded;
end
$$;

-- As in 014: at commit, the document as it then is, unless its latest event already says so
-- (a transaction that changed it twice fires twice). One statement for the look-up and the
-- write, so that a document whose event is already recorded costs one index probe.
create or replace function document_moved_event() returns trigger language plpgsql as $$
declare
  moved document_events;
begin
  select 0, d.tenant, d.id, d.status, d.version, d.error_kind, q.error_code, null into moved
    from documents d join queue_items q on q.id = d.current_item_id
   where d.id = new.id
     and not exists (
       select from (select e.status, e.version, e.error_kind, e.error_code from document_events e
                    where e.document_id = d.id order by e.id desc limit 1) latest
       where latest.status = d.status and latest.version = d.version
         and latest.error_kind is not distinct from d.error_kind and latest.error_code is not distinct from q.error_code);
  if found then
    perform record_document_events(array[moved]);
  end if;
  return null;
end
$$;

-- A result's text is stored compressed with lz4 instead of pglz, as 015 did for the bytes: for
-- 10 KB of prose pglz took 0.35-0.4 ms and lz4 0.08 ms per row (2,000 inserts each, busy 2-core
-- machine), inside the completion's transaction; lz4 stores it about 30 % larger. Only new values
-- are written with lz4; those stored before stay readable as they are. A server built without
-- lz4 (the embedded database is one) refuses the method; it then keeps pglz, as 015 does.
do $$
begin
  alter table documents alter column text set compression lz4;
exception when feature_not_supported then
  raise notice 'this server has no lz4: documents.text keeps pglz';
end
$$;
