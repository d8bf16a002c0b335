// AS2 messages sent with a request for an asynchronous MDN (migration 0005): written before the POST, open
// (`sending`, then `awaiting-mdn`) until the MDN settles them or their deadline passes. At most one open message
// per ack matters: a second delivery attempt for the same ack finds it and waits instead of sending again.
import type { Queryable } from '../db.ts';

export type As2SentStatus = 'sending' | 'awaiting-mdn' | 'delivered' | 'failed';

export interface NewAs2Sent {
  messageId: string;
  partnerId: string;
  ackId: number | null;
  url: string;
  fileName: string;
  micDigest: string;
  micAlgorithm: string;
  signedMdn: boolean;
  /** The sender's clock, like the deadline, so that their difference is exactly the configured timeout. */
  sentAt: Date;
  mdnDeadline: Date;
}

export interface As2Sent extends NewAs2Sent {
  status: As2SentStatus;
  reason: string | null;
  disposition: string | null;
  settledAt: Date | null;
}

const COLUMNS = `message_id as "messageId", partner_id as "partnerId", ack_id as "ackId", url,
  file_name as "fileName", mic_digest as "micDigest", mic_algorithm as "micAlgorithm", signed_mdn as "signedMdn",
  status, reason, disposition, sent_at as "sentAt", mdn_deadline as "mdnDeadline", settled_at as "settledAt"`;

const OPEN = `status in ('sending', 'awaiting-mdn')`;

export async function insertAs2Sent(q: Queryable, sent: NewAs2Sent): Promise<void> {
  await q.query(
    `insert into as2_sent (message_id, partner_id, ack_id, url, file_name, mic_digest, mic_algorithm, signed_mdn,
       sent_at, mdn_deadline)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      sent.messageId,
      sent.partnerId,
      sent.ackId,
      sent.url,
      sent.fileName,
      sent.micDigest,
      sent.micAlgorithm,
      sent.signedMdn,
      sent.sentAt,
      sent.mdnDeadline,
    ],
  );
}

export async function getAs2Sent(q: Queryable, messageId: string): Promise<As2Sent | undefined> {
  const [row] = await q.query<As2Sent>(`select ${COLUMNS} from as2_sent where message_id = $1`, [messageId]);
  return row;
}

/** The message still waiting for its MDN for this ack, if any. */
export async function openAs2SentForAck(q: Queryable, ackId: number): Promise<As2Sent | undefined> {
  const [row] = await q.query<As2Sent>(
    `select ${COLUMNS} from as2_sent where ack_id = $1 and ${OPEN} order by sent_at desc limit 1`,
    [ackId],
  );
  return row;
}

/** The POST was accepted: the message now waits for its MDN (unless the MDN already settled it). */
export async function markAwaitingMdn(q: Queryable, messageId: string): Promise<void> {
  await q.query(`update as2_sent set status = 'awaiting-mdn' where message_id = $1 and status = 'sending'`, [
    messageId,
  ]);
}

/** Settles an open message; undefined when it was not open (already settled, or unknown), so that of two MDNs
 * or an MDN racing the deadline exactly one wins. */
export async function settleAs2Sent(
  q: Queryable,
  messageId: string,
  outcome: { status: 'delivered' | 'failed'; reason: string | null; disposition: string | null },
): Promise<As2Sent | undefined> {
  const [row] = await q.query<As2Sent>(
    `update as2_sent set status = $2, reason = $3, disposition = $4, settled_at = clock_timestamp()
     where message_id = $1 and ${OPEN}
     returning ${COLUMNS}`,
    [messageId, outcome.status, outcome.reason, outcome.disposition],
  );
  return row;
}

/** Fails the open messages whose MDN deadline is at or before `now`; they are returned, settled. */
export async function expireAs2Sent(
  q: Queryable,
  now: Date,
  reason: (sent: As2Sent) => string,
  limit = 1000,
): Promise<As2Sent[]> {
  const due = await q.query<As2Sent>(
    `select ${COLUMNS} from as2_sent where ${OPEN} and mdn_deadline <= $1 order by mdn_deadline limit $2`,
    [now, limit],
  );
  const settled: As2Sent[] = [];
  for (const sent of due) {
    const row = await settleAs2Sent(q, sent.messageId, {
      status: 'failed',
      reason: reason(sent),
      disposition: null,
    });
    if (row) settled.push(row);
  }
  return settled;
}
