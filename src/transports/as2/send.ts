// The sending direction's core, for the outbound channel: wrap a payload for a partner (compress, sign with our
// key, encrypt for the partner's certificate, as its configuration says) and compute the MIC its MDN must
// return. The MIC rules mirror receive.ts so that we agree with ourselves and with RFC 4130 §7.3.1.
import { MICALG_BY_DIGEST, type DigestName } from './algorithms.ts';
import type { LoadedCertificate, LoadedIdentity } from './certificates.ts';
import { compress } from './compress.ts';
import { encryptEnvelopedData, type EncryptOptions } from './encrypt.ts';
import { computeMic, type Mic } from './mic.ts';
import { paramValue, serializeEntity, type MimeHeader } from './mime.ts';
import { buildMultipartSigned } from './sign.ts';

export interface SendRequest {
  payload: Buffer;
  /** The payload's media type, e.g. `application/edi-x12`. */
  payloadType: string;
  filename?: string;
  sign?: { identity: LoadedIdentity; digest: DigestName };
  encrypt?: { partner: LoadedCertificate } & EncryptOptions;
  /** RFC 5402: compress the payload before signing (usual) or the signed entity after signing. */
  compress?: 'before-signing' | 'after-signing';
  /** Ask for a signed MDN (the Disposition-Notification-Options returned say so). */
  signedReceipt?: boolean;
}

export interface PackedMessage {
  /** HTTP Content-Type of the request. */
  contentType: string;
  body: Buffer;
  /** The MIC the partner's MDN must return. */
  mic: Mic;
  /** The Disposition-Notification-Options header to send, when a signed MDN is wanted. */
  dispositionNotificationOptions?: string;
}

export function packMessage(request: SendRequest): PackedMessage {
  const headers: MimeHeader[] = [
    { name: 'Content-Type', value: request.payloadType },
    { name: 'Content-Transfer-Encoding', value: 'binary' },
  ];
  if (request.filename)
    headers.push({
      name: 'Content-Disposition',
      value: `attachment; filename=${paramValue(request.filename)}`,
    });
  let entity = serializeEntity(headers, request.payload);
  if (request.compress === 'before-signing') entity = compressedEntity(entity);

  const micDigest = request.sign?.digest ?? 'sha256';
  let micContent: Buffer | undefined;
  if (request.sign) {
    micContent = entity;
    const signed = buildMultipartSigned(entity, request.sign.identity, request.sign.digest);
    entity = serializeEntity([{ name: 'Content-Type', value: signed.contentType }], signed.body);
  }
  if (request.compress === 'after-signing') entity = compressedEntity(entity);

  let contentType: string;
  let body: Buffer;
  if (request.encrypt) {
    micContent ??= entity;
    body = encryptEnvelopedData(entity, request.encrypt.partner, request.encrypt);
    contentType = 'application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"';
  } else {
    // Unwrapped, the outermost entity's headers travel as HTTP headers; the receiver sees only its Content-Type.
    const end = entity.indexOf('\r\n\r\n');
    const outer = entity.subarray(0, end).toString('latin1');
    contentType = /^Content-Type: (.*)$/m.exec(outer)![1]!.trim();
    body = entity.subarray(end + 4);
    micContent ??= serializeEntity([{ name: 'Content-Type', value: contentType }], body);
  }
  const mic = computeMic(micContent, micDigest);
  const packed: PackedMessage = { contentType, body, mic };
  if (request.signedReceipt) {
    packed.dispositionNotificationOptions = `signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, ${MICALG_BY_DIGEST[micDigest]}`;
  }
  return packed;
}

function compressedEntity(entity: Buffer): Buffer {
  return serializeEntity(
    [
      { name: 'Content-Type', value: 'application/pkcs7-mime; smime-type=compressed-data; name="smime.p7z"' },
      { name: 'Content-Transfer-Encoding', value: 'binary' },
    ],
    compress(entity),
  );
}
