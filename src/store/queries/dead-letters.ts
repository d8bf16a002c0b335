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
