// AS2 messages received: the MDN each was answered with, so that a repeated Message-ID gets the same bytes,
// and the delivery state of asynchronous MDNs. The primary key (partner, Message-ID) decides which of two
// concurrent copies of one message writes the answer; the other reads it back.
import type { Queryable } from '../db.ts';

export type As2MessageStatus = 'processed' | 'failed';
export type MdnMode = 'sync' | 'async' | 'none';
/** `refused`: an asynchronous MDN not posted, because the message did not prove it comes from the partner or
 * the partner file does not allow its URL (mdn_last_error says which). */
export type MdnStatus = 'none' | 'sent' | 'pending' | 'failed' | 'refused';

export interface NewAs2Message {
  partnerId: string;
  messageId: string;
  as2From: string;
  as2To: string;
  status: As2MessageStatus;
  receiptId: number | null;
  failureCode: string | null;
  failureMessage: string | null;
  mic: string | null;
  mdnMode: MdnMode;
  disposition: string | null;
  /** [name, value] pairs, in the order sent. */
  mdnHeaders: [string, string][] | null;
  mdnBody: Buffer | null;
  mdnUrl: string | null;
  mdnStatus: MdnStatus;
  /** Why an asynchronous MDN is `refused`. */
  mdnLastError?: string | null;
}

export interface As2Message extends NewAs2Message {
  attempts: number;
  mdnAttempts: number;
  mdnNextAt: Date | null;
  mdnLastError: string | null;
  mdnSentAt: Date | null;
  receivedAt: Date;
  updatedAt: Date;
}

const COLUMNS = `partner_id as "partnerId", message_id as "messageId", as2_from as "as2From", as2_to as "as2To",
  status, receipt_id as "receiptId", failure_code as "failureCode", failure_message as "failureMessage", mic,
  attempts, mdn_mode as "mdnMode", disposition, mdn_headers as "mdnHeaders", mdn_body as "mdnBody",
  mdn_url as "mdnUrl", mdn_status as "mdnStatus", mdn_attempts as "mdnAttempts", mdn_next_at as "mdnNextAt",
  mdn_last_error as "mdnLastError", mdn_sent_at as "mdnSentAt", received_at as "receivedAt",
  updated_at as "updatedAt"`;

/** pg gives bytea as a Buffer, PGlite as a Uint8Array. */
function normalise(row: As2Message): As2Message {
  const body = row.mdnBody as Uint8Array | null;
  if (body && !Buffer.isBuffer(body)) {
    row.mdnBody = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  }
  return row;
}

export async function getAs2Message(
  q: Queryable,
  partnerId: string,
  messageId: string,
): Promise<As2Message | undefined> {
  const [row] = await q.query<As2Message>(
    `select ${COLUMNS} from as2_messages where partner_id = $1 and message_id = $2`,
    [partnerId, messageId],
  );
  return row && normalise(row);
}

/**
 * Records the answer to a message and returns the row that holds: this one, or the one a concurrent copy of
 * the message recorded first. A processed row is final; a failed one is replaced by the next attempt (which
 * may succeed once a certificate is fixed), counting attempts.
 */
export async function recordAs2Message(q: Queryable, m: NewAs2Message): Promise<As2Message> {
  const pending = m.mdnStatus === 'pending';
  await q.query(
    `insert into as2_messages (partner_id, message_id, as2_from, as2_to, status, receipt_id, failure_code,
       failure_message, mic, mdn_mode, disposition, mdn_headers, mdn_body, mdn_url, mdn_status, mdn_next_at,
       mdn_last_error)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13, $14, $15,
       case when $16::boolean then clock_timestamp() end, $17)
     on conflict (partner_id, message_id) do update set
       as2_from = excluded.as2_from, as2_to = excluded.as2_to, status = excluded.status,
       receipt_id = excluded.receipt_id, failure_code = excluded.failure_code,
       failure_message = excluded.failure_message, mic = excluded.mic, mdn_mode = excluded.mdn_mode,
       disposition = excluded.disposition, mdn_headers = excluded.mdn_headers, mdn_body = excluded.mdn_body,
       mdn_url = excluded.mdn_url, mdn_status = excluded.mdn_status, mdn_next_at = excluded.mdn_next_at,
       mdn_attempts = 0, mdn_last_error = excluded.mdn_last_error, mdn_sent_at = null,
       attempts = as2_messages.attempts + 1, updated_at = clock_timestamp()
     where as2_messages.status = 'failed'`,
    [
      m.partnerId,
      m.messageId,
      m.as2From,
      m.as2To,
      m.status,
      m.receiptId,
      m.failureCode,
      m.failureMessage,
      m.mic,
      m.mdnMode,
      m.disposition,
      m.mdnHeaders === null ? null : JSON.stringify(m.mdnHeaders),
      m.mdnBody,
      m.mdnUrl,
      m.mdnStatus,
      pending,
      m.mdnLastError ?? null,
    ],
  );
  const row = await getAs2Message(q, m.partnerId, m.messageId);
  return row!;
}

/**
 * Claims one asynchronous MDN whose next attempt is due, by pushing its next attempt `leaseMs` ahead: two
 * processes (or a retry timer and the sweeper) never post the same MDN at the same moment.
 */
