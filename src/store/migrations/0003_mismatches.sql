-- Reconciliation: what finance reviews, and the purchase orders waiting to be matched again.

-- One row per mismatch, identified across runs by its key (PO + type + the document and line it is about), so
-- a re-run updates or clears the row instead of adding another. Decisions are kept here and in audit_log.
create table mismatches (
  id bigint generated always as identity primary key,
  key text not null unique,
  partner_id text not null,
  po_number text not null,
  type text not null,
  severity text not null check (severity in ('error', 'warning')),
  status text not null default 'open' check (status in ('open', 'accepted', 'disputed', 'resolved')),
  expected text not null,
  actual text not null,
  amount_at_risk numeric not null check (amount_at_risk >= 0),
  currency text,
  message text not null,
  -- DocumentRef[]: the document and line the mismatch is about first, then the others involved.
  documents jsonb not null,
  detected_at timestamptz not null default clock_timestamp(),
  updated_at timestamptz not null default clock_timestamp(),
  -- The last run that still found it; a run that no longer does resolves it (decided_by 'reconciliation').
  last_seen_at timestamptz not null default clock_timestamp(),
  decided_by text,
  decided_at timestamptz,
  comment text
);
create index mismatches_po on mismatches (po_number, partner_id);
create index mismatches_status on mismatches (status, detected_at desc);
create index mismatches_partner on mismatches (partner_id, detected_at desc);

-- Purchase orders (per partner) to reconcile at or after due_at: named by a new ship notice or invoice, asked
-- for by `dockside reconcile --po`, or waiting for an invoice's grace period to end. A process leases due rows
-- (due_at moves past the lease, chosen with SKIP LOCKED so processes take different ones) and removes a row
-- only if its generation is still the one it leased: a document that arrived meanwhile queues the PO again.
create table reconcile_queue (
  partner_id text not null,
  po_number text not null,
  due_at timestamptz not null,
  reason text not null,
  -- Bumped by every enqueue.
  generation bigint not null default 1,
  attempts integer not null default 0,
  last_error text,
  primary key (partner_id, po_number)
);
create index reconcile_queue_due on reconcile_queue (due_at);

-- How far the reconciler has read the documents table: documents with a larger id are not yet queued.
create table reconcile_cursor (
  id integer primary key check (id = 1),
  last_document_id bigint not null
);
insert into reconcile_cursor (id, last_document_id) values (1, 0);
