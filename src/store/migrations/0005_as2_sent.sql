-- AS2 messages we sent that ask for an asynchronous MDN: the MDN arrives later, on its own request, and is
-- matched to the message by its Original-Message-ID. The row keeps what checking it needs (the MIC we
-- computed, whether we asked for a signed MDN) and the deadline after which a missing MDN is a failure.
-- `sending` is written before the POST, so an MDN that arrives before the POST returns still finds its row.
create table as2_sent (
  message_id text primary key,
  partner_id text not null,
  ack_id bigint references acknowledgments (id),
  url text not null,
  file_name text not null,
  mic_digest text not null,
  mic_algorithm text not null,
  signed_mdn boolean not null,
  status text not null default 'sending'
    check (status in ('sending', 'awaiting-mdn', 'delivered', 'failed')),
  reason text,
  disposition text,
  sent_at timestamptz not null default clock_timestamp(),
  mdn_deadline timestamptz not null,
  settled_at timestamptz
);
create index as2_sent_open on as2_sent (mdn_deadline) where status in ('sending', 'awaiting-mdn');
create index as2_sent_ack on as2_sent (ack_id) where status in ('sending', 'awaiting-mdn');
