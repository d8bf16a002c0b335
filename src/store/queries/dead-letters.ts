// Jobs that failed for good: what, why, after how many attempts. They stay until someone retries them.
import type { Queryable } from '../db.ts';

export interface NewDeadLetter {
  queue: string;
  jobId: string;
  receiptId: number | null;
  payload: unknown;
  errorCode: string | null;
  reason: string;
  attempts: number;
}

export interface DeadLetter extends NewDeadLetter {
  id: number;
  status: 'open' | 'retried';
  createdAt: Date;
  retriedAt: Date | null;
  retriedBy: string | null;
}

const COLUMNS = `id, queue, job_id as "jobId", receipt_id as "receiptId", payload, error_code as "errorCode", reason,
  attempts, status, created_at as "createdAt", retried_at as "retriedAt", retried_by as "retriedBy"`;

export async function insertDeadLetter(q: Queryable, d: NewDeadLetter): Promise<number> {
  const [row] = await q.query<{ id: number }>(
    `insert into dead_letters (queue, job_id, receipt_id, payload, error_code, reason, attempts)
     values ($1, $2, $3, $4::jsonb, $5, $6, $7) returning id`,
    [d.queue, d.jobId, d.receiptId, JSON.stringify(d.payload), d.errorCode, d.reason, d.attempts],
  );
  return row!.id;
}

export async function getDeadLetter(q: Queryable, id: number): Promise<DeadLetter | undefined> {
  const [row] = await q.query<DeadLetter>(`select ${COLUMNS} from dead_letters where id = $1`, [id]);
  return row;
}

export async function listDeadLetters(
  q: Queryable,
  f: { status?: 'open' | 'retried'; limit?: number } = {},
): Promise<DeadLetter[]> {
  return q.query<DeadLetter>(
    `select ${COLUMNS} from dead_letters where ($1::text is null or status = $1) order by id desc limit $2`,
    [f.status ?? null, f.limit ?? 50],
  );
}

/** Marks the dead letter retried; false when it was not open (already retried by someone else). */
export async function markRetried(q: Queryable, id: number, by: string): Promise<boolean> {
  const rows = await q.query(
    `update dead_letters set status = 'retried', retried_at = clock_timestamp(), retried_by = $2
     where id = $1 and status = 'open' returning id`,
    [id, by],
  );
  return rows.length === 1;
}

/** A dead letter with the partner it concerns: that of the acknowledgment for a delivery, else that of the
 * receipt; null when neither names one (a file from an unknown sender). */
export interface DeadLetterView extends DeadLetter {
  partnerId: string | null;
}

export interface DeadLetterFilter {
  status?: 'open' | 'retried';
  queue?: string;
  partnerId?: string;
  /** Only dead letters with an id below this (paging backwards from the newest). */
  beforeId?: number;
  limit?: number;
}

// The letter carries no partner of its own; the payload of a delivery names its acknowledgment, which does.
const VIEW = `select d.id, d.queue, d.job_id as "jobId", d.receipt_id as "receiptId", d.payload,
    d.error_code as "errorCode", d.reason, d.attempts, d.status, d.created_at as "createdAt",
    d.retried_at as "retriedAt", d.retried_by as "retriedBy", coalesce(a.partner_id, r.partner_id) as "partnerId"
  from dead_letters d
  left join receipts r on r.id = d.receipt_id
  left join acknowledgments a on d.queue = 'deliver-outbound' and a.id = (d.payload ->> 'ackId')::bigint`;

export async function findDeadLetters(q: Queryable, f: DeadLetterFilter = {}): Promise<DeadLetterView[]> {
  return q.query<DeadLetterView>(
    `${VIEW}
     where ($1::text is null or d.status = $1) and ($2::text is null or d.queue = $2)
       and ($3::text is null or coalesce(a.partner_id, r.partner_id) = $3) and ($4::bigint is null or d.id < $4)
     order by d.id desc limit $5`,
    [f.status ?? null, f.queue ?? null, f.partnerId ?? null, f.beforeId ?? null, f.limit ?? 50],
  );
}

export async function getDeadLetterView(q: Queryable, id: number): Promise<DeadLetterView | undefined> {
  const [row] = await q.query<DeadLetterView>(`${VIEW} where d.id = $1`, [id]);
  return row;
}
