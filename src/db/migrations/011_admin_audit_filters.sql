-- The audit log's filters, each with the log's own order (at desc, id desc), so that a page of
-- one account's or one action's entries reads only those, however long the log grows. The
-- account id serves accounts limited to some tenants, which read only their own entries.
create index admin_audit_account_id_at_idx on admin_audit (account_id, at desc, id desc);
create index admin_audit_account_name_at_idx on admin_audit (account_name, at desc, id desc);
create index admin_audit_action_at_idx on admin_audit (action, at desc, id desc);
