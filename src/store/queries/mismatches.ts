// Mismatches found by reconciliation, their review by finance, and the queue of purchase orders to match.
import type {
  DocumentRef,
  Mismatch,
  MismatchSeverity,
  MismatchStatus,
  MismatchType,
} from '../../reconcile/index.ts';
import { numberedRows, type Queryable } from '../db.ts';
import { audit } from './audit.ts';

export { MISMATCH_STATUSES, type MismatchStatus } from '../../reconcile/index.ts';

/** The actor the reconciler writes decisions and audit entries as. */
export const RECONCILIATION_ACTOR = 'reconciliation';

export interface StoredMismatch {
  id: number;
  key: string;
  partnerId: string;
  poNumber: string;
  type: MismatchType;
  severity: MismatchSeverity;
  status: MismatchStatus;
  expected: string;
  actual: string;
  amountAtRisk: string;
  currency?: string;
  message: string;
  documents: DocumentRef[];
  detectedAt: Date;
  updatedAt: Date;
  lastSeenAt: Date;
  decidedBy?: string;
  decidedAt?: Date;
  comment?: string;
}

const COLUMNS = `id, key, partner_id as "partnerId", po_number as "poNumber", type, severity, status, expected,
  actual, amount_at_risk::text as "amountAtRisk", currency, message, documents, detected_at as "detectedAt",
  updated_at as "updatedAt", last_seen_at as "lastSeenAt", decided_by as "decidedBy",
  decided_at as "decidedAt", comment`;

type Row = Omit<StoredMismatch, 'currency' | 'decidedBy' | 'decidedAt' | 'comment'> & {
  currency: string | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  comment: string | null;
};

function fromRow(r: Row): StoredMismatch {
  const { currency, decidedBy, decidedAt, comment, ...rest } = r;
  return {
    ...rest,
    ...(currency !== null ? { currency } : {}),
    ...(decidedBy !== null ? { decidedBy } : {}),
    ...(decidedAt !== null ? { decidedAt } : {}),
    ...(comment !== null ? { comment } : {}),
  };
}

export interface SavedMismatches {
  detected: number[];
  updated: number[];
  /** Found again after the reconciler had resolved them: open again. */
  reopened: number[];
  /** No longer found: resolved by the reconciler. */
  cleared: number[];
}

/**
 * Replaces what is known about one partner's PO with the mismatches of a run: new ones are inserted open,
 * those found again are updated (a decision a person made is kept; one the reconciler made is undone), and
 * open or disputed ones the run no longer finds are resolved by the reconciler. Every change is audited. Run
 * it in the transaction that holds the PO's queue row, so two processes never write one PO at once.
 */
