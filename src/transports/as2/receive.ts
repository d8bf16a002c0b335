// Opening an incoming AS2 message: undo its layers from the outside in (encryption, signature, compression,
// in whatever order the sender nested them), check each against the partner's configuration, and compute the
// Received-Content-MIC the MDN returns. Pure: Buffers and loaded keys in, a value out; no HTTP here.
import { OID, digestForMicalg, type DigestName } from './algorithms.ts';
import type { LoadedCertificate, LoadedIdentity } from './certificates.ts';
import { DEFAULT_MAX_DECOMPRESSED_BYTES, decompress } from './compress.ts';
import { peekContentType } from './cms.ts';
import { decryptEnvelopedData, type Decrypted } from './decrypt.ts';
import { As2Error, toFailure, type As2Failure } from './failures.ts';
import { computeMic, type Mic } from './mic.ts';
import {
  decodeBody,
  entityContentType,
  parseEntity,
  serializeEntity,
  splitMultipart,
  type MimeEntity,
  type MimeHeader,
} from './mime.ts';
import { verifyDetachedSignature, type VerifiedSignature } from './verify.ts';

export interface As2PartnerSecurity {
  /** The partner's certificate: the only one whose signatures are accepted. */
  certificate: LoadedCertificate;
  /** Refuse messages that are not signed (insufficient-message-security). */
  requireSigned: boolean;
  /** Refuse messages that are not encrypted. */
  requireEncrypted: boolean;
}

export interface ReceiveRequest {
  /** The HTTP Content-Type header. */
  contentType: string;
  /** The HTTP Content-Transfer-Encoding header, when the sender set one (some send base64 bodies). */
  contentTransferEncoding?: string;
  body: Buffer;
  partner: As2PartnerSecurity;
  /** Our certificates and keys; more than one while a new certificate is being rolled out. */
  identities: readonly LoadedIdentity[];
  /** The digest for the MIC, and its name as the sender spelt it (from Disposition-Notification-Options);
   * without it, the digest of the partner's signature, or SHA-256 for an unsigned message. */
  micAlgorithm?: { digest: DigestName; name: string };
  maxDecompressedBytes?: number;
}

export interface ReceivedMessage {
  /** The payload after every layer is undone, its Content-Transfer-Encoding decoded. */
  payload: Buffer;
  /** The MIME header fields of the payload entity (its Content-Type, a filename in Content-Disposition). */
  payloadHeaders: MimeHeader[];
  /** The layers found, outermost first, e.g. ['enveloped-data', 'multipart/signed', 'compressed-data']. */
  layers: string[];
  encrypted?: Pick<Decrypted, 'cipher' | 'keyTransport'>;
  signature?: VerifiedSignature;
  compressed: boolean;
  mic: Mic;
}

export type ReceiveResult =
  { ok: true; message: ReceivedMessage } | { ok: false; failure: As2Failure; mic?: Mic };

const MAX_LAYERS = 8;

