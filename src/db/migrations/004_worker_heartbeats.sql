-- One row per running worker process, refreshed by its heartbeat. A worker is dead when its row
-- stops being refreshed, so its items are taken back within seconds instead of after a long
-- item lease. A clean shutdown deletes the row; a dead worker's row stays a while for operators.
create table workers (
  -- host:pid:public_id, as written to queue_items.locked_by and queue_item_attempts.worker.
  id text primary key,
  -- Random, and all that tenants see of a worker (the id names the host and pid).
  public_id text not null unique,
  host text not null,
  pid integer not null,
  version text not null,
  concurrency integer not null,
  items_held integer not null default 0,
  started_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now()
);
