-- Indexes for the questions the console and the API ask, which no earlier index answers without a scan:
-- a trace by an ISA, GS or ST control number alone (the existing indexes lead with the sender or the set
-- id), throughput and latency by when receipts finished, a partner's acknowledgments over the last days,
-- and a day's acknowledgments and documents for the archive.
create index interchanges_control on interchanges (control_number);
create index functional_groups_control on functional_groups (control_number);
create index transaction_sets_control_number on transaction_sets (control_number);
create index receipts_finished on receipts (finished_at) where finished_at is not null;
create index acknowledgments_partner_created on acknowledgments (partner_id, created_at);
create index acknowledgments_created on acknowledgments (created_at);
create index documents_created on documents (created_at);
