-- Who may use the HTTP API: people who log in (users, with sessions) and programs (API tokens). Secrets are
-- never stored as given: passwords as scrypt hashes, tokens and session ids as sha256, so a copy of the
-- database does not let anyone in.
create table api_users (
  id bigint generated always as identity primary key,
  name text not null unique,
  role text not null check (role in ('finance', 'onboarding', 'operations', 'admin')),
  password_hash text not null,
  created_at timestamptz not null default clock_timestamp(),
  disabled_at timestamptz
);

create table api_tokens (
  id bigint generated always as identity primary key,
  name text not null unique,
  role text not null check (role in ('finance', 'onboarding', 'operations', 'admin')),
  token_sha256 text not null unique,
  created_at timestamptz not null default clock_timestamp(),
  last_used_at timestamptz,
  revoked_at timestamptz
);

create table api_sessions (
  id_sha256 text primary key,
  user_id bigint not null references api_users (id) on delete cascade,
  created_at timestamptz not null default clock_timestamp(),
  expires_at timestamptz not null
);
create index api_sessions_expiry on api_sessions (expires_at);
