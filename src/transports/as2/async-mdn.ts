// Asynchronous MDNs for the messages we sent (outbound.ts): the partner POSTs them to our AS2 endpoint, which
// hands them here. The Original-Message-ID names the message; its row says which partner's certificate must
// have signed the MDN and which MIC it must return. Then the ack's delivery is settled, delivered or failed.
//
// An MDN whose signature is not the partner's settles nothing: anyone can POST to the endpoint, and a forged
// "failed" must not undo a real delivery any more than a forged "processed" may fake one. The genuine MDN, or
// the deadline (expireAsyncMdns), still settles the message.
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { PartnerDirectory } from '../../partners/partner.ts';
import type { Db, Queryable } from '../../store/db.ts';
import { recordDeliveries } from '../../store/queries/acknowledgments.ts';
import { expireAs2Sent, getAs2Sent, settleAs2Sent, type As2Sent } from '../../store/queries/as2-sent.ts';
import { checkMdn } from './mdn-read.ts';
import {
  decodeBody,
  entityContentType,
  headerValue,
  parseEntity,
  parseHeaderBlock,
  splitMultipart,
  type MimeEntity,
} from './mime.ts';
import { partnerCertificate } from './outbound.ts';

export interface AsyncMdnDeps {
  db: Db;
  partners: () => PartnerDirectory;
  log: Logger;
}

export type AsyncMdnOutcome =
  /** The MDN proves the delivery: the ack is delivered. */
  | { status: 'delivered'; messageId: string; ackId: number | null; httpStatus: 200 }
  /** An authentic MDN that refuses the message, or returns another MIC: the ack is failed. */
  | { status: 'failed'; messageId: string; ackId: number | null; reason: string; httpStatus: 200 }
  /** The message was settled before (a repeated MDN, or one after the deadline): nothing changes. */
  | { status: 'already-settled'; messageId: string; settledAs: string; httpStatus: 200 }
  /** Not an MDN for a message we sent and still know of. */
  | { status: 'unmatched'; messageId?: string; reason: string; httpStatus: 400 }
  /** Not the partner's MDN (signature), so it settles nothing. */
  | { status: 'rejected'; messageId: string; reason: string; httpStatus: 400 };

/** For the AS2 endpoint's `onAsyncMdn(headers, body)`: reads, matches, verifies and records one async MDN. The
 * outcome's `httpStatus` is what to answer the partner with. */
export async function acceptAsyncMdn(
  deps: AsyncMdnDeps,
  /** The request's headers, names in lower case (node's IncomingHttpHeaders, or the AS2 server's record). */
  headers: Readonly<Record<string, string | string[] | undefined>>,
  body: Buffer,
): Promise<AsyncMdnOutcome> {
  const contentType = firstHeader(headers['content-type']) ?? '';
  let messageId: string | undefined;
  try {
    messageId = originalMessageId(contentType, body);
  } catch (error) {
    return unmatched(deps.log, undefined, `not a readable MDN: ${errorMessage(error)}`);
  }
  if (!messageId) return unmatched(deps.log, undefined, 'the MDN has no Original-Message-ID');

  const sent = (await getAs2Sent(deps.db, messageId)) ?? (await getAs2Sent(deps.db, `<${bare(messageId)}>`));
  if (!sent) return unmatched(deps.log, messageId, `no message ${messageId} was sent awaiting an async MDN`);
  const log = deps.log.child({ partnerId: sent.partnerId, messageId: sent.messageId });
  if (sent.status === 'delivered' || sent.status === 'failed') {
    log.info({ settledAs: sent.status }, 'an async MDN for a message already settled; ignored');
    return { status: 'already-settled', messageId: sent.messageId, settledAs: sent.status, httpStatus: 200 };
  }

  const settings = deps.partners().get(sent.partnerId)?.as2;
  if (!settings) {
    const reason = `partner ${sent.partnerId} has no AS2 settings any more: its MDN cannot be verified`;
    log.warn(reason);
    return { status: 'rejected', messageId: sent.messageId, reason, httpStatus: 400 };
  }
  const from = firstHeader(headers['as2-from']);
  if (from !== undefined && unquote(from) !== settings.as2Id) {
    const reason = `the MDN comes from AS2-From ${from}, not from ${settings.as2Id}`;
    log.warn(reason);
    return { status: 'rejected', messageId: sent.messageId, reason, httpStatus: 400 };
  }

  const verdict = checkMdn({
    contentType,
    body,
    partnerCertificate: partnerCertificate(settings),
    requireSigned: sent.signedMdn,
    messageId: sent.messageId,
    mic: { digest: sent.micDigest, algorithm: sent.micAlgorithm },
  });
  if (verdict.status === 'invalid' && sent.signedMdn && !verdict.mdn?.signed) {
    const reason = `the MDN is not signed by the partner (${verdict.failure.code}): ${verdict.failure.message}`;
    log.warn(reason);
    return { status: 'rejected', messageId: sent.messageId, reason, httpStatus: 400 };
  }

  const disposition = verdict.mdn
    ? `${verdict.mdn.disposition.type}${verdict.mdn.disposition.modifierKind ? `/${verdict.mdn.disposition.modifierKind}` : ''}`
    : null;
  const outcome =
    verdict.status === 'delivered'
      ? { status: 'delivered' as const, reason: verdict.warning ?? null }
      : {
          status: 'failed' as const,
          reason:
            verdict.status === 'refused'
              ? `the partner refused ${sent.fileName} (${sent.messageId}) in its MDN: ${verdict.reason}`
              : `the MDN for ${sent.fileName} (${sent.messageId}) does not prove delivery (${verdict.failure.code}): ${verdict.failure.message}`,
        };
  const settled = await deps.db.transaction(async (tx) => {
    const row = await settleAs2Sent(tx, sent.messageId, { ...outcome, disposition });
    if (row)
      await recordAckOutcome(tx, row, outcome.status, outcome.status === 'failed' ? outcome.reason : null);
    return row;
  });
  if (!settled) {
    // Settled between our read and our update: by a twin of this MDN or by the deadline.
    const now = await getAs2Sent(deps.db, sent.messageId);
    return {
      status: 'already-settled',
      messageId: sent.messageId,
      settledAs: now?.status ?? 'unknown',
      httpStatus: 200,
    };
  }
  if (outcome.status === 'delivered') {
    log.info({ ackId: sent.ackId }, 'async MDN received: delivered');
    return { status: 'delivered', messageId: sent.messageId, ackId: sent.ackId, httpStatus: 200 };
  }
  log.error({ ackId: sent.ackId, reason: outcome.reason }, 'async MDN received: not delivered');
  return {
    status: 'failed',
    messageId: sent.messageId,
    ackId: sent.ackId,
    reason: outcome.reason,
    httpStatus: 200,
  };
}

