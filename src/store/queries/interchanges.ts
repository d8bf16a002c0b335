// The interchange aggregate: interchanges, their functional groups and transaction sets with their issues,
// written for a whole receipt in three statements (one per table) whatever the number of sets.
import { numberedRows, type Queryable } from '../db.ts';
import type { DocumentFields } from './documents.ts';

export type InterchangeStatus = 'accepted' | 'accepted-with-errors' | 'rejected' | 'duplicate' | 'refused';
export type SetStatus = 'accepted' | 'accepted-with-errors' | 'rejected';

export interface InterchangeRecord {
  position: number;
  partnerId: string | null;
  senderQualifier: string;
  senderId: string;
  receiverQualifier: string;
  receiverId: string;
  controlNumber: string;
  version: string;
  usageIndicator: string;
  ackRequested: boolean;
  sentDate: string;
  sentTime: string;
  status: InterchangeStatus;
  duplicateOf: number | null;
  startOffset: number;
  startLine: number;
  issues: unknown[];
  groups: GroupRecord[];
}

export interface GroupRecord {
  position: number;
  functionalId: string;
  applicationSender: string;
  applicationReceiver: string;
  controlNumber: string;
  version: string;
  ackCode: string | null;
  setCount: number;
  issues: unknown[];
  sets: SetRecord[];
}

export interface SetRecord {
  position: number;
  setId: string;
  controlNumber: string;
  implementation: string | null;
  spec: string | null;
  status: SetStatus;
  segmentCount: number;
  startOffset: number;
  startLine: number;
  issues: unknown[];
  droppedIssues: number;
  /** pending: the map-documents job is to map it; mapped: its document comes with it (`document`). */
  mappingStatus: 'pending' | 'not-applicable' | 'mapped' | 'failed';
  mappingIssues?: unknown[];
  document?: DocumentFields;
}

/** Inserts the interchanges of a receipt with their groups and sets; the ids of the interchanges by position. */
export async function recordInterchanges(
  q: Queryable,
  receiptId: number,
  interchanges: InterchangeRecord[],
): Promise<Map<number, number>> {
  const ids = await recordInterchangesOfReceipts(q, [{ receiptId, interchanges }]);
  return ids.get(receiptId) ?? new Map();
}

/** recordInterchanges for several receipts at once, still three statements in all; by receipt, the ids of
 * its interchanges by position. */
