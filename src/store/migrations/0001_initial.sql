-- Every arrival of a file, whatever the channel. A repeated arrival (same idempotency key) is a row of its
-- own that points at the first one, so the log of arrivals stays complete while only the first is processed.
create table receipts (
  id bigint generated always as identity primary key,
  channel_kind text not null,
  channel_id text not null,
  partner_id text,
  remote_path text,
  file_name text,
  size bigint not null,
  remote_mtime timestamptz,
  sha256 text not null,
  blob_key text not null,
  idempotency_key text not null,
  duplicate_of bigint references receipts (id),
  replay_of bigint references receipts (id),
  status text not null default 'received'
    check (status in ('received', 'processing', 'processed', 'duplicate', 'dead')),
  -- What processing concluded about the file as a whole.
  outcome text check (outcome in ('accepted', 'partially-accepted', 'rejected')),
  issues jsonb not null default '[]',
  attempts integer not null default 0,
  last_error text,
  received_at timestamptz not null default clock_timestamp(),
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz not null default clock_timestamp()
);
create unique index receipts_idempotency on receipts (channel_kind, idempotency_key) where duplicate_of is null;
create index receipts_unfinished on receipts (updated_at) where status in ('received', 'processing');
create index receipts_partner on receipts (partner_id, received_at desc);
create index receipts_received on receipts (received_at desc);

create table interchanges (
  id bigint generated always as identity primary key,
  receipt_id bigint not null references receipts (id),
  position integer not null,
  partner_id text,
  sender_qualifier text not null,
  sender_id text not null,
  receiver_qualifier text not null,
  receiver_id text not null,
  control_number text not null,
  version text not null,
  usage_indicator text not null,
  ack_requested boolean not null,
  sent_date text not null,
  sent_time text not null,
  status text not null check (status in ('accepted', 'accepted-with-errors', 'rejected', 'duplicate', 'refused')),
  duplicate_of bigint references interchanges (id),
  start_offset bigint not null,
  start_line integer not null,
  issues jsonb not null default '[]',
  created_at timestamptz not null default clock_timestamp(),
  unique (receipt_id, position)
);
create index interchanges_identity
  on interchanges (sender_qualifier, sender_id, receiver_qualifier, receiver_id, control_number, created_at);

create table functional_groups (
  id bigint generated always as identity primary key,
  interchange_id bigint not null references interchanges (id),
  receipt_id bigint not null references receipts (id),
  position integer not null,
  functional_id text not null,
  application_sender text not null,
  application_receiver text not null,
  control_number text not null,
  version text not null,
  -- AK901 / the acceptance of the group: A, E, P, R; null when no functional ack was built.
  ack_code text,
  set_count integer not null,
  issues jsonb not null default '[]',
  unique (interchange_id, position)
);
create index functional_groups_receipt on functional_groups (receipt_id);

create table transaction_sets (
  id bigint generated always as identity primary key,
  group_id bigint not null references functional_groups (id),
  interchange_id bigint not null references interchanges (id),
  receipt_id bigint not null references receipts (id),
  partner_id text,
  position integer not null,
  set_id text not null,
  control_number text not null,
  implementation text,
  spec text,
  status text not null check (status in ('accepted', 'accepted-with-errors', 'rejected')),
  segment_count integer not null,
  start_offset bigint not null,
  start_line integer not null,
  issues jsonb not null default '[]',
  dropped_issues integer not null default 0,
  -- Accepted sets wait here for the mapping job of the canonical-documents work.
  mapping_status text not null check (mapping_status in ('pending', 'not-applicable', 'mapped', 'failed')),
  unique (group_id, position)
);
create index transaction_sets_receipt on transaction_sets (receipt_id);
create index transaction_sets_control on transaction_sets (set_id, control_number);
create index transaction_sets_pending on transaction_sets (id) where mapping_status = 'pending';

-- Control numbers we put on what we send, per partner and kind; the row lock serialises allocation and the
-- counter only moves forward, so a number is never handed out twice.
create table control_numbers (
  partner_id text not null,
  kind text not null check (kind in ('interchange', 'group', 'set')),
  last_value bigint not null,
  primary key (partner_id, kind)
);

create table acknowledgments (
  id bigint generated always as identity primary key,
  receipt_id bigint not null references receipts (id),
  interchange_id bigint not null references interchanges (id) unique,
  partner_id text not null,
  kinds text not null,
  control_number text not null,
  inbound_control_number text not null,
  ta1_code text,
  functional jsonb not null default '[]',
  body text not null,
  delivery_status text not null default 'pending'
    check (delivery_status in ('pending', 'delivered', 'failed', 'no-channel')),
  channel_kind text,
  delivered_to text,
  attempts integer not null default 0,
  last_error text,
  created_at timestamptz not null default clock_timestamp(),
  delivered_at timestamptz,
  updated_at timestamptz not null default clock_timestamp(),
  unique (partner_id, control_number)
);
create index acknowledgments_pending on acknowledgments (updated_at) where delivery_status = 'pending';
create index acknowledgments_receipt on acknowledgments (receipt_id);

create table dead_letters (
  id bigint generated always as identity primary key,
  queue text not null,
  job_id text not null,
  receipt_id bigint references receipts (id),
  payload jsonb not null,
  error_code text,
  reason text not null,
  attempts integer not null,
  status text not null default 'open' check (status in ('open', 'retried')),
  created_at timestamptz not null default clock_timestamp(),
  retried_at timestamptz,
  retried_by text
);
create index dead_letters_open on dead_letters (created_at desc) where status = 'open';

create table audit_log (
  id bigint generated always as identity primary key,
  at timestamptz not null default clock_timestamp(),
  actor text not null,
  action text not null,
  subject_type text not null,
  subject_id text not null,
  details jsonb not null default '{}'
);
create index audit_log_subject on audit_log (subject_type, subject_id, at);