export async function claimPendingMdn(
  q: Queryable,
  partnerId: string,
  messageId: string,
  leaseMs: number,
): Promise<As2Message | undefined> {
  const [row] = await q.query<As2Message>(
    `update as2_messages set mdn_next_at = clock_timestamp() + $3 * interval '1 millisecond'
     where partner_id = $1 and message_id = $2 and mdn_status = 'pending' and mdn_next_at <= clock_timestamp()
     returning ${COLUMNS}`,
    [partnerId, messageId, leaseMs],
  );
  return row && normalise(row);
}

/** The asynchronous MDNs due now, oldest first. */
export async function duePendingMdns(
  q: Queryable,
  limit: number,
): Promise<{ partnerId: string; messageId: string }[]> {
  return q.query<{ partnerId: string; messageId: string }>(
    `select partner_id as "partnerId", message_id as "messageId" from as2_messages
     where mdn_status = 'pending' and mdn_next_at <= clock_timestamp() order by mdn_next_at limit $1`,
    [limit],
  );
}

/**
 * Puts an asynchronous MDN back in the queue, its attempts from zero: the sender repeated the message, so it
 * has not got the MDN, whether our last attempt failed or its server lost what it accepted. False when the
 * message has no asynchronous MDN or one is pending already.
 */
export async function requeueMdn(q: Queryable, partnerId: string, messageId: string): Promise<boolean> {
  const rows = await q.query(
    `update as2_messages set mdn_status = 'pending', mdn_attempts = 0, mdn_next_at = clock_timestamp(),
       updated_at = clock_timestamp()
     where partner_id = $1 and message_id = $2 and mdn_mode = 'async' and mdn_status in ('sent', 'failed')
     returning partner_id`,
    [partnerId, messageId],
  );
  return rows.length === 1;
}

/**
 * Queues an asynchronous MDN that was refused, now that the partner file allows its URL: the partner repeated
 * a processed message. False when there is no such MDN (the message failed, or its MDN is not refused).
 */
export async function releaseRefusedMdn(
  q: Queryable,
  partnerId: string,
  messageId: string,
): Promise<boolean> {
  const rows = await q.query(
    `update as2_messages set mdn_status = 'pending', mdn_attempts = 0, mdn_next_at = clock_timestamp(),
       mdn_last_error = null, updated_at = clock_timestamp()
     where partner_id = $1 and message_id = $2 and status = 'processed' and mdn_mode = 'async'
       and mdn_status = 'refused' and mdn_body is not null
     returning partner_id`,
    [partnerId, messageId],
  );
  return rows.length === 1;
}

/** Stops a pending asynchronous MDN before it is posted, for `reason`: the partner file no longer allows its
 * URL, or the partner is gone. */
export async function refuseMdn(
  q: Queryable,
  partnerId: string,
  messageId: string,
  reason: string,
): Promise<void> {
  await q.query(
    `update as2_messages set mdn_status = 'refused', mdn_next_at = null, mdn_last_error = $3,
       updated_at = clock_timestamp()
     where partner_id = $1 and message_id = $2 and mdn_status = 'pending'`,
    [partnerId, messageId, reason],
  );
}

/** Every asynchronous MDN still to be posted, and how long until its next attempt (0 when due). */
export async function pendingMdns(
  q: Queryable,
  limit: number,
): Promise<{ partnerId: string; messageId: string; dueInMs: number }[]> {
  return q.query<{ partnerId: string; messageId: string; dueInMs: number }>(
    `select partner_id as "partnerId", message_id as "messageId",
       greatest(0, ceil(extract(epoch from (mdn_next_at - clock_timestamp())) * 1000))::int as "dueInMs"
     from as2_messages where mdn_status = 'pending' order by mdn_next_at limit $1`,
    [limit],
  );
}

export async function markMdnSent(q: Queryable, partnerId: string, messageId: string): Promise<void> {
  await q.query(
    `update as2_messages set mdn_status = 'sent', mdn_attempts = mdn_attempts + 1, mdn_next_at = null,
       mdn_last_error = null, mdn_sent_at = clock_timestamp(), updated_at = clock_timestamp()
     where partner_id = $1 and message_id = $2 and mdn_status = 'pending'`,
    [partnerId, messageId],
  );
}

/** Records a failed delivery attempt: due again after `retryInMs`, or failed for good when that is null. */
export async function markMdnAttemptFailed(
  q: Queryable,
  partnerId: string,
  messageId: string,
  error: string,
  retryInMs: number | null,
): Promise<void> {
  await q.query(
    `update as2_messages set mdn_attempts = mdn_attempts + 1, mdn_last_error = $3,
       mdn_status = case when $4::bigint is null then 'failed' else 'pending' end,
       mdn_next_at = case when $4::bigint is null then null
         else clock_timestamp() + $4::bigint * interval '1 millisecond' end,
       updated_at = clock_timestamp()
     where partner_id = $1 and message_id = $2 and mdn_status = 'pending'`,
    [partnerId, messageId, error, retryInMs],
  );
}
