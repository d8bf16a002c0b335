// Canonical documents and the mapping state of what they come from (transaction sets, CSV receipts).
import type { CanonicalDocument } from '../../documents/schemas.ts';
import { numberedRows, type Queryable } from '../db.ts';

/** A document's own columns, before it is tied to a receipt and a source. */
export interface DocumentFields {
  partnerId: string;
  type: string;
  schemaVersion: number;
  test: boolean;
  poNumbers: string[];
  shipmentId: string | null;
  billOfLading: string | null;
  invoiceNumber: string | null;
  document: unknown;
  issues: unknown[];
}

export interface NewDocument extends DocumentFields {
  receiptId: number;
  transactionSetId: number | null;
  /** "set:<transaction set id>" or "csv:<ordinal in the file>": unique per receipt. */
  sourceKey: string;
}

export interface StoredDocument extends NewDocument {
  id: number;
  createdAt: Date;
}

const COLUMNS = `id, receipt_id as "receiptId", transaction_set_id as "transactionSetId", source_key as "sourceKey",
  partner_id as "partnerId", type, schema_version as "schemaVersion", test, po_numbers as "poNumbers",
  shipment_id as "shipmentId", bill_of_lading as "billOfLading", invoice_number as "invoiceNumber", document,
  issues, created_at as "createdAt"`;

/** The business keys of a canonical document, pulled out for the indexes. */
export function documentFields(doc: CanonicalDocument, test: boolean, issues: unknown[]): DocumentFields {
  const keys = doc as Partial<{
    poNumber: string;
    poNumbers: string[];
    shipmentId: string;
    billOfLading: string;
    invoiceNumber: string;
  }>;
  return {
    partnerId: doc.partnerId,
    type: doc.type,
    schemaVersion: doc.schemaVersion,
    test,
    poNumbers: [...new Set([...(keys.poNumbers ?? []), ...(keys.poNumber ? [keys.poNumber] : [])])],
    shipmentId: keys.shipmentId ?? null,
    billOfLading: keys.billOfLading ?? null,
    invoiceNumber: keys.invoiceNumber ?? null,
    document: doc,
    issues,
  };
}

/** Stores the documents; one already stored for the same receipt and source (a mapping run twice) is kept as
 * it is. The number of rows inserted. */
export async function insertDocuments(q: Queryable, docs: NewDocument[]): Promise<number> {
  if (docs.length === 0) return 0;
  // text[] does not come out of json_to_recordset; the PO numbers travel as a JSON array and are unpacked.
  const rows = await q.query<{ id: number }>(
    `insert into documents (receipt_id, transaction_set_id, source_key, partner_id, type, schema_version, test,
       po_numbers, shipment_id, bill_of_lading, invoice_number, document, issues)
     select x."receiptId", x."transactionSetId", x."sourceKey", x."partnerId", x.type, x."schemaVersion", x.test,
       coalesce(array(select json_array_elements_text(x."poNumbers")), '{}'), x."shipmentId",
       x."billOfLading", x."invoiceNumber", x.document, x.issues::jsonb
     from json_to_recordset($1::json) as x("receiptId" bigint, "transactionSetId" bigint, "sourceKey" text,
       "partnerId" text, type text, "schemaVersion" int, test boolean, "poNumbers" json, "shipmentId" text,
       "billOfLading" text, "invoiceNumber" text, document json, issues json, n bigint)
     order by x.n
     on conflict (receipt_id, source_key) do nothing
     returning id`,
    [numberedRows(docs)],
  );
  return rows.length;
}

export interface PendingSet {
  id: number;
  interchangeControlNumber: string;
  groupControlNumber: string;
  controlNumber: string;
  setId: string;
  /** ISA15 of its interchange: T for test data. */
  usageIndicator: string;
}

/** The receipt's sets waiting to be mapped, in file order. */
export async function pendingSetsOfReceipt(q: Queryable, receiptId: number): Promise<PendingSet[]> {
  return q.query<PendingSet>(
    `select s.id, i.control_number as "interchangeControlNumber", g.control_number as "groupControlNumber",
       s.control_number as "controlNumber", s.set_id as "setId", i.usage_indicator as "usageIndicator"
     from transaction_sets s
     join functional_groups g on g.id = s.group_id
     join interchanges i on i.id = s.interchange_id
     where s.receipt_id = $1 and s.mapping_status = 'pending'
     order by i.position, g.position, s.position`,
    [receiptId],
  );
}

