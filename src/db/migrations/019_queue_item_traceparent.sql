-- The W3C trace context of the request that queued an item (its `traceparent` header value), so
-- that whichever worker runs it, on whichever attempt, continues that trace: it travels with the
-- item in Postgres, not in the BullMQ job that Redis may lose. Null when the queuing process did
-- not trace. A retry, a takeover or an operator's retry keeps the item and so its trace; a
-- reprocess is a new item with the trace of the request that asked for it.
alter table queue_items add column traceparent text
  check (char_length(traceparent) <= 256);