export async function saveMismatches(
  q: Queryable,
  partnerId: string,
  poNumber: string,
  found: readonly Mismatch[],
  now: Date,
): Promise<SavedMismatches> {
  const existing = await q.query<{
    id: number;
    key: string;
    status: MismatchStatus;
    decidedBy: string | null;
  }>(
    `select id, key, status, decided_by as "decidedBy" from mismatches
     where partner_id = $1 and po_number = $2 for update`,
    [partnerId, poNumber],
  );
  const byKey = new Map(existing.map((e) => [e.key, e]));
  const out: SavedMismatches = { detected: [], updated: [], reopened: [], cleared: [] };
  const fresh = found.filter((m) => !byKey.has(m.key));
  if (fresh.length > 0) {
    const rows = await q.query<{ id: number; key: string }>(
      `insert into mismatches (key, partner_id, po_number, type, severity, expected, actual, amount_at_risk,
         currency, message, documents, detected_at, updated_at, last_seen_at)
       select x.key, $2, $3, x.type, x.severity, x.expected, x.actual, x."amountAtRisk"::numeric, x.currency,
         x.message, x.documents, $4, $4, $4
       from jsonb_to_recordset($1::jsonb) as x(key text, type text, severity text, expected text, actual text,
         "amountAtRisk" text, currency text, message text, documents jsonb, n int)
       order by x.n
       returning id, key`,
      [numberedRows(fresh), partnerId, poNumber, now],
    );
    for (const r of rows) {
      out.detected.push(r.id);
      const m = fresh.find((f) => f.key === r.key)!;
      await audit(q, {
        actor: RECONCILIATION_ACTOR,
        action: 'mismatch.detected',
        subjectType: 'mismatch',
        subjectId: r.id,
        details: { type: m.type, poNumber, partnerId, amountAtRisk: m.amountAtRisk, message: m.message },
      });
    }
  }
  for (const m of found) {
    const e = byKey.get(m.key);
    if (!e) continue;
    const reopen = e.status === 'resolved' && e.decidedBy === RECONCILIATION_ACTOR;
    await q.query(
      `update mismatches set severity = $2, expected = $3, actual = $4, amount_at_risk = $5::numeric,
         currency = $6, message = $7, documents = $8::jsonb, last_seen_at = $9,
         updated_at = case when expected is distinct from $3 or actual is distinct from $4
           or amount_at_risk is distinct from $5::numeric or message is distinct from $7 or $10 then $9
           else updated_at end,
         status = case when $10 then 'open' else status end,
         decided_by = case when $10 then null else decided_by end,
         decided_at = case when $10 then null else decided_at end,
         comment = case when $10 then null else comment end
       where id = $1`,
      [
        e.id,
        m.severity,
        m.expected,
        m.actual,
        m.amountAtRisk,
        m.currency ?? null,
        m.message,
        JSON.stringify(m.documents),
        now,
        reopen,
      ],
    );
    if (reopen) {
      out.reopened.push(e.id);
      await audit(q, {
        actor: RECONCILIATION_ACTOR,
        action: 'mismatch.reopened',
        subjectType: 'mismatch',
        subjectId: e.id,
        details: { reason: 'found again when the PO was reconciled', message: m.message },
      });
    } else {
      out.updated.push(e.id);
    }
  }
  const foundKeys = new Set(found.map((m) => m.key));
  for (const e of existing) {
    if (foundKeys.has(e.key) || (e.status !== 'open' && e.status !== 'disputed')) continue;
    const comment = 'no longer found when the PO was reconciled again';
    await q.query(
      `update mismatches set status = 'resolved', decided_by = $2, decided_at = $3, comment = $4, updated_at = $3
       where id = $1`,
      [e.id, RECONCILIATION_ACTOR, now, comment],
    );
    out.cleared.push(e.id);
    await audit(q, {
      actor: RECONCILIATION_ACTOR,
      action: 'mismatch.resolved',
      subjectType: 'mismatch',
      subjectId: e.id,
      details: { from: e.status, comment },
    });
  }
  return out;
}

export interface MismatchFilter {
  /** detected_at >= from */
  from?: Date;
  /** detected_at < to */
  to?: Date;
  partnerId?: string;
  poNumber?: string;
  statuses?: readonly MismatchStatus[];
  types?: readonly string[];
  /** amount_at_risk >= minAmount (a decimal string, compared as numeric so no float rounds it) */
  minAmount?: string;
  /** amount_at_risk <= maxAmount */
  maxAmount?: string;
  limit?: number;
  /** Keyset pagination: rows with a smaller id than this (the list is newest first). */
  beforeId?: number;
}

/** The where clause of a filter (paging aside), its parameters appended to `params`. */
function filterWhere(f: MismatchFilter, params: unknown[]): string {
  const where: string[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.from !== undefined) add('detected_at >= ?', f.from);
  if (f.to !== undefined) add('detected_at < ?', f.to);
  if (f.partnerId !== undefined) add('partner_id = ?', f.partnerId);
  if (f.poNumber !== undefined) add('po_number = ?', f.poNumber);
  if (f.statuses && f.statuses.length > 0) add('status = any(?::text[])', [...f.statuses]);
  if (f.types && f.types.length > 0) add('type = any(?::text[])', [...f.types]);
  if (f.minAmount !== undefined) add('amount_at_risk >= ?::numeric', f.minAmount);
  if (f.maxAmount !== undefined) add('amount_at_risk <= ?::numeric', f.maxAmount);
  if (f.beforeId !== undefined) add('id < ?', f.beforeId);
  return where.length > 0 ? `where ${where.join(' and ')}` : '';
}