export interface MappingOutcome {
  id: number;
  /** mapped: its document is stored; failed: the issues say why not; not-applicable: no document type is
   * made from this set. */
  status: 'mapped' | 'failed' | 'not-applicable';
  issues: unknown[];
}

/** Records what became of pending sets. */
export async function setMappingOutcomes(q: Queryable, outcomes: MappingOutcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  await q.query(
    `update transaction_sets s set mapping_status = x.status, mapping_issues = x.issues
     from jsonb_to_recordset($1::jsonb) as x(id bigint, status text, issues jsonb)
     where s.id = x.id and s.mapping_status = 'pending'`,
    [JSON.stringify(outcomes)],
  );
}

/** Receipts with something still to map, finished more than idleMs ago: the sweeper's list. */
export async function receiptsAwaitingMapping(
  q: Queryable,
  idleMs: number,
  limit: number,
): Promise<number[]> {
  const rows = await q.query<{ id: number }>(
    `select distinct s.receipt_id as id from transaction_sets s join receipts r on r.id = s.receipt_id
     where s.mapping_status = 'pending' and r.finished_at < clock_timestamp() - make_interval(secs => $1)
     order by 1 limit $2`,
    [idleMs / 1000, limit],
  );
  return rows.map((r) => Number(r.id));
}

export async function getDocument(q: Queryable, id: number): Promise<StoredDocument | undefined> {
  const [row] = await q.query<StoredDocument>(`select ${COLUMNS} from documents where id = $1`, [id]);
  return row;
}

export async function documentsOfReceipt(q: Queryable, receiptId: number): Promise<StoredDocument[]> {
  return q.query<StoredDocument>(`select ${COLUMNS} from documents where receipt_id = $1 order by id`, [
    receiptId,
  ]);
}

export interface DocumentFilter {
  partnerId?: string;
  type?: string;
  poNumber?: string;
  shipmentId?: string;
  billOfLading?: string;
  invoiceNumber?: string;
  /** Only documents with an id below this (keyset paging backwards from the newest). */
  beforeId?: number;
  limit?: number;
}

/** Documents by their business keys, newest first. */
export async function findDocuments(q: Queryable, f: DocumentFilter): Promise<StoredDocument[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.partnerId !== undefined) add('partner_id = ?', f.partnerId);
  if (f.type !== undefined) add('type = ?', f.type);
  if (f.poNumber !== undefined) add('po_numbers @> array[?::text]', f.poNumber);
  if (f.shipmentId !== undefined) add('shipment_id = ?', f.shipmentId);
  if (f.billOfLading !== undefined) add('bill_of_lading = ?', f.billOfLading);
  if (f.invoiceNumber !== undefined) add('invoice_number = ?', f.invoiceNumber);
  if (f.beforeId !== undefined) add('id < ?', f.beforeId);
  params.push(f.limit ?? 100);
  return q.query<StoredDocument>(
    `select ${COLUMNS} from documents ${where.length > 0 ? `where ${where.join(' and ')}` : ''}
     order by id desc limit $${params.length}`,
    params,
  );
}

export interface PoTimelineDocument {
  id: number;
  receiptId: number;
  type: 'advance-ship-notice' | 'invoice';
  shipmentId: string | null;
  billOfLading: string | null;
  invoiceNumber: string | null;
  document: unknown;
  createdAt: Date;
  /** False for an invoice of another PO that shares an invoice number with one of this PO's. */
  namesPo: boolean;
}

/**
 * What reconciliation reads for a partner's PO (see documentsForPo: non-test ship notices and invoices that
 * name it, and other invoices with one of their invoice numbers), with the receipt each came in, oldest first.
 */
export async function poTimelineDocuments(
  q: Queryable,
  partnerId: string,
  poNumber: string,
): Promise<PoTimelineDocument[]> {
  return q.query<PoTimelineDocument>(
    `with named as (
       select id from documents
       where po_numbers @> array[$2]::text[] and partner_id = $1 and not test
         and type in ('advance-ship-notice', 'invoice')
     )
     select id, receipt_id as "receiptId", type, shipment_id as "shipmentId", bill_of_lading as "billOfLading",
       invoice_number as "invoiceNumber", document, created_at as "createdAt",
       id in (select id from named) as "namesPo"
     from documents
     where id in (select id from named)
        or (partner_id = $1 and not test and type = 'invoice' and invoice_number in
             (select invoice_number from documents where id in (select id from named) and invoice_number is not null))
     order by created_at, id`,
    [partnerId, poNumber],
  );
}
