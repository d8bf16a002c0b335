// A business key traced back to the files that carried it: receipts found by an envelope control number
// (ISA13, GS06, ST02) or by a document's business key, and what became of each receipt — its envelopes and
// their issues, the acknowledgments we owe, the documents mapped from it and the reconciliation of their
// purchase orders. A constant number of statements however many receipts match.
import type { Queryable } from '../db.ts';
import type { DeliveryStatus } from './acknowledgments.ts';
import type { ReceiptOutcome, ReceiptStatus } from './receipts.ts';

export const TRACE_KINDS = ['isa', 'gs', 'st', 'po', 'shipment', 'bol', 'invoice'] as const;
export type TraceKind = (typeof TRACE_KINDS)[number];

export interface TracedReceipt {
  id: number;
  partnerId: string | null;
  fileName: string | null;
  channelKind: string;
  channelId: string;
  status: ReceiptStatus;
  outcome: ReceiptOutcome | null;
  issues: unknown[];
  lastError: string | null;
  duplicateOf: number | null;
  receivedAt: Date;
  finishedAt: Date | null;
  matchedOn: { kind: TraceKind; value: string }[];
}

/**
 * The spellings of a control number that may be stored for what someone typed: ISA13 is nine digits with
 * leading zeros, GS06 and ST02 are sent as the partner pads them, and people type "8801" for 000008801.
 */
export function controlNumberVariants(value: string): string[] {
  const v = value.trim();
  if (!/^\d+$/.test(v)) return [v];
  const bare = v.replace(/^0+(?=\d)/, '');
  const out = new Set([v, bare]);
  for (let width = bare.length + 1; width <= 9; width++) out.add(bare.padStart(width, '0'));
  return [...out];
}

/** Receipts holding the value under any of the kinds, newest first, each with what matched. */
export async function findTracedReceipts(
  q: Queryable,
  value: string,
  kinds: readonly TraceKind[],
  limit: number,
): Promise<TracedReceipt[]> {
  const key = value.trim();
  const rows = await q.query<TracedReceipt>(
    `with hits as (
       select receipt_id, 'isa' as kind, control_number as value from interchanges
       where 'isa' = any($1::text[]) and control_number = any($2::text[])
       union all
       select receipt_id, 'gs', control_number from functional_groups
       where 'gs' = any($1::text[]) and control_number = any($2::text[])
       union all
       select receipt_id, 'st', control_number from transaction_sets
       where 'st' = any($1::text[]) and control_number = any($2::text[])
       union all
       select receipt_id, 'po', $3 from documents
       where 'po' = any($1::text[]) and po_numbers @> array[$3::text]
       union all
       select receipt_id, 'shipment', shipment_id from documents
       where 'shipment' = any($1::text[]) and shipment_id = $3
       union all
       select receipt_id, 'bol', bill_of_lading from documents
       where 'bol' = any($1::text[]) and bill_of_lading = $3
       union all
       select receipt_id, 'invoice', invoice_number from documents
       where 'invoice' = any($1::text[]) and invoice_number = $3
     ), matched as (
       select receipt_id, jsonb_agg(distinct jsonb_build_object('kind', kind, 'value', value)) as matched_on
       from hits group by receipt_id
     )
     select r.id, r.partner_id as "partnerId", r.file_name as "fileName", r.channel_kind as "channelKind",
       r.channel_id as "channelId", r.status, r.outcome, r.issues, r.last_error as "lastError",
       r.duplicate_of as "duplicateOf", r.received_at as "receivedAt", r.finished_at as "finishedAt",
       m.matched_on as "matchedOn"
     from matched m join receipts r on r.id = m.receipt_id
     order by r.received_at desc, r.id desc
     limit $4`,
    [[...kinds], controlNumberVariants(key), key, limit],
  );
  const rank = new Map<string, number>(TRACE_KINDS.map((k, i) => [k, i]));
  for (const r of rows) {
    r.matchedOn.sort((a, b) => rank.get(a.kind)! - rank.get(b.kind)! || (a.value < b.value ? -1 : 1));
  }
  return rows;
}

export interface EnvelopeRow {
  receiptId: number;
  level: 'interchange' | 'group' | 'set';
  /** ISA13, GS06 or ST02. */
  controlNumber: string;
  /** The interchange's or set's status; for a group its acknowledgment code (A, E, P, R) or null. */
  status: string | null;
  /** GS01 for a group, ST01 for a set. */
  code: string | null;
  issues: unknown[];
  mappingStatus: 'pending' | 'not-applicable' | 'mapped' | 'failed' | null;
  mappingIssues: unknown[] | null;
}

