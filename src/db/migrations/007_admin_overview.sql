-- The admin overview's throughput series: attempts finished in the last hour and the last day,
-- by outcome. Ordered by finished_at, so a series reads only its window however long the
-- history grows. Outcome and item_id ride in the index: counting for every tenant is an
-- index-only scan, and a series limited to some tenants reaches each attempt's item from the
-- index alone. Running attempts (no finished_at yet) belong to no series and stay out.
create index queue_item_attempts_finished_idx on queue_item_attempts (finished_at) include (outcome, item_id)
  where finished_at is not null;
