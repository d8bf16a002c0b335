-- Canonical documents: what accepted transaction sets (and CSV files) become. One row per document, with the
-- business keys finance and operations search by pulled out of the JSON and indexed.
create table documents (
  id bigint generated always as identity primary key,
  receipt_id bigint not null references receipts (id),
  -- The set it was mapped from; null for a document read from a CSV file.
  transaction_set_id bigint references transaction_sets (id),
  -- Which document of the receipt it is ("set:<id>" or "csv:<ordinal>"): the mapping job may run twice after a
  -- crash, and this keeps the second run from storing it again.
  source_key text not null,
  partner_id text not null,
  type text not null,
  schema_version integer not null,
  -- Test data (ISA15 T, or a partner whose status is testing): kept, but not reconciled.
  test boolean not null default false,
  po_numbers text[] not null default '{}',
  shipment_id text,
  bill_of_lading text,
  invoice_number text,
  -- json, not jsonb: nothing queries inside a document (its keys are columns above), and storing the text
  -- as it comes costs PostgreSQL about half the CPU of converting it to jsonb.
  document json not null,
  -- Warnings the mapping found (an error keeps the document from being made at all).
  issues jsonb not null default '[]',
  created_at timestamptz not null default clock_timestamp(),
  unique (receipt_id, source_key)
);
create index documents_partner on documents (partner_id, type, created_at desc);
create index documents_po on documents using gin (po_numbers);
create index documents_shipment on documents (shipment_id) where shipment_id is not null;
create index documents_bol on documents (bill_of_lading) where bill_of_lading is not null;
create index documents_invoice on documents (invoice_number, partner_id) where invoice_number is not null;

-- Why a set that was to be mapped could not be.
alter table transaction_sets add column mapping_issues jsonb not null default '[]';

-- A document is several kilobytes of JSON: lz4 compresses it with a fraction of pglz's CPU. A PostgreSQL built
-- without lz4 (the embedded one) keeps its default.
do $$
begin
  alter table documents alter column document set compression lz4;
exception when others then
  raise notice 'documents.document keeps the default compression: %', sqlerrm;
end
$$;
