-- The admin documents list and failures page: keyset order across tenants, search in file names
-- and error texts, and grouping of failures by their message with the variable parts taken out.

-- Trigram indexes answer `ilike '%term%'`, which no b-tree can: the search finds a term anywhere
-- in a file name or an error text without reading every row (terms of 3 characters or more).
create extension if not exists pg_trgm;

-- An error message with what varies from one occurrence to the next replaced by placeholders, so
-- that the same failure on different documents reads the same: uuids, quoted values, hex ids
-- (8 or more hex digits with at least one digit, or 0x...) and numbers; whitespace collapsed and
-- the result capped, so that a group key stays short enough for an index and a URL. Immutable
-- (only immutable built-ins, no settings read), so it can be indexed; strict, so an index on it
-- may leave out items without an error.
create function normalised_error(message text) returns text
  language sql immutable strict parallel safe
as $$
  select left(btrim(
    regexp_replace(
      regexp_replace(
        regexp_replace(
          regexp_replace(
            regexp_replace(message,
              '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}', '<uuid>', 'g'),
            '"[^"]*"|''[^'']*''|`[^`]*`', '<quoted>', 'g'),
          '0[xX][0-9a-fA-F]+|\m(?=[a-fA-F]*[0-9])[0-9a-fA-F]{8,}\M', '<hex>', 'g'),
        '[0-9]+', '<n>', 'g'),
      '\s+', ' ', 'g')), 200)
$$;

-- Keyset pages over every tenant, newest first: an account that sees all tenants lists
-- `order by created_at desc, id desc` from here (per-tenant lists use the indexes of 001).
create index documents_created_idx on documents (created_at desc, id desc);

-- The same order within one status across tenants: the list filtered by status, the capped
-- count per status, and the failures page's scan of failed documents.
create index documents_status_created_idx on documents (status, created_at desc, id desc);

-- Search in file names (see pg_trgm above).
create index documents_filename_trgm_idx on documents using gin (filename gin_trgm_ops);

-- Search in error texts. Only items with an error are indexed; an `ilike` on last_error implies
-- it is not null, so the planner may use this partial index.
create index queue_items_last_error_trgm_idx on queue_items using gin (last_error gin_trgm_ops)
  where last_error is not null;

-- Each item's failure group, written with its error: grouping and filtering by it read a
-- column instead of running the function's regular expressions over every failed item at read
-- time. Generated, so every statement that writes last_error keeps it right without knowing it.
alter table queue_items add column error_group text generated always as (normalised_error(last_error)) stored;

-- A failure group as a filter (`group`, `code`): the items of one group are found here.
create index queue_items_error_group_idx on queue_items (error_group, error_code) where error_group is not null;
