// Reading an MDN a partner sent back for one of our messages: its signature must be the partner's (the same
// rule as for messages, verify.ts), it must answer our Message-ID, its disposition must be `processed`, and its
// Received-Content-MIC must equal the MIC we computed when sending. Only then is a message delivered.
import type { LoadedCertificate } from './certificates.ts';
import { As2Error, toFailure, type As2Failure } from './failures.ts';
import { micsEqual, parseMic, type Mic } from './mic.ts';
import {
  decodeBody,
  entityContentType,
  headerValue,
  parseEntity,
  parseHeaderBlock,
  splitMultipart,
  type MimeEntity,
} from './mime.ts';
import { verifyDetachedSignature } from './verify.ts';

export interface MdnCheck {
  contentType: string;
  body: Buffer;
  partnerCertificate: LoadedCertificate;
  /** We asked for a signed MDN: an unsigned one is not proof of receipt. */
  requireSigned: boolean;
  /** The Message-ID we sent, angle brackets included. */
  messageId: string;
  /** The MIC we computed for the message sent (send.ts). */
  mic: Mic;
}

export interface ParsedDisposition {
  actionMode: string;
  sendingMode: string;
  /** `processed`, `failed`, `denied`... lower-cased. */
  type: string;
  /** `error`, `warning` or `failure`, lower-cased, when the partner added one. */
  modifierKind?: string;
  modifierText?: string;
}

export interface ReadMdn {
  signed: boolean;
  originalMessageId?: string;
  disposition: ParsedDisposition;
  mic?: Mic;
  /** The human-readable part, for the operator. */
  text?: string;
}

export type MdnVerdict =
  /** The partner processed the message, the MDN is authentic and its MIC is ours. */
  | { status: 'delivered'; mdn: ReadMdn; warning?: string }
  /** An authentic MDN in which the partner refuses the message. */
  | { status: 'refused'; mdn: ReadMdn; reason: string }
  /** The MDN itself cannot be trusted or does not answer our message; the delivery is not proven. */
  | { status: 'invalid'; failure: As2Failure; mdn?: ReadMdn };

export function checkMdn(check: MdnCheck): MdnVerdict {
  let mdn: ReadMdn | undefined;
  try {
    let entity: MimeEntity = {
      headers: [{ name: 'Content-Type', value: check.contentType }],
      body: check.body,
    };
    let signed = false;
    let type = entityContentType(entity);
    if (type.mediaType === 'multipart/signed') {
      const parts = splitMultipart(entity.body, requiredBoundary(type.params.get('boundary')));
      if (parts.length !== 2)
        throw new As2Error('authentication-failed', `the signed MDN has ${parts.length} parts, not 2`);
      const [signedPart, signaturePart] = parts as [Buffer, Buffer];
      verifyDetachedSignature(signedPart, decodeBody(parseEntity(signaturePart)), check.partnerCertificate);
      signed = true;
      entity = parseEntity(signedPart);
      type = entityContentType(entity);
    } else if (check.requireSigned) {
      throw new As2Error(
        'insufficient-message-security',
        'we asked for a signed MDN and the partner sent an unsigned one',
      );
    }
    if (type.mediaType !== 'multipart/report') {
      throw new As2Error(
        'unexpected-processing-error',
        `an MDN is a multipart/report, not ${type.mediaType}`,
      );
    }
    const parts = splitMultipart(entity.body, requiredBoundary(type.params.get('boundary'))).map(parseEntity);
    const notification = parts.find(
      (p) => entityContentType(p).mediaType === 'message/disposition-notification',
    );
    if (!notification)
      throw new As2Error(
        'unexpected-processing-error',
        'the MDN has no message/disposition-notification part',
      );
    const text = parts.find((p) => entityContentType(p).mediaType === 'text/plain');
    const fields = parseHeaderBlock(decodeBody(notification).toString('latin1'));
    const dispositionField = headerValue(fields, 'disposition');
    if (!dispositionField)
      throw new As2Error('unexpected-processing-error', 'the MDN has no Disposition field');
    mdn = { signed, disposition: parseDisposition(dispositionField) };
    const originalMessageId = headerValue(fields, 'original-message-id');
    if (originalMessageId) mdn.originalMessageId = originalMessageId;
    const micField = headerValue(fields, 'received-content-mic');
    const mic = micField ? parseMic(micField) : undefined;
    if (mic) mdn.mic = mic;
    if (text) mdn.text = decodeBody(text).toString('latin1').trim();

    if (
      originalMessageId !== undefined &&
      stripBrackets(originalMessageId) !== stripBrackets(check.messageId)
    ) {
      throw new As2Error(
        'unexpected-processing-error',
        `the MDN answers ${originalMessageId}, not ${check.messageId}`,
      );
    }
    const { disposition } = mdn;
    if (
      disposition.type !== 'processed' ||
      (disposition.modifierKind !== undefined && disposition.modifierKind !== 'warning')
    ) {
      const reason = disposition.modifierText
        ? `${disposition.type}/${disposition.modifierKind}: ${disposition.modifierText}`
        : disposition.type;
      return { status: 'refused', mdn, reason };
    }
    if (!mic)
      throw new As2Error('integrity-check-failed', 'the MDN says processed but has no Received-Content-MIC');
    if (!micsEqual(mic, check.mic)) {
      throw new As2Error(
        'integrity-check-failed',
        `the MDN's MIC (${mic.digest}, ${mic.algorithm}) is not the MIC of the message we sent`,
      );
    }
    return disposition.modifierKind === 'warning'
      ? { status: 'delivered', mdn, warning: disposition.modifierText ?? '' }
      : { status: 'delivered', mdn };
  } catch (error) {
    const failure = toFailure(error, 'mdn', 'unexpected-processing-error');
    return mdn ? { status: 'invalid', failure, mdn } : { status: 'invalid', failure };
  }
}

/** `automatic-action/MDN-sent-automatically; processed/Error: decryption-failed` (RFC 3798 §3.2.6). */
export function parseDisposition(value: string): ParsedDisposition {
  const m =
    /^\s*([^/;\s]+)\s*\/\s*([^;\s]+)\s*;\s*([A-Za-z-]+)\s*(?:\/\s*([A-Za-z-]+)\s*(?::\s*(.*?))?)?\s*$/.exec(
      value,
    );
  if (!m) throw new As2Error('unexpected-processing-error', `"${value.slice(0, 120)}" is not a disposition`);
  const parsed: ParsedDisposition = { actionMode: m[1]!, sendingMode: m[2]!, type: m[3]!.toLowerCase() };
  if (m[4]) parsed.modifierKind = m[4].toLowerCase();
  if (m[5]) parsed.modifierText = m[5];
  return parsed;
}

function requiredBoundary(boundary: string | undefined): string {
  if (!boundary) throw new As2Error('unexpected-processing-error', 'a multipart MDN has no boundary');
  return boundary;
}

function stripBrackets(id: string): string {
  return id.trim().replace(/^<(.*)>$/, '$1');
}