export function receiveMessage(request: ReceiveRequest): ReceiveResult {
  const topHeaders: MimeHeader[] = [{ name: 'Content-Type', value: request.contentType }];
  if (request.contentTransferEncoding)
    topHeaders.push({ name: 'Content-Transfer-Encoding', value: request.contentTransferEncoding });
  let entity: MimeEntity = { headers: topHeaders, body: request.body };
  const layers: string[] = [];
  let micContent: Buffer | undefined;
  let micDigest: DigestName | undefined;
  let encrypted: Decrypted | undefined;
  let signature: VerifiedSignature | undefined;
  let compressed = false;
  const mic = (): Mic => {
    // RFC 4130 §7.3.1: over the signed entity when signed, over the decrypted entity when only encrypted, and
    // over the entity with its MIME headers otherwise.
    const content = micContent ?? serializeEntity(topHeaders, request.body);
    const digest = request.micAlgorithm?.digest ?? micDigest ?? 'sha256';
    return request.micAlgorithm
      ? computeMic(content, digest, request.micAlgorithm.name)
      : computeMic(content, digest);
  };

  try {
    for (let depth = 0; ; depth++) {
      if (depth >= MAX_LAYERS)
        throw new As2Error('unexpected-processing-error', `more than ${MAX_LAYERS} nested layers`);
      const type = entityContentType(entity);
      if (type.mediaType === 'application/pkcs7-mime' || type.mediaType === 'application/x-pkcs7-mime') {
        const der = decodeBody(entity);
        const kind = cmsKind(der, type.params.get('smime-type'));
        if (kind === 'enveloped-data') {
          layers.push(kind);
          encrypted = decryptEnvelopedData(der, request.identities);
          if (micContent === undefined && signature === undefined) micContent = encrypted.content;
          entity = parseEntity(encrypted.content);
          continue;
        }
        if (kind === 'compressed-data') {
          layers.push(kind);
          const inflated = decompress(der, request.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES);
          compressed = true;
          entity = parseEntity(inflated);
          continue;
        }
        throw new As2Error(
          'unexpected-processing-error',
          `application/pkcs7-mime with smime-type ${kind} is not an AS2 layer we accept`,
        );
      }
      if (type.mediaType === 'multipart/signed') {
        layers.push('multipart/signed');
        const protocol = (type.params.get('protocol') ?? '').toLowerCase();
        if (protocol !== 'application/pkcs7-signature' && protocol !== 'application/x-pkcs7-signature') {
          throw new As2Error(
            'authentication-failed',
            `multipart/signed with protocol "${protocol}" is not a CMS signature`,
          );
        }
        const boundary = type.params.get('boundary');
        if (!boundary)
          throw new As2Error('unexpected-processing-error', 'multipart/signed without a boundary');
        const parts = splitMultipart(entity.body, boundary);
        if (parts.length !== 2)
          throw new As2Error('authentication-failed', `multipart/signed has ${parts.length} parts, not 2`);
        const [signedPart, signaturePart] = parts as [Buffer, Buffer];
        const signatureEntity = parseEntity(signaturePart);
        const outermost = signature === undefined;
        if (outermost) {
          micContent = signedPart;
          micDigest = digestForMicalg(type.params.get('micalg') ?? '');
        }
        const verified = verifyDetachedSignature(
          signedPart,
          decodeBody(signatureEntity),
          request.partner.certificate,
        );
        if (outermost) {
          signature = verified;
          micDigest = verified.digest;
        }
        entity = parseEntity(signedPart);
        continue;
      }
      break;
    }
    if (request.partner.requireEncrypted && !encrypted) {
      throw new As2Error(
        'insufficient-message-security',
        'the partner is configured to send encrypted messages, and this one is not encrypted',
      );
    }
    if (request.partner.requireSigned && !signature) {
      throw new As2Error(
        'insufficient-message-security',
        'the partner is configured to sign its messages, and this one is not signed',
      );
    }
    const message: ReceivedMessage = {
      payload: decodeBody(entity),
      payloadHeaders: entity.headers,
      layers,
      compressed,
      mic: mic(),
    };
    if (encrypted) message.encrypted = { cipher: encrypted.cipher, keyTransport: encrypted.keyTransport };
    if (signature) message.signature = signature;
    return { ok: true, message };
  } catch (error) {
    const failure = toFailure(error, layers.join(' > ') || 'message', 'unexpected-processing-error');
    // An MDN for an integrity failure still reports the MIC of what arrived, so the sender can compare.
    return failure.code === 'integrity-check-failed' && micContent !== undefined
      ? { ok: false, failure, mic: mic() }
      : { ok: false, failure };
  }
}

/** Which CMS structure a pkcs7-mime body holds. The smime-type parameter is optional and senders get it
 * wrong, so the ContentInfo's own content type decides. */
function cmsKind(der: Buffer, smimeType: string | undefined): string {
  const oid = peekContentType(der);
  if (oid === OID.envelopedData) return 'enveloped-data';
  if (oid === OID.compressedData) return 'compressed-data';
  if (oid === OID.signedData) return 'signed-data';
  if (oid !== undefined) return oid;
  if (smimeType) return smimeType.toLowerCase();
  throw new As2Error('unexpected-processing-error', 'an application/pkcs7-mime body is not a CMS structure');
}