export async function findMismatches(q: Queryable, f: MismatchFilter = {}): Promise<StoredMismatch[]> {
  const params: unknown[] = [];
  const where = filterWhere(f, params);
  params.push(f.limit ?? 1000);
  const rows = await q.query<Row>(
    `select ${COLUMNS} from mismatches ${where} order by id desc limit $${params.length}`,
    params,
  );
  return rows.map(fromRow);
}

/** Every mismatch the filter selects (its limit and beforeId aside), newest first, read a page at a time. */
export async function allMismatches(q: Queryable, filter: MismatchFilter): Promise<StoredMismatch[]> {
  const { limit: _limit, beforeId: _beforeId, ...f } = filter;
  const size = 5000;
  const rows: StoredMismatch[] = [];
  for (;;) {
    const last = rows.at(-1);
    const page = await findMismatches(q, { ...f, limit: size, ...(last ? { beforeId: last.id } : {}) });
    rows.push(...page);
    if (page.length < size) return rows;
  }
}

export type ChartBucket = 'day' | 'week';

export interface ChartPoint {
  /** The first day of the bucket, YYYY-MM-DD (UTC; weeks start on Monday). */
  period: string;
  partnerId: string;
  type: MismatchType;
  currency: string | null;
  /** Exact sum of the amounts at risk, as text. */
  amountAtRisk: string;
  count: number;
}

/**
 * Mismatches of the filter (paging aside) counted and their amounts at risk summed by detection day or week,
 * partner, type and currency; amounts are never added across currencies.
 */
export async function mismatchChart(
  q: Queryable,
  filter: MismatchFilter,
  bucket: ChartBucket,
): Promise<ChartPoint[]> {
  const { limit: _limit, beforeId: _beforeId, ...f } = filter;
  const params: unknown[] = [bucket];
  const where = filterWhere(f, params);
  return q.query<ChartPoint>(
    `select to_char(date_trunc($1, detected_at at time zone 'UTC'), 'YYYY-MM-DD') as period,
       partner_id as "partnerId", type, currency, sum(amount_at_risk)::text as "amountAtRisk",
       count(*)::int as count
     from mismatches ${where}
     group by 1, 2, 3, 4
     order by 1, 2, 3, 4 nulls first`,
    params,
  );
}

export async function getMismatch(q: Queryable, id: number): Promise<StoredMismatch | undefined> {
  const [row] = await q.query<Row>(`select ${COLUMNS} from mismatches where id = $1`, [id]);
  return row ? fromRow(row) : undefined;
}

export type MismatchDecision = 'accept' | 'dispute' | 'resolve' | 'reopen';

const DECISIONS: Record<MismatchDecision, { to: MismatchStatus; from: readonly MismatchStatus[] }> = {
  accept: { to: 'accepted', from: ['open', 'disputed'] },
  dispute: { to: 'disputed', from: ['open'] },
  resolve: { to: 'resolved', from: ['open', 'disputed', 'accepted'] },
  reopen: { to: 'open', from: ['accepted', 'disputed', 'resolved'] },
};

export type DecisionResult =
  | { ok: true; mismatch: StoredMismatch }
  | { ok: false; reason: 'not-found' }
  | { ok: false; reason: 'not-allowed'; status: MismatchStatus; allowedFrom: readonly MismatchStatus[] };

/**
 * A person's decision on a mismatch, with who, when and why, audited in the same transaction. A decision the
 * mismatch's status does not allow (accepting what is resolved) is refused, not applied.
 */
