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
  -- The items this worker is working on, as of its last heartbeat (a claim adds its item at
  -- once). A live worker vouches for them: they are not taken back while it beats, even if a
  -- blocked event loop let their lease lapse.
  held_items uuid[] not null default '{}',
  started_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now()
);

-- Which worker runs the reconciler, and until when. A lease rather than a session lock: a leader
-- cut off from the network keeps its session open in Postgres's eyes, and would hold a session
-- lock (and block every repair) until TCP gave up; its lease simply runs out.
create table reconciler_leader (
  singleton boolean primary key default true check (singleton),
  holder text not null,
  until timestamptz not null
);
