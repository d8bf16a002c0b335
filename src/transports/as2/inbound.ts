// One incoming AS2 message, from its HTTP headers and body to the answer: open it (receive.ts), hand the payload
// to the intake, and build, record and return the MDN. The MDN says `processed` only once intake.receive()
// has returned (blob fsynced, receipt committed), and it is recorded before it is sent, so a repeated
// Message-ID is answered with the same bytes and never processed twice. No HTTP here: server.ts does that.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Intake } from '../../intake/receive.ts';
import type { Logger } from '../../log.ts';
import type { As2Settings, Partner } from '../../partners/partner.ts';
import type { Db } from '../../store/db.ts';
import {
  getAs2Message,
  recordAs2Message,
  releaseRefusedMdn,
  requeueMdn,
  type As2Message,
  type MdnMode,
  type MdnStatus,
} from '../../store/queries/as2-messages.ts';
import { checkAsyncMdnUrl } from './async-mdn-url.ts';
import {
  loadCertificate,
  loadIdentity,
  type LoadedCertificate,
  type LoadedIdentity,
} from './certificates.ts';
import type { As2Failure } from './failures.ts';
import { buildMdn } from './mdn.ts';
import { formatMic, type Mic } from './mic.ts';
import { headerValue, parseContentType } from './mime.ts';
import { chooseMicAlgorithm, parseNotificationOptions, wantsSignedReceipt } from './notification-options.ts';
import { receiveMessage } from './receive.ts';

/** The AS2 header fields of a request, values as sent (names are case-insensitive in HTTP). */
export interface As2RequestHeaders {
  as2From: string;
  as2To: string;
  /** With its angle brackets, as sent. */
  messageId: string;
  contentType: string;
  contentTransferEncoding?: string;
  dispositionNotificationTo?: string;
  dispositionNotificationOptions?: string;
  receiptDeliveryOption?: string;
}

/** A partner known to the registry, with its AS2 settings. */
export type As2Partner = Partner & { as2: As2Settings };

export interface InboundAnswer {
  status: number;
  /** [name, value] pairs: the MDN's own header fields for a synchronous MDN. */
  headers: [string, string][];
  body: Buffer;
  /** What happened, for the access log. */
  outcome: 'processed' | 'failed' | 'repeat';
  /** Set when an asynchronous MDN waits to be posted. */
  asyncMdnPending?: boolean;
}

export interface InboundDeps {
  db: Db;
  intake: Intake;
  log: Logger;
  /** Reporting-UA of our MDNs. */
  reportingUa?: string;
}

interface PartnerKeys {
  certificate: LoadedCertificate;
  identities: LoadedIdentity[];
}

// Parsing PEMs and checking that each key fits its certificate costs more than opening a small message; the
// settings object is replaced when the partner file is reloaded, which drops its entry here.
const keysCache = new WeakMap<As2Settings, PartnerKeys>();

/** The partner's certificate and our identities, loaded from the PEMs of its settings (once per settings). */
export function partnerKeys(settings: As2Settings): PartnerKeys {
  let keys = keysCache.get(settings);
  if (!keys) {
    keys = {
      certificate: loadCertificate(settings.certificate.pem),
      identities: settings.identities.map((i) => loadIdentity(i.certificate.pem, i.privateKeyPem)),
    };
    keysCache.set(settings, keys);
  }
  return keys;
}

/** How the sender wants its MDN: in the response, posted to a URL, or not at all (RFC 4130 §7.3). */
export function mdnMode(headers: As2RequestHeaders): MdnMode {
  if (!headers.dispositionNotificationTo) return 'none';
  return headers.receiptDeliveryOption ? 'async' : 'sync';
}