export async function recordInterchangesOfReceipts(
  q: Queryable,
  receipts: { receiptId: number; interchanges: InterchangeRecord[] }[],
): Promise<Map<number, Map<number, number>>> {
  const out = new Map<number, Map<number, number>>(receipts.map((r) => [r.receiptId, new Map()]));
  const all = receipts.flatMap((r) => r.interchanges.map((ic) => ({ receiptId: r.receiptId, ic })));
  if (all.length === 0) return out;
  const icRows = await q.query<{ id: number; receiptId: number; position: number }>(
    `insert into interchanges (receipt_id, position, partner_id, sender_qualifier, sender_id, receiver_qualifier,
       receiver_id, control_number, version, usage_indicator, ack_requested, sent_date, sent_time, status,
       duplicate_of, start_offset, start_line, issues)
     select x."receiptId", x.position, x."partnerId", x."senderQualifier", x."senderId", x."receiverQualifier",
       x."receiverId", x."controlNumber", x.version, x."usageIndicator", x."ackRequested", x."sentDate",
       x."sentTime", x.status, x."duplicateOf", x."startOffset", x."startLine", x.issues
     from jsonb_to_recordset($1::jsonb) as x("receiptId" bigint, position int, "partnerId" text,
       "senderQualifier" text, "senderId" text, "receiverQualifier" text, "receiverId" text, "controlNumber" text,
       version text, "usageIndicator" text, "ackRequested" boolean, "sentDate" text, "sentTime" text,
       status text, "duplicateOf" bigint, "startOffset" bigint, "startLine" int, issues jsonb, n bigint)
     order by x.n
     returning id, receipt_id as "receiptId", position`,
    [numberedRows(all.map(({ receiptId, ic: { groups: _groups, ...ic } }) => ({ receiptId, ...ic })))],
  );
  for (const r of icRows) out.get(r.receiptId)!.set(r.position, r.id);
  const idOf = (receiptId: number, ic: InterchangeRecord) => out.get(receiptId)!.get(ic.position)!;

  const groups = all.flatMap(({ receiptId, ic }) =>
    ic.groups.map(({ sets: _sets, ...g }) => ({ ...g, receiptId, interchangeId: idOf(receiptId, ic) })),
  );
  if (groups.length === 0) return out;
  const groupRows = await q.query<{ id: number; position: number; interchangeId: number }>(
    `insert into functional_groups (interchange_id, receipt_id, position, functional_id, application_sender,
       application_receiver, control_number, version, ack_code, set_count, issues)
     select x."interchangeId", x."receiptId", x.position, x."functionalId", x."applicationSender",
       x."applicationReceiver", x."controlNumber", x.version, x."ackCode", x."setCount", x.issues
     from jsonb_to_recordset($1::jsonb) as x("interchangeId" bigint, "receiptId" bigint,
       position int, "functionalId" text, "applicationSender" text, "applicationReceiver" text,
       "controlNumber" text, version text, "ackCode" text, "setCount" int, issues jsonb, n bigint)
     order by x.n
     returning id, position, interchange_id as "interchangeId"`,
    [numberedRows(groups)],
  );
  const groupIds = new Map(groupRows.map((r) => [`${r.interchangeId}/${r.position}`, r.id]));

  const sets: Record<string, unknown>[] = [];
  const documents: Record<string, unknown>[] = [];
  for (const { receiptId, ic } of all) {
    const interchangeId = idOf(receiptId, ic);
    for (const g of ic.groups) {
      const groupId = groupIds.get(`${interchangeId}/${g.position}`)!;
      for (const { document, ...set } of g.sets) {
        sets.push({ ...set, receiptId, interchangeId, partnerId: ic.partnerId, groupId });
        if (document) documents.push({ ...document, groupId, position: set.position });
      }
    }
  }
  if (sets.length === 0) return out;
  // The sets and the documents mapped from them in one statement: a document needs its set's id.
  await q.query(
    `with s as (
       insert into transaction_sets (group_id, interchange_id, receipt_id, partner_id, position, set_id,
         control_number, implementation, spec, status, segment_count, start_offset, start_line, issues,
         dropped_issues, mapping_status, mapping_issues)
       select x."groupId", x."interchangeId", x."receiptId", x."partnerId", x.position, x."setId",
         x."controlNumber", x.implementation, x.spec, x.status, x."segmentCount", x."startOffset", x."startLine",
         x.issues, x."droppedIssues", x."mappingStatus", coalesce(x."mappingIssues", '[]')
       from jsonb_to_recordset($1::jsonb) as x("groupId" bigint, "interchangeId" bigint,
         "receiptId" bigint, "partnerId" text, position int, "setId" text, "controlNumber" text,
         implementation text, spec text, status text, "segmentCount" int, "startOffset" bigint, "startLine" int,
         issues jsonb, "droppedIssues" int, "mappingStatus" text, "mappingIssues" jsonb, n bigint)
       order by x.n
       returning id, receipt_id, group_id, position
     )
     insert into documents (receipt_id, transaction_set_id, source_key, partner_id, type, schema_version, test,
       po_numbers, shipment_id, bill_of_lading, invoice_number, document, issues)
     select s.receipt_id, s.id, 'set:' || s.id, d."partnerId", d.type, d."schemaVersion", d.test,
       coalesce(array(select json_array_elements_text(d."poNumbers")), '{}'), d."shipmentId", d."billOfLading",
       d."invoiceNumber", d.document, d.issues::jsonb
     from json_to_recordset($2::json) as d("groupId" bigint, position int, "partnerId" text, type text,
       "schemaVersion" int, test boolean, "poNumbers" json, "shipmentId" text, "billOfLading" text,
       "invoiceNumber" text, document json, issues json)
     join s on s.group_id = d."groupId" and s.position = d.position`,
    [numberedRows(sets), JSON.stringify(documents)],
  );
  return out;
}

/** Points interchanges recorded as duplicates of another in the same batch at it, once both have ids. */
export async function setDuplicateOf(
  q: Queryable,
  links: { id: number; duplicateOf: number }[],
): Promise<void> {
  if (links.length === 0) return;
  await q.query(
    `update interchanges i set duplicate_of = x."duplicateOf"
     from jsonb_to_recordset($1::jsonb) as x(id bigint, "duplicateOf" bigint) where i.id = x.id`,
    [JSON.stringify(links)],
  );
}

export interface InterchangeIdentity {
  senderQualifier: string;
  senderId: string;
  receiverQualifier: string;
  receiverId: string;
  controlNumber: string;
}

export interface EarlierInterchange {
  id: number;
  receiptId: number;
  createdAt: Date;
}

/** The earliest interchange with the same sender, receiver and ISA13 received within the window. With a
 * replay root, the receipt replayed and its other replays are left out: a replay is not a duplicate of
 * what it replays. */
export async function findEarlierInterchange(
  q: Queryable,
  identity: InterchangeIdentity,
  windowHours: number,
  replayRoot: number | null,
): Promise<EarlierInterchange | undefined> {
  const [row] = await q.query<EarlierInterchange>(
    `select id, receipt_id as "receiptId", created_at as "createdAt" from interchanges
     where sender_qualifier = $1 and sender_id = $2 and receiver_qualifier = $3 and receiver_id = $4
       and control_number = $5 and status not in ('refused', 'duplicate')
       and created_at >= clock_timestamp() - $6 * interval '1 hour'
       and ($7::bigint is null or (receipt_id <> $7
         and receipt_id not in (select r.id from receipts r where r.replay_of = $7)))
     order by created_at limit 1`,
    [
      identity.senderQualifier,
      identity.senderId,
      identity.receiverQualifier,
      identity.receiverId,
      identity.controlNumber,
      windowHours,
      replayRoot,
    ],
  );
  return row;
}

