// The AS2 outbound channel: pack a file for the partner (send.ts), POST it with the AS2 headers, and prove the
// delivery with the partner's MDN. A synchronous MDN comes back in the response and is checked at once; an
// asynchronous one arrives later on our endpoint (async-mdn.ts), so the message is recorded, before the POST,
// with the MIC its MDN must return and a deadline.
//
// What is worth trying again: the network, a timeout, an HTTP 5xx (or 408/429). What is not: an MDN that
// refuses the message, one that is not the partner's, or whose MIC is not ours; sending the same bytes again
// would get the same answer, and a forged MDN must not be papered over by a retry.
import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { hostname } from 'node:os';
import { GatewayError, errorMessage, isRetryable } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { As2KeyPair, As2Outbound, As2Settings } from '../../partners/partner.ts';
import type { Queryable } from '../../store/db.ts';
import {
  insertAs2Sent,
  markAwaitingMdn,
  openAs2SentForAck,
  settleAs2Sent,
} from '../../store/queries/as2-sent.ts';
import {
  loadCertificate,
  loadIdentity,
  type LoadedCertificate,
  type LoadedIdentity,
} from './certificates.ts';
import { checkMdn, type ReadMdn } from './mdn-read.ts';
import type { Mic } from './mic.ts';
import { packMessage, type SendRequest } from './send.ts';

/** The partner, as far as sending to it goes. */
export interface As2Partner {
  id: string;
  as2?: As2Settings | undefined;
}

export interface As2SendContext {
  /** Where messages awaiting an asynchronous MDN are recorded. */
  db: Queryable;
  log: Logger;
  /** The acknowledgment sent, so that its async MDN can settle its delivery; null for other files. */
  ackId: number | null;
  /** Our host, for Message-IDs (default the machine's host name). */
  host?: string;
}

export type As2SendResult =
  /** The partner's MDN came back in the response, authentic, `processed`, with our MIC (or none was asked). */
  | { status: 'delivered'; messageId: string; mic: Mic; mdn?: ReadMdn; warning?: string }
  /** Accepted by the partner's server; the delivery is proven only by the async MDN, before `deadline`. */
  | {
      status: 'awaiting-mdn';
      messageId: string;
      deadline: Date;
      /** False when an earlier attempt's message is still waiting and nothing was sent this time. */
      posted: boolean;
    };

/** Largest response read: an MDN is a few kilobytes; anything much bigger is not one. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

export async function sendAs2(
  partner: As2Partner,
  channel: As2Outbound,
  name: string,
  body: string,
  context: As2SendContext,
): Promise<As2SendResult> {
  const settings = partner.as2;
  if (!settings) {
    throw new GatewayError(
      'config-invalid',
      `partner ${partner.id}: its outbound channel is AS2 but it has no as2 section (certificates, AS2 ids)`,
      false,
    );
  }
  const target = urlLabel(channel.url);

  if (channel.mdn === 'async' && context.ackId !== null) {
    // A message for this ack is already out (an earlier attempt, or a job run twice): its MDN, or its
    // deadline, decides; sending it again would only make a second message for the partner.
    const open = await openAs2SentForAck(context.db, context.ackId);
    if (open)
      return { status: 'awaiting-mdn', messageId: open.messageId, deadline: open.mdnDeadline, posted: false };
  }

  const request = sendRequest(partner.id, settings, channel, name, body);
  const packed = packMessage(request);
  const messageId = `<dockside-${randomUUID()}@${context.host ?? hostname()}>`;
  const headers: Record<string, string> = {
    'AS2-Version': '1.2',
    'AS2-From': as2Name(settings.ourAs2Id),
    'AS2-To': as2Name(settings.as2Id),
    'Message-ID': messageId,
    Subject: `EDI ${name} for ${partner.id}`,
    Date: new Date().toUTCString(),
    'MIME-Version': '1.0',
    'Content-Type': packed.contentType,
    'Content-Length': String(packed.body.length),
    'User-Agent': 'Dockside AS2',
  };
  if (channel.mdn !== 'none') {
    // Any value asks for an MDN (RFC 4130 §7.1); where an async one goes is Receipt-Delivery-Option.
    headers['Disposition-Notification-To'] = channel.asyncMdnUrl ?? as2Name(settings.ourAs2Id);
    if (packed.dispositionNotificationOptions)
      headers['Disposition-Notification-Options'] = packed.dispositionNotificationOptions;
  }
  let deadline: Date | undefined;
  if (channel.mdn === 'async') {
    if (!channel.asyncMdnUrl) {
      throw new GatewayError(
        'config-invalid',
        `partner ${partner.id}: an async MDN needs asyncMdnUrl, the URL the partner posts it to`,
        false,
      );
    }
    headers['Receipt-Delivery-Option'] = channel.asyncMdnUrl;
    const sentAt = new Date();
    deadline = new Date(sentAt.getTime() + channel.mdnTimeoutMs);
    await insertAs2Sent(context.db, {
      messageId,
      partnerId: partner.id,
      ackId: context.ackId,
      url: target,
      fileName: name,
      micDigest: packed.mic.digest,
      micAlgorithm: packed.mic.algorithm,
      signedMdn: channel.signedMdn,
      sentAt,
      mdnDeadline: deadline,
    });
  }

  let response: HttpResponse;
  try {
    response = await post(channel.url, headers, packed.body, channel.timeoutMs);
  } catch (error) {
    if (deadline) await failOpenMessage(context.db, messageId, errorMessage(error));
    throw new GatewayError(
      'channel-unavailable',
      `${target}: cannot send ${name} (${messageId}): ${errorMessage(error)}`,
      isRetryable(error) || error instanceof TimeoutError,
      { cause: error },
    );
  }
  if (response.status < 200 || response.status > 299) {
    const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
    const why = `${target}: HTTP ${response.status} for ${name} (${messageId})${snippet(response)}`;
    if (deadline) await failOpenMessage(context.db, messageId, why);
    throw new GatewayError('delivery-failed', why, retryable);
  }

  if (deadline) {
    await markAwaitingMdn(context.db, messageId);
    context.log.info({ messageId, to: target, deadline }, 'AS2 message sent; awaiting the asynchronous MDN');
    return { status: 'awaiting-mdn', messageId, deadline, posted: true };
  }
  if (channel.mdn === 'none') return { status: 'delivered', messageId, mic: packed.mic };

  const verdict = checkMdn({
    contentType: response.headers['content-type'] ?? '',
    body: response.body,
    partnerCertificate: partnerCertificate(settings),
    requireSigned: channel.signedMdn,
    messageId,
    mic: packed.mic,
  });
  switch (verdict.status) {
    case 'delivered':
      if (verdict.warning !== undefined)
        context.log.warn(
          { messageId, warning: verdict.warning },
          'the partner processed the message with a warning',
        );
      return verdict.warning !== undefined
        ? { status: 'delivered', messageId, mic: packed.mic, mdn: verdict.mdn, warning: verdict.warning }
        : { status: 'delivered', messageId, mic: packed.mic, mdn: verdict.mdn };
    case 'refused':
      throw new GatewayError(
        'delivery-failed',
        `${target}: the partner refused ${name} (${messageId}) in its MDN: ${verdict.reason}`,
        false,
      );
    case 'invalid':
      throw new GatewayError(
        'delivery-failed',
        `${target}: the MDN for ${name} (${messageId}) does not prove delivery (${verdict.failure.code}): ${verdict.failure.message}`,
        false,
      );
  }
}

/** What packMessage is asked for, from the channel's settings. */
function sendRequest(
  partnerId: string,
  settings: As2Settings,
  channel: As2Outbound,
  name: string,
  body: string,
): SendRequest {
  const request: SendRequest = {
    // Acks and outbound documents are held as latin1 strings: one byte per character, as they were written.
    payload: Buffer.from(body, 'latin1'),
    payloadType: 'application/edi-x12',
    filename: name,
    signedReceipt: channel.mdn !== 'none' && channel.signedMdn,
  };
  if (channel.sign !== 'none') {
    const first = settings.identities[0];
    if (!first) {
      throw new GatewayError(
        'config-invalid',
        `partner ${partnerId}: signing needs one of our AS2 identities (certificate and key), and none is configured`,
        false,
      );
    }
    request.sign = { identity: ourIdentity(first), digest: channel.sign };
  }
  if (channel.encrypt !== 'none') {
    request.encrypt = {
      partner: partnerCertificate(settings),
      cipher: channel.encrypt,
      keyTransport: channel.keyTransport,
    };
  }
  if (channel.compress) request.compress = 'before-signing';
  return request;
}