export async function handleInbound(
  deps: InboundDeps,
  partner: As2Partner,
  headers: As2RequestHeaders,
  body: Buffer,
): Promise<InboundAnswer> {
  const log = deps.log.child({ partnerId: partner.id, as2MessageId: headers.messageId });
  const earlier = await getAs2Message(deps.db, partner.id, headers.messageId);
  if (earlier?.status === 'processed') {
    let requeued: boolean;
    let row = earlier;
    if (earlier.mdnStatus === 'refused') {
      // Refused when it first came; the partner file may allow the URL since (the partner was asked to repeat).
      requeued =
        earlier.mdnUrl !== null &&
        checkAsyncMdnUrl(partner, earlier.mdnUrl).allowed &&
        (await releaseRefusedMdn(deps.db, partner.id, headers.messageId));
      if (requeued) row = (await getAs2Message(deps.db, partner.id, headers.messageId)) ?? earlier;
    } else {
      requeued = await requeueMdn(deps.db, partner.id, headers.messageId);
    }
    log.info(
      { receiptId: earlier.receiptId, mdn: earlier.mdnMode, asyncMdnRequeued: requeued },
      'AS2 message already received; answered with the MDN first sent, not processed again',
    );
    return {
      ...answerFrom(row),
      outcome: 'repeat',
      ...(requeued || row.mdnStatus === 'pending' ? { asyncMdnPending: true } : {}),
    };
  }

  const settings = partner.as2;
  const keys = partnerKeys(settings);
  const options = parseNotificationOptions(headers.dispositionNotificationOptions);
  const micAlgorithm = chooseMicAlgorithm(options);
  const unsupportedReceipt =
    options.signedReceiptProtocol?.importance === 'required' && !wantsSignedReceipt(options);

  let failure: As2Failure | undefined;
  let mic: Mic | undefined;
  let receiptId: number | null = null;
  const opened = receiveMessage({
    contentType: headers.contentType,
    ...(headers.contentTransferEncoding ? { contentTransferEncoding: headers.contentTransferEncoding } : {}),
    body,
    partner: {
      certificate: keys.certificate,
      requireSigned: settings.requireSigned,
      requireEncrypted: settings.requireEncrypted,
    },
    identities: keys.identities,
    ...(micAlgorithm ? { micAlgorithm } : {}),
  });
  if (!opened.ok) {
    failure = opened.failure;
    mic = opened.mic;
    log.warn(
      { code: failure.code, layer: failure.layer, reason: failure.message, size: body.length },
      'AS2 message refused; its payload is not stored',
    );
  } else if (unsupportedReceipt) {
    // RFC 4130 §7.5.3: a receipt we cannot give as required fails the whole request; nothing is stored.
    mic = opened.message.mic;
    log.warn(
      { options: headers.dispositionNotificationOptions },
      'AS2 message refused: it requires a signed-receipt protocol other than pkcs7-signature',
    );
  } else {
    mic = opened.message.mic;
    const fileName = payloadFileName(opened.message.payloadHeaders);
    // Throws on broken infrastructure: then no MDN is sent at all, and the sender tries again.
    const arrival = await deps.intake.receive(Readable.from([opened.message.payload]), {
      channel: { kind: 'as2', id: `${partner.id}/as2` },
      partnerId: partner.id,
      messageId: headers.messageId,
      ...(fileName ? { fileName } : {}),
    });
    receiptId = (arrival.duplicateOf ?? arrival.receipt).id;
    log.info(
      {
        receiptId,
        layers: opened.message.layers,
        cipher: opened.message.encrypted?.cipher,
        signedWith: opened.message.signature?.digest,
      },
      'AS2 message received',
    );
  }

  const mode = mdnMode(headers);
  const processed = !failure && !unsupportedReceipt;
  const mdnUrl = mode === 'async' ? headers.receiptDeliveryOption!.trim() : null;
  let mdnStatus: MdnStatus = mode === 'async' ? 'pending' : mode === 'sync' ? 'sent' : 'none';
  let mdnRefusal: string | null = null;
  if (mdnUrl !== null) {
    // Only a message that passed the partner's checks (its signature, or the partner file waiving one) speaks
    // for the partner; a failed one may come from anyone, so its Receipt-Delivery-Option is never called.
    // RFC 4130 has no answer for that case; we answer the request itself with HTTP 400 (answerFrom).
    const verdict = opened.ok
      ? checkAsyncMdnUrl(partner, mdnUrl)
      : {
          allowed: false as const,
          reason: `the message was refused (${failure!.code}), so it does not speak for the partner: no address it names is called`,
        };
    if (!verdict.allowed) {
      mdnStatus = 'refused';
      mdnRefusal = verdict.reason;
      log.warn({ mdnHost: hostOf(mdnUrl), reason: verdict.reason }, 'asynchronous MDN not posted');
    }
  }
  let mdnHeaders: [string, string][] | null = null;
  let mdnBody: Buffer | null = null;
  let disposition: string | null = null;
  // A failed message whose MDN is refused is answered with HTTP 400 instead, so it needs no MDN.
  if (mode !== 'none' && (processed || mdnStatus !== 'refused')) {
    const mdn = buildMdn({
      originalMessageId: headers.messageId,
      ourAs2Id: settings.ourAs2Id,
      options,
      ...(failure ? { failure } : {}),
      ...(mic ? { mic } : {}),
      ...(keys.identities[0] ? { identity: keys.identities[0] } : {}),
      ...(deps.reportingUa ? { reportingUa: deps.reportingUa } : {}),
    });
    disposition = mdn.disposition;
    mdnBody = mdn.body;
    mdnHeaders = [
      ['Content-Type', mdn.contentType],
      ['Mime-Version', '1.0'],
      ['AS2-Version', '1.2'],
      ['AS2-From', as2Name(settings.ourAs2Id)],
      ['AS2-To', as2Name(settings.as2Id)],
      ['Message-ID', newMessageId()],
      ['Date', new Date().toUTCString()],
    ];
  }
  const row = await recordAs2Message(deps.db, {
    partnerId: partner.id,
    messageId: headers.messageId,
    as2From: headers.as2From,
    as2To: headers.as2To,
    status: processed ? 'processed' : 'failed',
    receiptId,
    failureCode: failure?.code ?? (unsupportedReceipt ? 'unsupported-format' : null),
    failureMessage: failure?.message ?? null,
    mic: mic ? formatMic(mic) : null,
    mdnMode: mode,
    disposition,
    mdnHeaders,
    mdnBody,
    mdnUrl,
    mdnStatus,
    mdnLastError: mdnRefusal,
  });
  const answer = answerFrom(row);
  return {
    ...answer,
    outcome: processed ? 'processed' : 'failed',
    ...(row.mdnStatus === 'pending' ? { asyncMdnPending: true } : {}),
  };
}

