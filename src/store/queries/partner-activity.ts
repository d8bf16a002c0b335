// What each partner has been doing, for the partner overview: the last file received, the last thing that
// went wrong (a file refused or failing, an acknowledgment that cannot be delivered, a job given up on), and
// the acknowledgments we sent it. One statement for every partner: the overview lists them all at once.
import type { Queryable } from '../db.ts';
import type { ReceiptStatus } from './receipts.ts';

export interface PartnerLastFile {
  receiptId: number;
  fileName: string | null;
  receivedAt: Date;
  status: ReceiptStatus;
  outcome: 'accepted' | 'partially-accepted' | 'rejected' | null;
}

export interface PartnerLastError {
  at: Date;
  message: string;
  receiptId: number | null;
  source: 'receipt' | 'delivery' | 'dead-letter';
}

/** Acknowledgments we sent the partner: by delivery state, and by what they said about its files (per
 * interchange: rejected when the TA1 or every functional ack rejects, accepted when every one accepts, with or
 * without errors noted, partially accepted otherwise). */
export interface PartnerAckCounts {
  sent: number;
  delivered: number;
  failed: number;
  pending: number;
  /** Recorded but not sent: the partner has no outbound channel. */
  noChannel: number;
  accepted: number;
  rejected: number;
  partiallyAccepted: number;
}

export interface PartnerActivity {
  lastFile: PartnerLastFile | null;
  lastError: PartnerLastError | null;
  acks: PartnerAckCounts;
}

/** How many of a partner's latest files are looked through for its last problem, as `dockside partners list`
 * does: enough for an overview, bounded for a busy partner. */
export const PROBLEM_LOOKBACK = 200;

interface Row {
  partnerId: string;
  lastId: number | null;
  lastFileName: string | null;
  lastRemotePath: string | null;
  lastReceivedAt: Date | null;
  lastStatus: ReceiptStatus | null;
  lastOutcome: PartnerLastFile['outcome'];
  problemId: number | null;
  problemAt: Date | null;
  problemError: string | null;
  problemStatus: ReceiptStatus | null;
  problemOutcome: PartnerLastFile['outcome'];
  problemWhy: string | null;
  deliveryReceiptId: number | null;
  deliveryAt: Date | null;
  deliveryError: string | null;
  deliveryStatus: string | null;
  deliveryControl: string | null;
  deliveryKinds: string | null;
  deadReceiptId: number | null;
  deadAt: Date | null;
  deadQueue: string | null;
  deadReason: string | null;
  deadAttempts: number | null;
  sent: number;
  delivered: number;
  failed: number;
  pending: number;
  noChannel: number;
  accepted: number;
  rejected: number;
  partiallyAccepted: number;
}

// The receipt's first error, looked for as `partners list` does: the file's own issues, then its
// interchanges, groups and sets in order.
const FIRST_ERROR = `
  (select concat('line ', coalesce(e.issue->'location'->>'line', '?'), ': ', e.issue->>'message')
   from (
     select 0 as level, 0::bigint as k1, 0 as k2, r.issues as issues
     union all select 1, ic.position, 0, ic.issues from interchanges ic where ic.receipt_id = r.id
     union all select 2, g.interchange_id, g.position, g.issues from functional_groups g where g.receipt_id = r.id
     union all select 3, s.group_id, s.position, s.issues from transaction_sets s where s.receipt_id = r.id
   ) src
   cross join lateral jsonb_array_elements(src.issues) with ordinality as e(issue, n)
   where e.issue->>'severity' = 'error' and e.issue->>'message' is not null
   order by src.level, src.k1, src.k2, e.n
   limit 1)`;

