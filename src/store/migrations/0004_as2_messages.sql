-- AS2 messages received, one row per partner and Message-ID: the answer a repeat of the message gets (the MDN
-- exactly as first sent, headers and body) and, for an asynchronous MDN, its delivery state. A message that
-- was refused (decryption-failed, authentication-failed, ...) has a row too, without a receipt: its payload
-- is never stored.
create table as2_messages (
  partner_id text not null,
  -- As received, angle brackets included.
  message_id text not null,
  as2_from text not null,
  as2_to text not null,
  status text not null check (status in ('processed', 'failed')),
  -- The receipt the payload became (the first receipt when the intake saw it as a duplicate).
  receipt_id bigint references receipts (id),
  failure_code text,
  failure_message text,
  -- Received-Content-MIC as the MDN writes it ("<base64>, sha-256").
  mic text,
  -- Requests with this Message-ID answered (the first, and repeats of a failed one).
  attempts integer not null default 1,
  -- 'sync': in the HTTP response; 'async': posted to mdn_url; 'none': the sender asked for none.
  mdn_mode text not null check (mdn_mode in ('sync', 'async', 'none')),
  disposition text,
  -- HTTP header fields of the MDN, [name, value] pairs, and its body: replayed byte for byte.
  mdn_headers jsonb,
  mdn_body bytea,
  mdn_url text,
  -- Asynchronous delivery: pending until the sender's server answers 2xx, failed after the last attempt.
  mdn_status text not null check (mdn_status in ('none', 'sent', 'pending', 'failed')),
  mdn_attempts integer not null default 0,
  mdn_next_at timestamptz,
  mdn_last_error text,
  mdn_sent_at timestamptz,
  received_at timestamptz not null default clock_timestamp(),
  updated_at timestamptz not null default clock_timestamp(),
  primary key (partner_id, message_id)
);
create index as2_messages_mdn_pending on as2_messages (mdn_next_at) where mdn_status = 'pending';