export async function decideMismatch(
  q: Queryable,
  id: number,
  decision: MismatchDecision,
  by: { actor: string; comment: string; at: Date },
): Promise<DecisionResult> {
  const [current] = await q.query<{ status: MismatchStatus }>(
    `select status from mismatches where id = $1 for update`,
    [id],
  );
  if (!current) return { ok: false, reason: 'not-found' };
  const rule = DECISIONS[decision];
  if (!rule.from.includes(current.status)) {
    return { ok: false, reason: 'not-allowed', status: current.status, allowedFrom: rule.from };
  }
  await q.query(
    `update mismatches set status = $2, decided_by = $3, decided_at = $4, comment = $5, updated_at = $4
     where id = $1`,
    [id, rule.to, by.actor, by.at, by.comment],
  );
  await audit(q, {
    actor: by.actor,
    action: `mismatch.${decision}`,
    subjectType: 'mismatch',
    subjectId: id,
    details: { from: current.status, to: rule.to, comment: by.comment },
  });
  return { ok: true, mismatch: (await getMismatch(q, id))! };
}

// ---- the queue of purchase orders to reconcile ----

export interface DuePo {
  partnerId: string;
  poNumber: string;
  reason: string;
  attempts: number;
  /** The queue row's generation when leased: finishing removes the row only if no enqueue happened since. */
  generation: number;
}

const ENQUEUE_CONFLICT = `on conflict (partner_id, po_number) do update
       set due_at = least(reconcile_queue.due_at, excluded.due_at),
           reason = case when excluded.due_at < reconcile_queue.due_at then excluded.reason
             else reconcile_queue.reason end,
           generation = reconcile_queue.generation + 1`;

/** Queues the POs at `dueAt`; one already queued keeps the earlier of the two times. */
export async function queueReconciliation(
  q: Queryable,
  pos: readonly { partnerId: string; poNumber: string }[],
  dueAt: Date,
  reason: string,
): Promise<void> {
  if (pos.length === 0) return;
  await q.query(
    `insert into reconcile_queue (partner_id, po_number, due_at, reason)
     select x."partnerId", x."poNumber", $2, $3
     from jsonb_to_recordset($1::jsonb) as x("partnerId" text, "poNumber" text)
     ${ENQUEUE_CONFLICT}`,
    [JSON.stringify(pos), dueAt, reason],
  );
}

/**
 * Moves the cursor over documents stored since the last call and queues every (partner, PO) that a new ship
 * notice or invoice names, due now. Test documents are not reconciled. One statement, so concurrent callers
 * queue each document once: the cursor row is locked by the update.
 */
export async function queueNewDocuments(q: Queryable, now: Date, limit = 10_000): Promise<number> {
  const [row] = await q.query<{ queued: number }>(
    `with cursor as (
       select last_document_id from reconcile_cursor where id = 1 for update
     ), batch as (
       select d.id, d.partner_id, d.po_numbers, d.test, d.type from documents d, cursor c
       where d.id > c.last_document_id order by d.id limit $2
     ), moved as (
       update reconcile_cursor set last_document_id = (select max(id) from batch)
       where id = 1 and exists (select 1 from batch)
     ), pos as (
       select distinct b.partner_id, po from batch b, unnest(b.po_numbers) as po
       where not b.test and b.type in ('advance-ship-notice', 'invoice')
     ), queued as (
       insert into reconcile_queue (partner_id, po_number, due_at, reason)
       select partner_id, po, $1, 'new document' from pos
       ${ENQUEUE_CONFLICT}
       returning 1
     )
     select count(*)::int as queued from queued`,
    [now, limit],
  );
  return row?.queued ?? 0;
}

/**
 * Leases up to `limit` due POs for `leaseMs`: their due time moves past the lease, so another process (or
 * this one after a crash) takes them only once it has run out.
 */