/** Fails, visibly, the messages whose MDN did not arrive in time; for the sweeper. Returns how many. */
export async function expireAsyncMdns(
  deps: { db: Db; log: Logger },
  now: Date = new Date(),
): Promise<number> {
  const expired = await deps.db.transaction(async (tx) => {
    const rows = await expireAs2Sent(
      tx,
      now,
      (sent) =>
        `no MDN within ${duration(sent.mdnDeadline.getTime() - sent.sentAt.getTime())} for ${sent.fileName} (${sent.messageId}, sent ${sent.sentAt.toISOString()})`,
    );
    for (const row of rows) await recordAckOutcome(tx, row, 'failed', row.reason);
    return rows;
  });
  for (const row of expired) {
    deps.log.error(
      { partnerId: row.partnerId, messageId: row.messageId, ackId: row.ackId, reason: row.reason },
      'AS2 delivery failed: no MDN in time',
    );
  }
  return expired.length;
}

async function recordAckOutcome(
  q: Queryable,
  sent: As2Sent,
  status: 'delivered' | 'failed',
  error: string | null,
): Promise<void> {
  if (sent.ackId === null) return;
  await recordDeliveries(q, [
    {
      id: sent.ackId,
      status,
      channelKind: 'as2',
      deliveredTo: status === 'delivered' ? `${sent.url} ${sent.messageId}` : null,
      error,
    },
  ]);
}

/** The Original-Message-ID of an MDN, read before its signature is checked: only to find which message, and
 * so which partner and certificate, it claims to answer. checkMdn then verifies it says the same, signed. */
export function originalMessageId(contentType: string, body: Buffer): string | undefined {
  let entity: MimeEntity = { headers: [{ name: 'Content-Type', value: contentType }], body };
  let type = entityContentType(entity);
  if (type.mediaType === 'multipart/signed') {
    const [signed] = splitMultipart(entity.body, type.params.get('boundary') ?? '');
    if (!signed) return undefined;
    entity = parseEntity(signed);
    type = entityContentType(entity);
  }
  if (type.mediaType !== 'multipart/report') return undefined;
  for (const raw of splitMultipart(entity.body, type.params.get('boundary') ?? '')) {
    const part = parseEntity(raw);
    if (entityContentType(part).mediaType !== 'message/disposition-notification') continue;
    return headerValue(parseHeaderBlock(decodeBody(part).toString('latin1')), 'original-message-id')?.trim();
  }
  return undefined;
}

function unmatched(log: Logger, messageId: string | undefined, reason: string): AsyncMdnOutcome {
  log.warn({ messageId }, `async MDN refused: ${reason}`);
  return messageId !== undefined
    ? { status: 'unmatched', messageId, reason, httpStatus: 400 }
    : { status: 'unmatched', reason, httpStatus: 400 };
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function bare(id: string): string {
  return id.trim().replace(/^<(.*)>$/, '$1');
}

function unquote(value: string): string {
  const v = value.trim();
  return v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v;
}

/** `1 h`, `90 min`, `45 s`: the timeout as an operator configured it. */
export function duration(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms >= 1000) return `${Math.round(ms / 1000)} s`;
  return `${ms} ms`;
}
