-- The failures page (load-failure-groups.ts) groups the newest failed documents by their error
-- fields. Walking documents_status_created_idx, it read each of up to 10,000 rows from the heap:
-- at 10^6 documents, 10,000 scattered pages when they are not cached. This index holds all that
-- walk reads, so it is index-only once vacuum has marked the pages visible (failed documents
-- rarely change again); only failed documents enter it, so other writes do not pay for it.
create index documents_failed_created_idx on documents (created_at desc, id desc)
  include (tenant, error_code, error_group, updated_at) where status = 'failed';
