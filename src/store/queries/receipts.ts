// Receipts: every arrival of a file. The idempotency key makes a repeated arrival a duplicate row that
// points at the first, decided by the unique index rather than by a read-then-write that could race.
import { numberedRows, type Queryable } from '../db.ts';

export type ReceiptStatus = 'received' | 'processing' | 'processed' | 'duplicate' | 'dead';
export type ReceiptOutcome = 'accepted' | 'partially-accepted' | 'rejected';

export interface Receipt {
  id: number;
  channelKind: string;
  channelId: string;
  partnerId: string | null;
  remotePath: string | null;
  fileName: string | null;
  size: number;
  remoteMtime: Date | null;
  sha256: string;
  blobKey: string;
  idempotencyKey: string;
  duplicateOf: number | null;
  replayOf: number | null;
  status: ReceiptStatus;
  outcome: ReceiptOutcome | null;
  issues: unknown[];
  attempts: number;
  lastError: string | null;
  receivedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
}

const COLUMNS = `id, channel_kind as "channelKind", channel_id as "channelId", partner_id as "partnerId",
  remote_path as "remotePath", file_name as "fileName", size, remote_mtime as "remoteMtime", sha256,
  blob_key as "blobKey", idempotency_key as "idempotencyKey", duplicate_of as "duplicateOf",
  replay_of as "replayOf", status, outcome, issues, attempts, last_error as "lastError",
  received_at as "receivedAt", started_at as "startedAt", finished_at as "finishedAt", updated_at as "updatedAt"`;

export interface NewReceipt {
  channelKind: string;
  channelId: string;
  partnerId: string | null;
  remotePath: string | null;
  fileName: string | null;
  size: number;
  remoteMtime: Date | null;
  sha256: string;
  blobKey: string;
  idempotencyKey: string;
  replayOf?: number | null;
}

export interface InsertedReceipt {
  receipt: Receipt;
  /** Set when the same arrival was already recorded: the receipt is then the duplicate's own row. */
  duplicateOf?: Receipt;
}

export async function insertReceipt(q: Queryable, r: NewReceipt): Promise<InsertedReceipt> {
  const values = [
    r.channelKind,
    r.channelId,
    r.partnerId,
    r.remotePath,
    r.fileName,
    r.size,
    r.remoteMtime,
    r.sha256,
    r.blobKey,
    r.idempotencyKey,
    r.replayOf ?? null,
  ];
  const [inserted] = await q.query<Receipt>(
    `insert into receipts (channel_kind, channel_id, partner_id, remote_path, file_name, size, remote_mtime,
       sha256, blob_key, idempotency_key, replay_of)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     on conflict (channel_kind, idempotency_key) where duplicate_of is null do nothing
     returning ${COLUMNS}`,
    values,
  );
  if (inserted) return { receipt: inserted };
  const [original] = await q.query<Receipt>(
    `select ${COLUMNS} from receipts where channel_kind = $1 and idempotency_key = $2 and duplicate_of is null`,
    [r.channelKind, r.idempotencyKey],
  );
  const [duplicate] = await q.query<Receipt>(
    `insert into receipts (channel_kind, channel_id, partner_id, remote_path, file_name, size, remote_mtime,
       sha256, blob_key, idempotency_key, replay_of, duplicate_of, status, finished_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'duplicate', clock_timestamp())
     returning ${COLUMNS}`,
    [...values, original!.id],
  );
  return { receipt: duplicate!, duplicateOf: original! };
}

/** Inserts the arrivals of a batch in one statement; each result says whether its arrival was new. Repeats
 * (of an earlier receipt or of another arrival in the same batch) take the one-by-one path, which is rare. */
export async function insertReceipts(q: Queryable, rs: NewReceipt[]): Promise<InsertedReceipt[]> {
  if (rs.length === 0) return [];
  if (rs.length === 1) return [await insertReceipt(q, rs[0]!)];
  const rows = await q.query<Receipt>(
    `insert into receipts (channel_kind, channel_id, partner_id, remote_path, file_name, size, remote_mtime,
       sha256, blob_key, idempotency_key, replay_of)
     select x."channelKind", x."channelId", x."partnerId", x."remotePath", x."fileName", x.size, x."remoteMtime",
       x.sha256, x."blobKey", x."idempotencyKey", x."replayOf"
     from jsonb_to_recordset($1::jsonb) as x("channelKind" text, "channelId" text,
       "partnerId" text, "remotePath" text, "fileName" text, size bigint, "remoteMtime" timestamptz, sha256 text,
       "blobKey" text, "idempotencyKey" text, "replayOf" bigint, n bigint)
     order by x.n
     on conflict (channel_kind, idempotency_key) where duplicate_of is null do nothing
     returning ${COLUMNS}`,
    [numberedRows(rs.map((r) => ({ ...r, replayOf: r.replayOf ?? null })))],
  );
  const byKey = new Map(rows.map((r) => [`${r.channelKind}\n${r.idempotencyKey}`, r]));
  const out: InsertedReceipt[] = [];
  for (const r of rs) {
    const key = `${r.channelKind}\n${r.idempotencyKey}`;
    const inserted = byKey.get(key);
    if (inserted) {
      byKey.delete(key);
      out.push({ receipt: inserted });
    } else out.push(await insertReceipt(q, r));
  }
  return out;
}

export async function getReceipt(q: Queryable, id: number): Promise<Receipt | undefined> {
  const [row] = await q.query<Receipt>(`select ${COLUMNS} from receipts where id = $1`, [id]);
  return row;
}