/**
 * The HTTP answer a recorded message gets: its MDN in the response when it was synchronous, else 200 and a
 * short text (an asynchronous MDN travels separately). A failed message whose asynchronous MDN is refused gets
 * 400 with the failure: its sender learns at once, where a partner's software would otherwise wait for an MDN
 * that never comes. The reason an MDN is refused stays in the row and the log, not the answer: a repeat of a
 * processed message is answered without being opened again.
 */
function answerFrom(row: As2Message): Pick<InboundAnswer, 'status' | 'headers' | 'body'> {
  if (row.mdnMode === 'sync' && row.mdnHeaders && row.mdnBody) {
    return { status: 200, headers: row.mdnHeaders, body: row.mdnBody };
  }
  let status = 200;
  let text = 'received\r\n';
  if (row.mdnMode === 'async' && row.mdnStatus === 'refused') {
    if (row.status === 'failed') {
      status = 400;
      text = `the message was refused (${row.failureCode ?? 'unexpected-processing-error'})${row.failureMessage ? `: ${row.failureMessage}` : ''}; no asynchronous MDN is posted for it\r\n`;
    } else {
      text =
        'received; no MDN is posted: the partner file does not allow the Receipt-Delivery-Option URL\r\n';
    }
  } else if (row.mdnMode === 'async') {
    text = 'received; the MDN follows asynchronously\r\n';
  }
  return {
    status,
    headers: [['Content-Type', 'text/plain; charset=us-ascii']],
    body: Buffer.from(text.replace(/[^\x20-\x7e\r\n]/g, '?'), 'latin1'),
  };
}

/** The host of a URL for the log; the URL itself may carry anything the sender chose. */
function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

function payloadFileName(headers: { name: string; value: string }[]): string | undefined {
  const disposition = headerValue(headers, 'Content-Disposition');
  if (!disposition) return undefined;
  // Content-Disposition has the same `type; name=value` shape as Content-Type.
  const name = parseContentType(`x/${disposition}`).params.get('filename');
  // Only a base name: the sender's path means nothing here.
  return name?.split(/[\\/]/).pop() || undefined;
}

/** AS2 names with spaces are sent quoted (RFC 4130 §6.2). */
function as2Name(id: string): string {
  return /^[\x21-\x7e]+$/.test(id) && !/["\\]/.test(id) ? id : `"${id.replace(/(["\\])/g, '\\$1')}"`;
}

function newMessageId(): string {
  return `<dockside-mdn-${Date.now().toString(36)}-${randomBytes(8).toString('hex')}@${hostname()}>`;
}