const SQL = `
select p.id as "partnerId",
  lf.id as "lastId", lf.file_name as "lastFileName", lf.remote_path as "lastRemotePath",
  lf.received_at as "lastReceivedAt", lf.status as "lastStatus", lf.outcome as "lastOutcome",
  rp.id as "problemId", rp.at as "problemAt", rp.last_error as "problemError", rp.status as "problemStatus",
  rp.outcome as "problemOutcome", rp.why as "problemWhy",
  dp.receipt_id as "deliveryReceiptId", dp.updated_at as "deliveryAt", dp.last_error as "deliveryError",
  dp.delivery_status as "deliveryStatus", dp.control_number as "deliveryControl", dp.kinds as "deliveryKinds",
  dl.receipt_id as "deadReceiptId", dl.created_at as "deadAt", dl.queue as "deadQueue", dl.reason as "deadReason",
  dl.attempts as "deadAttempts",
  coalesce(ak.sent, 0) as sent, coalesce(ak.delivered, 0) as delivered, coalesce(ak.failed, 0) as failed,
  coalesce(ak.pending, 0) as pending, coalesce(ak.no_channel, 0) as "noChannel",
  coalesce(ak.accepted, 0) as accepted, coalesce(ak.rejected, 0) as rejected,
  coalesce(ak.partial, 0) as "partiallyAccepted"
from unnest($1::text[]) as p(id)
left join lateral (
  select r.id, r.file_name, r.remote_path, r.received_at, r.status, r.outcome
  from receipts r where r.partner_id = p.id
  order by r.received_at desc, r.id desc limit 1
) lf on true
left join lateral (
  select r.id, coalesce(r.finished_at, r.updated_at) as at, r.last_error, r.status, r.outcome,
    case when r.last_error is null then ${FIRST_ERROR} end as why
  from (
    select * from receipts r where r.partner_id = p.id order by r.received_at desc, r.id desc limit $3
  ) r
  where r.last_error is not null or r.status = 'dead' or r.outcome = 'rejected'
  order by r.received_at desc, r.id desc limit 1
) rp on true
left join lateral (
  select a.receipt_id, a.updated_at, a.last_error, a.delivery_status, a.control_number, a.kinds
  from acknowledgments a where a.partner_id = p.id and a.last_error is not null
  order by a.updated_at desc, a.id desc limit 1
) dp on true
left join lateral (
  select d.receipt_id, d.created_at, d.queue, d.reason, d.attempts
  from dead_letters d join receipts r on r.id = d.receipt_id
  where d.status = 'open' and r.partner_id = p.id
  order by d.created_at desc, d.id desc limit 1
) dl on true
left join lateral (
  select count(*)::int as sent,
    count(*) filter (where a.delivery_status = 'delivered')::int as delivered,
    count(*) filter (where a.delivery_status = 'failed')::int as failed,
    count(*) filter (where a.delivery_status = 'pending')::int as pending,
    count(*) filter (where a.delivery_status = 'no-channel')::int as no_channel,
    count(*) filter (where not v.ta1_rejected and v.ok = v.total)::int as accepted,
    count(*) filter (where v.ta1_rejected or (v.total > 0 and v.bad = v.total))::int as rejected,
    count(*) filter (where not v.ta1_rejected and v.ok < v.total and v.bad < v.total)::int as partial
  from acknowledgments a
  cross join lateral (
    select coalesce(a.ta1_code like 'R%', false) as ta1_rejected, count(*) as total,
      count(*) filter (where g->>'code' in ('A', 'E')) as ok,
      count(*) filter (where g->>'code' in ('R', 'M', 'W', 'X')) as bad
    from jsonb_array_elements(a.functional) as g
  ) v
  where a.partner_id = p.id and a.created_at >= $2
) ak on true`;

/** The activity of each partner named, acknowledgments counted from `since`; every id has an entry. */
export async function partnerActivity(
  q: Queryable,
  partnerIds: readonly string[],
  since: Date,
): Promise<Map<string, PartnerActivity>> {
  const out = new Map<string, PartnerActivity>();
  if (partnerIds.length === 0) return out;
  const rows = await q.query<Row>(SQL, [partnerIds, since, PROBLEM_LOOKBACK]);
  for (const r of rows) out.set(r.partnerId, activityOf(r));
  return out;
}

function activityOf(r: Row): PartnerActivity {
  const lastFile: PartnerLastFile | null =
    r.lastId === null
      ? null
      : {
          receiptId: r.lastId,
          fileName: r.lastFileName ?? r.lastRemotePath,
          receivedAt: r.lastReceivedAt!,
          status: r.lastStatus!,
          outcome: r.lastOutcome,
        };
  const errors: PartnerLastError[] = [];
  if (r.problemId !== null) {
    const what = r.problemOutcome === 'rejected' ? 'rejected' : r.problemStatus!;
    errors.push({
      at: r.problemAt!,
      message: r.problemError ?? `${what}${r.problemWhy ? `, ${r.problemWhy}` : ''}`,
      receiptId: r.problemId,
      source: 'receipt',
    });
  }
  if (r.deliveryAt !== null) {
    errors.push({
      at: r.deliveryAt,
      message:
        `acknowledgment ${r.deliveryControl} (${r.deliveryKinds}) ` +
        `${r.deliveryStatus === 'failed' ? 'could not be delivered' : 'not delivered yet'}: ${r.deliveryError}`,
      receiptId: r.deliveryReceiptId,
      source: 'delivery',
    });
  }
  if (r.deadAt !== null) {
    errors.push({
      at: r.deadAt,
      message: `${r.deadQueue} gave up after ${r.deadAttempts} attempt(s): ${r.deadReason}`,
      receiptId: r.deadReceiptId,
      source: 'dead-letter',
    });
  }
  // A job given up on also marks its receipt or acknowledgment; at the same moment the dead letter says more.
  const order = { 'dead-letter': 0, receipt: 1, delivery: 2 } as const;
  errors.sort((a, b) => b.at.getTime() - a.at.getTime() || order[a.source] - order[b.source]);
  return {
    lastFile,
    lastError: errors[0] ?? null,
    acks: {
      sent: r.sent,
      delivered: r.delivered,
      failed: r.failed,
      pending: r.pending,
      noChannel: r.noChannel,
      accepted: r.accepted,
      rejected: r.rejected,
      partiallyAccepted: r.partiallyAccepted,
    },
  };
}