/** The interchanges, groups and sets of the receipts, in file order within each receipt. */
export async function envelopesOfReceipts(
  q: Queryable,
  receiptIds: readonly number[],
): Promise<EnvelopeRow[]> {
  if (receiptIds.length === 0) return [];
  return q.query<EnvelopeRow>(
    `select receipt_id as "receiptId", level, control_number as "controlNumber", status, code, issues,
       mapping_status as "mappingStatus", mapping_issues as "mappingIssues"
     from (
       select i.receipt_id, 'interchange' as level, i.control_number, i.status, null::text as code, i.issues,
         null::text as mapping_status, null::jsonb as mapping_issues, i.position as ip, 0 as gp, 0 as sp
       from interchanges i where i.receipt_id = any($1::bigint[])
       union all
       select g.receipt_id, 'group', g.control_number, g.ack_code, g.functional_id, g.issues, null, null,
         i.position, g.position, 0
       from functional_groups g join interchanges i on i.id = g.interchange_id
       where g.receipt_id = any($1::bigint[])
       union all
       select s.receipt_id, 'set', s.control_number, s.status, s.set_id, s.issues, s.mapping_status,
         s.mapping_issues, i.position, g.position, s.position
       from transaction_sets s join functional_groups g on g.id = s.group_id
         join interchanges i on i.id = s.interchange_id
       where s.receipt_id = any($1::bigint[])
     ) e
     order by receipt_id, ip, gp, sp`,
    [[...receiptIds]],
  );
}

export interface TracedAck {
  receiptId: number;
  kinds: string;
  controlNumber: string;
  inboundControlNumber: string;
  deliveryStatus: DeliveryStatus;
  channelKind: string | null;
  deliveredTo: string | null;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

export async function acknowledgmentsOfReceipts(
  q: Queryable,
  receiptIds: readonly number[],
): Promise<TracedAck[]> {
  if (receiptIds.length === 0) return [];
  return q.query<TracedAck>(
    `select receipt_id as "receiptId", kinds, control_number as "controlNumber",
       inbound_control_number as "inboundControlNumber", delivery_status as "deliveryStatus",
       channel_kind as "channelKind", delivered_to as "deliveredTo", attempts, last_error as "lastError",
       created_at as "createdAt", delivered_at as "deliveredAt"
     from acknowledgments where receipt_id = any($1::bigint[]) order by receipt_id, id`,
    [[...receiptIds]],
  );
}

export interface TracedDocument {
  id: number;
  receiptId: number;
  partnerId: string;
  type: string;
  test: boolean;
  poNumbers: string[];
  shipmentId: string | null;
  billOfLading: string | null;
  invoiceNumber: string | null;
  createdAt: Date;
}

/** The documents mapped from the receipts, without their bodies. */
export async function documentsOfReceipts(
  q: Queryable,
  receiptIds: readonly number[],
): Promise<TracedDocument[]> {
  if (receiptIds.length === 0) return [];
  return q.query<TracedDocument>(
    `select id, receipt_id as "receiptId", partner_id as "partnerId", type, test, po_numbers as "poNumbers",
       shipment_id as "shipmentId", bill_of_lading as "billOfLading", invoice_number as "invoiceNumber",
       created_at as "createdAt"
     from documents where receipt_id = any($1::bigint[]) order by receipt_id, id`,
    [[...receiptIds]],
  );
}

export interface PoReconciliation {
  partnerId: string;
  poNumber: string;
  /** Set while the PO waits in reconcile_queue. */
  queued: { dueAt: Date; reason: string; attempts: number; lastError: string | null } | null;
  mismatches: {
    id: number;
    type: string;
    status: string;
    poNumber: string;
    lastSeenAt: Date;
  }[];
}

/**
 * Where reconciliation is with each (partner, PO): queued or not, and the mismatches it found; and how far
 * it has read the documents table (a document past that is not even queued yet).
 */
export async function reconciliationOfPos(
  q: Queryable,
  pos: readonly { partnerId: string; poNumber: string }[],
): Promise<{ lastDocumentId: number; pos: PoReconciliation[] }> {
  if (pos.length === 0) return { lastDocumentId: 0, pos: [] };
  const rows = await q.query<PoReconciliation & { lastDocumentId: number }>(
    `select x."partnerId", x."poNumber",
       (select last_document_id from reconcile_cursor where id = 1) as "lastDocumentId",
       (select jsonb_build_object('dueAt', rq.due_at, 'reason', rq.reason, 'attempts', rq.attempts,
          'lastError', rq.last_error)
        from reconcile_queue rq where rq.partner_id = x."partnerId" and rq.po_number = x."poNumber") as queued,
       coalesce((select jsonb_agg(jsonb_build_object('id', m.id, 'type', m.type, 'status', m.status,
            'poNumber', m.po_number, 'lastSeenAt', m.last_seen_at) order by m.id)
        from mismatches m where m.partner_id = x."partnerId" and m.po_number = x."poNumber"), '[]') as mismatches
     from jsonb_to_recordset($1::jsonb) as x("partnerId" text, "poNumber" text)`,
    [JSON.stringify(pos)],
  );
  return {
    lastDocumentId: Number(rows[0]?.lastDocumentId ?? 0),
    pos: rows.map(({ lastDocumentId: _cursor, queued, mismatches, ...po }) => ({
      ...po,
      queued: queued
        ? {
            dueAt: new Date(queued.dueAt as unknown as string),
            reason: queued.reason,
            attempts: queued.attempts,
            lastError: queued.lastError,
          }
        : null,
      mismatches: mismatches.map((m) => ({ ...m, id: Number(m.id), lastSeenAt: new Date(m.lastSeenAt) })),
    })),
  };
}