/** Takes the transaction-scoped advisory locks that serialise the duplicate check of each identity, in one
 * statement and in a fixed order, so that two batches with identities in common cannot deadlock. */
export async function lockInterchangeIdentities(
  q: Queryable,
  identities: InterchangeIdentity[],
): Promise<void> {
  if (identities.length === 0) return;
  await q.query(
    `select pg_advisory_xact_lock(k) from (select distinct hashtext(x) as k from unnest($1::text[]) as x) s
     order by k`,
    [identities.map(identityLockKey)],
  );
}

function identityLockKey(i: InterchangeIdentity): string {
  return `interchange:${i.senderQualifier}/${i.senderId}/${i.receiverQualifier}/${i.receiverId}/${i.controlNumber}`;
}

/** findEarlierInterchange for several identities in one statement; results in the order asked. */
export async function findEarlierInterchanges(
  q: Queryable,
  asked: { identity: InterchangeIdentity; windowHours: number; replayRoot: number | null }[],
): Promise<(EarlierInterchange | undefined)[]> {
  if (asked.length === 0) return [];
  const rows = await q.query<EarlierInterchange & { n: number }>(
    `select x.n, e.id, e."receiptId", e."createdAt"
     from jsonb_to_recordset($1::jsonb) as x(sq text, sid text, rq text, rid text, cn text,
       hours int, root bigint, n bigint)
     cross join lateral (
       select i.id, i.receipt_id as "receiptId", i.created_at as "createdAt" from interchanges i
       where i.sender_qualifier = x.sq and i.sender_id = x.sid and i.receiver_qualifier = x.rq
         and i.receiver_id = x.rid and i.control_number = x.cn and i.status not in ('refused', 'duplicate')
         and i.created_at >= clock_timestamp() - x.hours * interval '1 hour'
         and (x.root is null or (i.receipt_id <> x.root
           and i.receipt_id not in (select r.id from receipts r where r.replay_of = x.root)))
       order by i.created_at limit 1) e`,
    [
      numberedRows(
        asked.map((a) => ({
          sq: a.identity.senderQualifier,
          sid: a.identity.senderId,
          rq: a.identity.receiverQualifier,
          rid: a.identity.receiverId,
          cn: a.identity.controlNumber,
          hours: a.windowHours,
          root: a.replayRoot,
        })),
      ),
    ],
  );
  const out: (EarlierInterchange | undefined)[] = asked.map(() => undefined);
  for (const { n, ...earlier } of rows) out[n - 1] = earlier;
  return out;
}

export interface StoredInterchange {
  id: number;
  position: number;
  partnerId: string | null;
  senderQualifier: string;
  senderId: string;
  receiverQualifier: string;
  receiverId: string;
  controlNumber: string;
  version: string;
  status: InterchangeStatus;
  duplicateOf: number | null;
  issues: unknown[];
}

export interface StoredGroup {
  id: number;
  interchangeId: number;
  position: number;
  functionalId: string;
  controlNumber: string;
  version: string;
  ackCode: string | null;
  setCount: number;
  issues: unknown[];
}

export interface StoredSet {
  id: number;
  groupId: number;
  interchangeId: number;
  position: number;
  setId: string;
  controlNumber: string;
  spec: string | null;
  status: SetStatus;
  segmentCount: number;
  startLine: number;
  issues: unknown[];
  mappingStatus: string;
}

export async function interchangesOfReceipt(
  q: Queryable,
  receiptId: number,
): Promise<{ interchanges: StoredInterchange[]; groups: StoredGroup[]; sets: StoredSet[] }> {
  const interchanges = await q.query<StoredInterchange>(
    `select id, position, partner_id as "partnerId", sender_qualifier as "senderQualifier",
       sender_id as "senderId", receiver_qualifier as "receiverQualifier", receiver_id as "receiverId",
       control_number as "controlNumber", version, status, duplicate_of as "duplicateOf", issues
     from interchanges where receipt_id = $1 order by position`,
    [receiptId],
  );
  const groups = await q.query<StoredGroup>(
    `select id, interchange_id as "interchangeId", position, functional_id as "functionalId",
       control_number as "controlNumber", version, ack_code as "ackCode", set_count as "setCount", issues
     from functional_groups where receipt_id = $1 order by interchange_id, position`,
    [receiptId],
  );
  const sets = await q.query<StoredSet>(
    `select id, group_id as "groupId", interchange_id as "interchangeId", position, set_id as "setId",
       control_number as "controlNumber", spec, status, segment_count as "segmentCount",
       start_line as "startLine", issues, mapping_status as "mappingStatus"
     from transaction_sets where receipt_id = $1 order by group_id, position`,
    [receiptId],
  );
  return { interchanges, groups, sets };
}