// Parsing certificates and keys costs more than the rest of a small message; the loaded forms are kept for as
// long as the partner's settings object lives (a reload of the partner file makes new ones).
const identities = new WeakMap<As2KeyPair, LoadedIdentity>();
const certificates = new WeakMap<As2Settings, LoadedCertificate>();

function ourIdentity(pair: As2KeyPair): LoadedIdentity {
  let loaded = identities.get(pair);
  if (!loaded) {
    loaded = loadIdentity(pair.certificate.pem, pair.privateKeyPem);
    identities.set(pair, loaded);
  }
  return loaded;
}

export function partnerCertificate(settings: As2Settings): LoadedCertificate {
  let loaded = certificates.get(settings);
  if (!loaded) {
    loaded = loadCertificate(settings.certificate.pem);
    certificates.set(settings, loaded);
  }
  return loaded;
}

/** RFC 4130 §6.2: an AS2 name is an atom, or a quoted string when it has spaces or specials. */
export function as2Name(id: string): string {
  return /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]+$/.test(id) ? id : `"${id.replace(/(["\\])/g, '\\$1')}"`;
}

/** The URL without credentials, query or fragment: what logs and the delivery record may show. */
export function urlLabel(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(an unreadable AS2 URL)';
  }
}

async function failOpenMessage(db: Queryable, messageId: string, reason: string): Promise<void> {
  await settleAs2Sent(db, messageId, { status: 'failed', reason, disposition: null });
}

interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

class TimeoutError extends Error {}

/** One POST, whole: the timeout covers connecting, sending and reading the response (a partner that computes
 * a sync MDN slowly is as stuck, to us, as one that does not answer). */
function post(
  url: string,
  headers: Record<string, string>,
  body: Buffer,
  timeoutMs: number,
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    let settled = false;
    const finish = (error: Error | undefined, response?: HttpResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(response!);
    };
    const req = send(target, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) {
          req.destroy(new Error(`the response is larger than ${MAX_RESPONSE_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () =>
        finish(undefined, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', (e) => finish(e));
      res.on('close', () => {
        if (!res.complete) {
          const cut = Object.assign(new Error('the connection closed before the response was complete'), {
            code: 'ECONNRESET',
          });
          finish(cut);
        }
      });
    });
    const timer = setTimeout(() => {
      const error = new TimeoutError(`no complete response within ${timeoutMs} ms`);
      finish(error);
      req.destroy(error);
    }, timeoutMs);
    req.on('error', (e) => finish(e));
    req.end(body);
  });
}

function snippet(response: HttpResponse): string {
  const text = response.body.subarray(0, 200).toString('latin1').replace(/\s+/g, ' ').trim();
  return text ? `: ${text}` : '';
}
