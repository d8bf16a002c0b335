// Acknowledgments we owe partners: built and stored with the receipt's processing, then delivered by their
// own job. The delivery status is what operations look at: pending, delivered, failed (with why), or
// no-channel when the partner has no outbound channel to send it over.
import { numberedRows, type Queryable } from '../db.ts';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'no-channel';

export interface NewAcknowledgment {
  receiptId: number;
  interchangeId: number;
  partnerId: string;
  kinds: string;
  controlNumber: string;
  inboundControlNumber: string;
  ta1Code: string | null;
  functional: unknown[];
  body: string;
}

export interface Acknowledgment extends NewAcknowledgment {
  id: number;
  deliveryStatus: DeliveryStatus;
  channelKind: string | null;
  deliveredTo: string | null;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

const COLUMNS = `id, receipt_id as "receiptId", interchange_id as "interchangeId", partner_id as "partnerId", kinds,
  control_number as "controlNumber", inbound_control_number as "inboundControlNumber", ta1_code as "ta1Code",
  functional, body, delivery_status as "deliveryStatus", channel_kind as "channelKind",
  delivered_to as "deliveredTo", attempts, last_error as "lastError", created_at as "createdAt",
  delivered_at as "deliveredAt"`;

/** The ids of the new rows, in the order given (rows are inserted in that order and returned as inserted). */
export async function insertAcknowledgments(q: Queryable, acks: NewAcknowledgment[]): Promise<number[]> {
  if (acks.length === 0) return [];
  const rows = await q.query<{ id: number }>(
    `insert into acknowledgments (receipt_id, interchange_id, partner_id, kinds, control_number,
       inbound_control_number, ta1_code, functional, body)
     select x."receiptId", x."interchangeId", x."partnerId", x.kinds, x."controlNumber", x."inboundControlNumber",
       x."ta1Code", x.functional, x.body
     from jsonb_to_recordset($1::jsonb) as x("receiptId" bigint, "interchangeId" bigint,
       "partnerId" text, kinds text, "controlNumber" text, "inboundControlNumber" text, "ta1Code" text,
       functional jsonb, body text, n bigint)
     order by x.n
     returning id`,
    [numberedRows(acks)],
  );
  return rows.map((r) => r.id);
}

export async function getAcknowledgment(q: Queryable, id: number): Promise<Acknowledgment | undefined> {
  const [row] = await q.query<Acknowledgment>(`select ${COLUMNS} from acknowledgments where id = $1`, [id]);
  return row;
}

export async function getAcknowledgments(q: Queryable, ids: number[]): Promise<Acknowledgment[]> {
  if (ids.length === 0) return [];
  return q.query<Acknowledgment>(`select ${COLUMNS} from acknowledgments where id = any($1::bigint[])`, [
    ids,
  ]);
}

export async function acknowledgmentsOfReceipt(q: Queryable, receiptId: number): Promise<Acknowledgment[]> {
  return q.query<Acknowledgment>(`select ${COLUMNS} from acknowledgments where receipt_id = $1 order by id`, [
    receiptId,
  ]);
}

export async function markDelivered(
  q: Queryable,
  id: number,
  delivery: { status: 'delivered' | 'no-channel'; channelKind: string | null; deliveredTo: string | null },
): Promise<void> {
  await q.query(
    `update acknowledgments set delivery_status = $2, channel_kind = $3, delivered_to = $4,
       attempts = attempts + 1, last_error = null,
       delivered_at = case when $2 = 'delivered' then clock_timestamp() end, updated_at = clock_timestamp()
     where id = $1`,
    [id, delivery.status, delivery.channelKind, delivery.deliveredTo],
  );
}

export async function recordDeliveryError(
  q: Queryable,
  id: number,
  error: string,
  final: boolean,
): Promise<void> {
  await q.query(
    `update acknowledgments set attempts = attempts + 1, last_error = $2,
       delivery_status = case when $3 then 'failed' else delivery_status end, updated_at = clock_timestamp()
     where id = $1`,
    [id, error, final],
  );
}

export interface DeliveryRecord {
  id: number;
  /** pending: this attempt failed and another follows. */
  status: DeliveryStatus;
  channelKind: string | null;
  deliveredTo: string | null;
  error: string | null;
}

/** Records the attempts of a batch of deliveries in one statement (markDelivered and recordDeliveryError for
 * many). */
export async function recordDeliveries(q: Queryable, records: DeliveryRecord[]): Promise<void> {
  if (records.length === 0) return;
  await q.query(
    `update acknowledgments a set delivery_status = x.status,
       channel_kind = coalesce(x."channelKind", a.channel_kind), delivered_to = x."deliveredTo",
       attempts = a.attempts + 1, last_error = x.error,
       delivered_at = case when x.status = 'delivered' then clock_timestamp() end, updated_at = clock_timestamp()
     from jsonb_to_recordset($1::jsonb) as x(id bigint, status text, "channelKind" text, "deliveredTo" text,
       error text)
     where a.id = x.id`,
    [JSON.stringify(records)],
  );
}

/** Puts a failed delivery back in line (a dead-letter retry). */
export async function reviveDelivery(q: Queryable, id: number): Promise<boolean> {
  const rows = await q.query(
    `update acknowledgments set delivery_status = 'pending', updated_at = clock_timestamp()
     where id = $1 and delivery_status = 'failed' returning id`,
    [id],
  );
  return rows.length === 1;
}

/** Pending deliveries untouched for `idleMs`: their job may have been lost. An ack sent over AS2 and awaiting
 * its async MDN is not lost: the MDN or its deadline settles it (transports/as2/async-mdn.ts). */
export async function pendingDeliveries(q: Queryable, idleMs: number, limit: number): Promise<number[]> {
  const rows = await q.query<{ id: number }>(
    `select id from acknowledgments
     where delivery_status = 'pending' and updated_at <= clock_timestamp() - $1 * interval '1 millisecond'
       and not exists (select 1 from as2_sent s
         where s.ack_id = acknowledgments.id and s.status in ('sending', 'awaiting-mdn'))
     order by updated_at limit $2`,
    [idleMs, limit],
  );
  return rows.map((r) => r.id);
}

/** An acknowledgment as operations follow its delivery: without its body and functional detail. */
export type Delivery = Omit<Acknowledgment, 'body' | 'functional'> & { updatedAt: Date };

export interface DeliveryFilter {
  status?: DeliveryStatus;
  partnerId?: string;
  /** Only deliveries with an id below this (paging backwards from the newest). */
  beforeId?: number;
  limit?: number;
}

export async function listDeliveries(q: Queryable, f: DeliveryFilter = {}): Promise<Delivery[]> {
  return q.query<Delivery>(
    `select id, receipt_id as "receiptId", interchange_id as "interchangeId", partner_id as "partnerId", kinds,
       control_number as "controlNumber", inbound_control_number as "inboundControlNumber", ta1_code as "ta1Code",
       delivery_status as "deliveryStatus", channel_kind as "channelKind", delivered_to as "deliveredTo", attempts,
       last_error as "lastError", created_at as "createdAt", delivered_at as "deliveredAt",
       updated_at as "updatedAt"
     from acknowledgments
     where ($1::text is null or delivery_status = $1) and ($2::text is null or partner_id = $2)
       and ($3::bigint is null or id < $3)
     order by id desc limit $4`,
    [f.status ?? null, f.partnerId ?? null, f.beforeId ?? null, f.limit ?? 50],
  );
}