export async function leaseDuePos(q: Queryable, now: Date, limit: number, leaseMs: number): Promise<DuePo[]> {
  return q.query<DuePo>(
    `update reconcile_queue r set due_at = $1::timestamptz + $3 * interval '1 millisecond'
     from (select partner_id, po_number from reconcile_queue where due_at <= $1
           order by due_at, partner_id, po_number limit $2 for update skip locked) due
     where r.partner_id = due.partner_id and r.po_number = due.po_number
     returning r.partner_id as "partnerId", r.po_number as "poNumber", r.reason, r.attempts,
       r.generation`,
    [now, limit, leaseMs],
  );
}

/** The reason of a PO kept queued after it was matched: it is matched again when an invoice's grace period
 * ends (so an invoice still waiting for its ship notice is flagged if none came). */
export const GRACE_PERIOD_REASON = 'grace period ends';

/**
 * Done with a leased PO: removed from the queue, or kept for `nextDueAt` (an invoice still inside its grace
 * period). A PO queued again since the lease stays due as that enqueue set it.
 */
export async function finishReconciliation(
  q: Queryable,
  po: DuePo,
  nextDueAt: Date | undefined,
): Promise<void> {
  if (nextDueAt === undefined) {
    await q.query(
      `delete from reconcile_queue where partner_id = $1 and po_number = $2 and generation = $3`,
      [po.partnerId, po.poNumber, po.generation],
    );
  } else {
    await q.query(
      `update reconcile_queue set due_at = $4, reason = '${GRACE_PERIOD_REASON}', attempts = 0, last_error = null
       where partner_id = $1 and po_number = $2 and generation = $3`,
      [po.partnerId, po.poNumber, po.generation, nextDueAt],
    );
  }
}

/** A failed attempt (the ERP could not be reached): tried again at `retryAt`. */
export async function postponeReconciliation(
  q: Queryable,
  po: DuePo,
  retryAt: Date,
  error: string,
): Promise<void> {
  await q.query(
    `update reconcile_queue set due_at = least($3, due_at), attempts = attempts + 1, last_error = $4
     where partner_id = $1 and po_number = $2`,
    [po.partnerId, po.poNumber, retryAt, error],
  );
}

export interface PoDocuments {
  id: number;
  type: 'advance-ship-notice' | 'invoice';
  partnerId: string;
  document: unknown;
  createdAt: Date;
}

/**
 * The partner's non-test ship notices and invoices that name the PO, plus its other invoices with an invoice
 * number one of those has (so a duplicate invoice naming another PO is found), oldest first.
 */
export async function documentsForPo(
  q: Queryable,
  partnerId: string,
  poNumber: string,
): Promise<PoDocuments[]> {
  return q.query<PoDocuments>(
    `with named as (
       select id from documents
       where po_numbers @> array[$2]::text[] and partner_id = $1 and not test
         and type in ('advance-ship-notice', 'invoice')
     )
     select id, type, partner_id as "partnerId", document, created_at as "createdAt" from documents
     where id in (select id from named)
        or (partner_id = $1 and not test and type = 'invoice' and invoice_number in
             (select invoice_number from documents where id in (select id from named) and invoice_number is not null))
     order by created_at, id`,
    [partnerId, poNumber],
  );
}

/** The partners whose (non-test) ship notices or invoices name the PO. */
export async function partnersNamingPo(q: Queryable, poNumber: string): Promise<string[]> {
  const rows = await q.query<{ partnerId: string }>(
    `select distinct partner_id as "partnerId" from documents
     where po_numbers @> array[$1]::text[] and type in ('advance-ship-notice', 'invoice') and not test
     order by 1`,
    [poNumber],
  );
  return rows.map((r) => r.partnerId);
}

/** POs queued: due now, and waiting for a later time (an invoice's grace period). */
export async function queueLength(q: Queryable): Promise<{ due: number; waiting: number }> {
  const [row] = await q.query<{ due: number; waiting: number }>(
    `select count(*) filter (where due_at <= clock_timestamp())::int as due,
            count(*) filter (where due_at > clock_timestamp())::int as waiting
     from reconcile_queue`,
  );
  return row ?? { due: 0, waiting: 0 };
}
