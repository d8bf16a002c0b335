// Building the MDN we answer an AS2 message with (RFC 4130 §7, RFC 3798): a multipart/report with a human
// readable part and a message/disposition-notification part, signed as multipart/signed when the sender asked
// for a signed receipt. The disposition modifier is the failure code of receive.ts, so an MDN always says
// precisely why a message was refused.
import { randomBytes } from 'node:crypto';
import type { LoadedIdentity } from './certificates.ts';
import type { As2Failure } from './failures.ts';
import { formatMic, type Mic } from './mic.ts';
import { buildMultipart, serializeEntity } from './mime.ts';
import { chooseMicAlgorithm, wantsSignedReceipt, type NotificationOptions } from './notification-options.ts';
import { buildMultipartSigned } from './sign.ts';

export interface MdnRequest {
  /** The Message-ID of the message answered, as received (angle brackets included). */
  originalMessageId: string;
  /** Our AS2 identifier (the AS2-To of the message answered). */
  ourAs2Id: string;
  /** What the sender asked for in Disposition-Notification-Options. */
  options: NotificationOptions;
  /** Absent when the message was processed. */
  failure?: As2Failure;
  mic?: Mic;
  /** Our key and certificate, to sign the MDN when the sender asked for a signed one. */
  identity?: LoadedIdentity;
  reportingUa?: string;
  boundary?: string;
  signingTime?: Date;
}

export interface BuiltMdn {
  /** The Content-Type header of the HTTP response (or of the asynchronous MDN request). */
  contentType: string;
  body: Buffer;
  signed: boolean;
  disposition: string;
}

const ACTION = 'automatic-action/MDN-sent-automatically';

export function dispositionLine(failure: As2Failure | undefined, options: NotificationOptions = {}): string {
  // RFC 4130 §7.5.3: a required signed-receipt protocol we cannot use fails the request as an unsupported format.
  if (options.signedReceiptProtocol?.importance === 'required' && !wantsSignedReceipt(options)) {
    return `${ACTION}; failed/Failure: unsupported format`;
  }
  return failure ? `${ACTION}; processed/Error: ${failure.code}` : `${ACTION}; processed`;
}

export function buildMdn(request: MdnRequest): BuiltMdn {
  const disposition = dispositionLine(request.failure, request.options);
  const reportBoundary = request.boundary ?? `----=_dockside_report_${randomBytes(12).toString('hex')}`;
  const explanation = request.failure
    ? `The AS2 message ${request.originalMessageId} was received but could not be processed (${request.failure.code}): ${request.failure.message}.`
    : `The AS2 message ${request.originalMessageId} was received and processed. This receipt does not say that its content is valid EDI.`;
  const human = serializeEntity(
    [
      { name: 'Content-Type', value: 'text/plain; charset=us-ascii' },
      { name: 'Content-Transfer-Encoding', value: '7bit' },
    ],
    Buffer.from(asciiOnly(explanation) + '\r\n', 'latin1'),
  );
  const fields = [
    `Reporting-UA: ${request.reportingUa ?? 'Dockside'}`,
    `Original-Recipient: rfc822; ${request.ourAs2Id}`,
    `Final-Recipient: rfc822; ${request.ourAs2Id}`,
    `Original-Message-ID: ${request.originalMessageId}`,
    ...(request.mic ? [`Received-Content-MIC: ${formatMic(request.mic)}`] : []),
    `Disposition: ${disposition}`,
  ];
  const notification = serializeEntity(
    [
      { name: 'Content-Type', value: 'message/disposition-notification' },
      { name: 'Content-Transfer-Encoding', value: '7bit' },
    ],
    Buffer.from(fields.map(asciiOnly).join('\r\n') + '\r\n', 'latin1'),
  );
  const reportType = `multipart/report; report-type=disposition-notification; boundary="${reportBoundary}"`;
  const reportBody = buildMultipart([human, notification], reportBoundary);
  if (!wantsSignedReceipt(request.options) || !request.identity) {
    return { contentType: reportType, body: reportBody, signed: false, disposition };
  }
  const algorithm = chooseMicAlgorithm(request.options) ?? { digest: 'sha256' as const, name: 'sha-256' };
  const signed = buildMultipartSigned(
    serializeEntity([{ name: 'Content-Type', value: reportType }], reportBody),
    request.identity,
    algorithm.digest,
    {
      micalg: algorithm.name,
      ...(request.signingTime ? { signingTime: request.signingTime } : {}),
    },
  );
  return { contentType: signed.contentType, body: signed.body, signed: true, disposition };
}

/** MDN fields are 7-bit text; a message id or failure text with other characters must not break that. */
function asciiOnly(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}