/** Takes the receipt's row lock for the rest of the transaction; the status as it is under the lock. */
export async function lockReceipt(q: Queryable, id: number): Promise<ReceiptStatus | undefined> {
  const [row] = await q.query<{ status: ReceiptStatus }>(
    'select status from receipts where id = $1 for update',
    [id],
  );
  return row?.status;
}

/** Marks an attempt as started; undefined when the receipt needs no processing (done, dead, a duplicate). */
export async function startAttempt(q: Queryable, id: number): Promise<Receipt | undefined> {
  const [row] = await q.query<Receipt>(
    `update receipts set status = 'processing', attempts = attempts + 1, started_at = clock_timestamp(),
       updated_at = clock_timestamp()
     where id = $1 and status in ('received', 'processing')
     returning ${COLUMNS}`,
    [id],
  );
  return row;
}

/** Takes the row locks of several receipts, in id order so that two batches cannot deadlock; the status of
 * each under the lock. */
export async function lockReceipts(q: Queryable, ids: number[]): Promise<Map<number, ReceiptStatus>> {
  const rows = await q.query<{ id: number; status: ReceiptStatus }>(
    'select id, status from receipts where id = any($1::bigint[]) order by id for update',
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r.status]));
}

/** startAttempt for a batch: the receipts that need processing, by id. */
export async function startAttempts(q: Queryable, ids: number[]): Promise<Map<number, Receipt>> {
  const rows = await q.query<Receipt>(
    `update receipts set status = 'processing', attempts = attempts + 1, started_at = clock_timestamp(),
       updated_at = clock_timestamp()
     where id = any($1::bigint[]) and status in ('received', 'processing')
     returning ${COLUMNS}`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

export async function finishReceipts(
  q: Queryable,
  results: { id: number; outcome: ReceiptOutcome; issues: unknown[] }[],
): Promise<void> {
  if (results.length === 0) return;
  await q.query(
    `update receipts r set status = 'processed', outcome = x.outcome, issues = x.issues, last_error = null,
       finished_at = clock_timestamp(), updated_at = clock_timestamp()
     from jsonb_to_recordset($1::jsonb) as x(id bigint, outcome text, issues jsonb)
     where r.id = x.id`,
    [JSON.stringify(results)],
  );
}

export async function recordAttemptErrors(
  q: Queryable,
  errors: { id: number; error: string }[],
): Promise<void> {
  if (errors.length === 0) return;
  await q.query(
    `update receipts r set last_error = x.error, updated_at = clock_timestamp()
     from jsonb_to_recordset($1::jsonb) as x(id bigint, error text) where r.id = x.id`,
    [JSON.stringify(errors)],
  );
}

export async function finishReceipt(
  q: Queryable,
  id: number,
  result: { outcome: ReceiptOutcome; issues: unknown[] },
): Promise<void> {
  await q.query(
    `update receipts set status = 'processed', outcome = $2, issues = $3::jsonb, last_error = null,
       finished_at = clock_timestamp(), updated_at = clock_timestamp()
     where id = $1`,
    [id, result.outcome, JSON.stringify(result.issues)],
  );
}

export async function recordAttemptError(q: Queryable, id: number, error: string): Promise<void> {
  await q.query('update receipts set last_error = $2, updated_at = clock_timestamp() where id = $1', [
    id,
    error,
  ]);
}

export async function markReceiptDead(q: Queryable, id: number, error: string): Promise<void> {
  await q.query(
    `update receipts set status = 'dead', last_error = $2, finished_at = clock_timestamp(),
       updated_at = clock_timestamp()
     where id = $1 and status in ('received', 'processing')`,
    [id, error],
  );
}

/** Puts a dead receipt back in line (a dead-letter retry). */
export async function reviveReceipt(q: Queryable, id: number): Promise<boolean> {
  const rows = await q.query(
    `update receipts set status = 'received', attempts = 0, finished_at = null, updated_at = clock_timestamp()
     where id = $1 and status = 'dead' returning id`,
    [id],
  );
  return rows.length === 1;
}

/** Receipts that should be in the queue but may have been lost from it: received or processing, untouched
 * for at least `idleMs`. */
export async function unfinishedReceipts(q: Queryable, idleMs: number, limit: number): Promise<number[]> {
  const rows = await q.query<{ id: number }>(
    `select id from receipts
     where status in ('received', 'processing') and updated_at <= clock_timestamp() - $1 * interval '1 millisecond'
     order by updated_at limit $2`,
    [idleMs, limit],
  );
  return rows.map((r) => r.id);
}

export interface ReceiptFilter {
  partnerId?: string;
  status?: ReceiptStatus;
  /** received_at >= from */
  from?: Date;
  /** received_at < to */
  to?: Date;
  /** Only receipts with an id below this (paging backwards from the newest). */
  beforeId?: number;
  limit?: number;
}

export async function listReceipts(q: Queryable, f: ReceiptFilter = {}): Promise<Receipt[]> {
  return q.query<Receipt>(
    `select ${COLUMNS} from receipts
     where ($1::text is null or partner_id = $1) and ($2::text is null or status = $2)
       and ($3::bigint is null or id < $3)
       and ($5::timestamptz is null or received_at >= $5) and ($6::timestamptz is null or received_at < $6)
     order by id desc limit $4`,
    [f.partnerId ?? null, f.status ?? null, f.beforeId ?? null, f.limit ?? 50, f.from ?? null, f.to ?? null],
  );
}

export async function countReceiptsByStatus(q: Queryable): Promise<Record<string, number>> {
  const rows = await q.query<{ status: string; n: number }>(
    'select status, count(*)::int8 as n from receipts group by status',
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}
