// What a day's archive holds, read a page at a time: a busy day is a hundred thousand receipts and as many
// acks and documents, so nothing here returns a whole day at once. Pages follow the id (keyset pagination)
// inside the id range the day covers; the range is found first so that each page is a short primary-key
// scan rather than a scan of the day's rows sorted again for every page.
import type { Queryable } from '../db.ts';

/** One UTC day as the half-open range [from, to), both ISO 8601 instants. */
export interface DayRange {
  from: string;
  to: string;
}

export interface ArchivedReceipt {
  id: number;
  partnerId: string | null;
  channelKind: string;
  channelId: string;
  remotePath: string | null;
  fileName: string | null;
  size: number;
  sha256: string;
  blobKey: string;
  status: string;
  outcome: string | null;
  duplicateOf: number | null;
  replayOf: number | null;
  receivedAt: Date;
}

export interface ArchivedAcknowledgment {
  id: number;
  receiptId: number;
  partnerId: string;
  kinds: string;
  controlNumber: string;
  inboundControlNumber: string;
  deliveryStatus: string;
  deliveredTo: string | null;
  createdAt: Date;
  /** The ack's X12 text: acks are kept in their row (acknowledgments.body), not in the blob store. */
  body: string;
}

export interface ArchivedDocument {
  id: number;
  receiptId: number;
  partnerId: string;
  type: string;
  schemaVersion: number;
  test: boolean;
  poNumbers: string[];
  shipmentId: string | null;
  billOfLading: string | null;
  invoiceNumber: string | null;
  createdAt: Date;
  document: unknown;
}

export interface PageOptions {
  /** Rows per query (defaults: 500 receipts or acks, 100 documents, which are several kilobytes each). */
  pageSize?: number;
}

// The tables a day is read from and the time that places a row in a day. Fixed strings, never input.
const TABLES = {
  receipts: 'received_at',
  acknowledgments: 'created_at',
  documents: 'created_at',
} as const;

type Table = keyof typeof TABLES;

/** The lowest and highest id of the table's rows in the day; undefined when it has none. Ids and times rise
 * together only roughly (concurrent transactions), so the pages below still filter on the time: the range
 * merely bounds where the day's rows can be. */
async function idRange(
  q: Queryable,
  table: Table,
  day: DayRange,
): Promise<{ first: number; last: number } | undefined> {
  const at = TABLES[table];
  const [row] = await q.query<{ first: number | null; last: number | null }>(
    `select min(id) as first, max(id) as last from ${table}
     where ${at} >= $1::timestamptz and ${at} < $2::timestamptz`,
    [day.from, day.to],
  );
  if (row?.first == null || row.last == null) return undefined;
  return { first: Number(row.first), last: Number(row.last) };
}

async function* pages<R extends { id: number }>(
  q: Queryable,
  table: Table,
  columns: string,
  day: DayRange,
  pageSize: number,
): AsyncGenerator<R> {
  const range = await idRange(q, table, day);
  if (!range) return;
  const at = TABLES[table];
  const sql = `select ${columns} from ${table}
     where id > $1 and id <= $2 and ${at} >= $3::timestamptz and ${at} < $4::timestamptz
     order by id limit $5`;
  let after = range.first - 1;
  for (;;) {
    const rows = await q.query<R>(sql, [after, range.last, day.from, day.to, pageSize]);
    yield* rows;
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.id;
  }
}

const RECEIPT_COLUMNS = `id, partner_id as "partnerId", channel_kind as "channelKind", channel_id as "channelId",
  remote_path as "remotePath", file_name as "fileName", size, sha256, blob_key as "blobKey", status, outcome,
  duplicate_of as "duplicateOf", replay_of as "replayOf", received_at as "receivedAt"`;

/** The receipts received in the day, by id: every arrival, duplicates and replays included. */
export function receiptsOfDay(
  q: Queryable,
  day: DayRange,
  options: PageOptions = {},
): AsyncGenerator<ArchivedReceipt> {
  return pages<ArchivedReceipt>(q, 'receipts', RECEIPT_COLUMNS, day, options.pageSize ?? 500);
}

const ACK_COLUMNS = `id, receipt_id as "receiptId", partner_id as "partnerId", kinds,
  control_number as "controlNumber", inbound_control_number as "inboundControlNumber",
  delivery_status as "deliveryStatus", delivered_to as "deliveredTo", created_at as "createdAt", body`;

/** The acknowledgments created in the day, by id, with their text. */
export function acknowledgmentsOfDay(
  q: Queryable,
  day: DayRange,
  options: PageOptions = {},
): AsyncGenerator<ArchivedAcknowledgment> {
  return pages<ArchivedAcknowledgment>(q, 'acknowledgments', ACK_COLUMNS, day, options.pageSize ?? 500);
}

const DOCUMENT_COLUMNS = `id, receipt_id as "receiptId", partner_id as "partnerId", type,
  schema_version as "schemaVersion", test, po_numbers as "poNumbers", shipment_id as "shipmentId",
  bill_of_lading as "billOfLading", invoice_number as "invoiceNumber", created_at as "createdAt", document`;

/** The canonical documents stored in the day, by id, with their JSON. */
export function documentsOfDay(
  q: Queryable,
  day: DayRange,
  options: PageOptions = {},
): AsyncGenerator<ArchivedDocument> {
  return pages<ArchivedDocument>(q, 'documents', DOCUMENT_COLUMNS, day, options.pageSize ?? 100);
}

/** The first UTC day (YYYY-MM-DD) on which a receipt arrived or an ack or document was made; undefined for an
 * empty store. Where archiving a backlog starts. */
export async function oldestDayWithData(q: Queryable): Promise<string | undefined> {
  const [row] = await q.query<{ day: string | null }>(
    `select to_char(min(t) at time zone 'UTC', 'YYYY-MM-DD') as day from (
       select min(received_at) as t from receipts
       union all select min(created_at) from acknowledgments
       union all select min(created_at) from documents
     ) x`,
  );
  return row?.day ?? undefined;
}
