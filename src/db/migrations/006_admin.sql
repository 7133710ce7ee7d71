-- The admin UI: accounts, their server-side sessions, and the audit log of what they did.

-- An account's role comes from the catalogue (ADMIN_ROLE in src/states.ts). `tenants` limits
-- what the account sees and touches; null means every tenant. The password is stored only as a
-- scrypt hash string that carries its own salt and cost (see src/admin/passwords.ts).
create table admin_accounts (
  id bigint generated always as identity primary key,
  name text not null unique,
  role text not null constraint admin_accounts_role_check check (role in ('viewer', 'operator', 'admin')),
  tenants text[],
  password_hash text not null,
  disabled_at timestamptz,
  created_at timestamptz not null default now(),
  password_changed_at timestamptz not null default now()
);

-- A session lives here, not in the cookie: deleting its row (logout, disable, password reset)
-- ends it at once. The id is the SHA-256 of the cookie's token, so a leaked table opens nothing.
-- Idle and absolute expiry are checked on every read against last_seen_at and created_at.
create table admin_sessions (
  id bytea primary key,
  account_id bigint not null references admin_accounts (id) on delete cascade,
  csrf_secret text not null,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now()
);
create index admin_sessions_account_idx on admin_sessions (account_id);

-- Who did what, on which filter or items, to how many, and why. The account's name is copied,
-- so an entry still reads right after the account is renamed or deleted; failed logins have a
-- name but no account.
create table admin_audit (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  account_id bigint references admin_accounts (id) on delete set null,
  account_name text not null,
  action text not null,
  target_filter jsonb,
  target_item_ids uuid[],
  affected bigint,
  reason text,
  address text
);
create index admin_audit_at_idx on admin_audit (at desc, id desc);
