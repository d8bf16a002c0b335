// Verifying a detached CMS SignedData (RFC 5652 §5, the second part of a multipart/signed) against the ONE
// certificate configured for the partner. The certificate a message carries is never trusted: a forged
// certificate can copy the partner's issuer and serial number, so the signature is checked with the
// configured public key, and a carried certificate that names the signer must be the configured one.
import {
  constants,
  createHash,
  timingSafeEqual,
  verify as verifySignature,
  type KeyObject,
} from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { DIGEST_BY_OID, OID, SIGNATURE_DIGEST, type DigestName } from './algorithms.ts';
import { describeIdentifier, identifiesCertificate, type LoadedCertificate } from './certificates.ts';
import { octets, readContentInfo } from './cms.ts';
import { As2Error } from './failures.ts';

export interface VerifiedSignature {
  digest: DigestName;
  signingTime?: Date;
}

/** Checks that `signedContent` (the bytes exactly as received) is signed by `partner`. Throws As2Error:
 * authentication-failed when the signer is not the partner or the signature is wrong, integrity-check-failed
 * when the signature is the partner's but the content is not what was signed. */
export function verifyDetachedSignature(
  signedContent: Buffer,
  signatureDer: Buffer,
  partner: LoadedCertificate,
): VerifiedSignature {
  const info = readContentInfo(signatureDer, 'authentication-failed');
  if (info.contentType !== OID.signedData) {
    throw new As2Error(
      'authentication-failed',
      `expected CMS SignedData, found content type ${info.contentType}`,
    );
  }
  let signed: pkijs.SignedData;
  try {
    signed = new pkijs.SignedData({ schema: info.content });
  } catch (error) {
    throw new As2Error(
      'authentication-failed',
      `the SignedData does not parse: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (signed.encapContentInfo.eContent !== undefined) {
    throw new As2Error(
      'authentication-failed',
      'the signature of a multipart/signed must be detached, and this one carries content',
    );
  }
  const signer = signed.signerInfos.find((s) => identifiesCertificate(s.sid, partner.parsed));
  if (!signer) {
    const names = signed.signerInfos.map((s) => describeIdentifier(s.sid)).join('; ');
    throw new As2Error(
      'authentication-failed',
      `signed by ${names || 'nobody'}, not by the partner's certificate (${partner.subject})`,
    );
  }
  for (const carried of signed.certificates ?? []) {
    if (!(carried instanceof pkijs.Certificate) || !identifiesCertificate(signer.sid, carried)) continue;
    const der = Buffer.from(carried.toSchema().toBER(false));
    const spki = Buffer.from(carried.subjectPublicKeyInfo.toSchema().toBER(false));
    if (!der.equals(partner.der) && !spki.equals(partner.spki)) {
      throw new As2Error(
        'authentication-failed',
        `the message carries a certificate that names the partner's issuer and serial but has another public key than the configured certificate (${partner.subject})`,
      );
    }
  }

  const digest = DIGEST_BY_OID.get(signer.digestAlgorithm.algorithmId);
  if (!digest)
    throw new As2Error(
      'authentication-failed',
      `digest algorithm ${signer.digestAlgorithm.algorithmId} is not accepted`,
    );

  if (!signer.signedAttrs) {
    // Without signed attributes the signature covers the content itself: a tampered content and a wrong
    // signer cannot be told apart, so both are an authentication failure.
    checkSignature(signer, digest, signedContent, partner.publicKey);
    return { digest };
  }
  const attributes = signer.signedAttrs.attributes;
  const contentType = single(attributes, OID.contentTypeAttr);
  if (
    !(contentType instanceof asn1js.ObjectIdentifier) ||
    contentType.valueBlock.toString() !== signed.encapContentInfo.eContentType
  ) {
    throw new As2Error(
      'authentication-failed',
      'the content-type signed attribute is missing or differs from the signed content type',
    );
  }
  const messageDigest = single(attributes, OID.messageDigestAttr);
  if (!(messageDigest instanceof asn1js.OctetString)) {
    throw new As2Error('authentication-failed', 'the message-digest signed attribute is missing');
  }
  // The signature covers the DER of the attributes as a SET OF (RFC 5652 §5.4), taken from the bytes received
  // rather than re-encoded, so an encoder quirk on either side cannot break or fake a match.
  const signedAttrsDer = Buffer.concat([Buffer.from(signer.signedAttrs.encodedValue)]);
  if (signedAttrsDer.length === 0)
    throw new As2Error('authentication-failed', 'the signed attributes have no encoding');
  signedAttrsDer[0] = 0x31;
  checkSignature(signer, digest, signedAttrsDer, partner.publicKey);

  const expected = octets(messageDigest);
  const actual = createHash(digest).update(signedContent).digest();
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    throw new As2Error(
      'integrity-check-failed',
      `the ${digest} digest of the signed content differs from the one the partner signed`,
    );
  }
  const time = single(attributes, OID.signingTimeAttr);
  const signingTime =
    time instanceof asn1js.UTCTime || time instanceof asn1js.GeneralizedTime ? time.toDate() : undefined;
  return signingTime ? { digest, signingTime } : { digest };
}

function single(attributes: pkijs.Attribute[], type: string): unknown {
  const found = attributes.filter((a) => a.type === type);
  if (found.length > 1 || (found.length === 1 && found[0]!.values.length !== 1)) {
    throw new As2Error(
      'authentication-failed',
      `the signed attribute ${type} must occur once with one value`,
    );
  }
  return found[0]?.values[0];
}

function checkSignature(signer: pkijs.SignerInfo, digest: DigestName, data: Buffer, key: KeyObject): void {
  const algorithm = signer.signatureAlgorithm.algorithmId;
  const signature = octets(signer.signature);
  let ok: boolean;
  try {
    ok = verifyWith(
      algorithm,
      signer.signatureAlgorithm.algorithmParams as unknown,
      digest,
      data,
      key,
      signature,
    );
  } catch (error) {
    if (error instanceof As2Error) throw error;
    ok = false;
  }
  if (!ok)
    throw new As2Error(
      'authentication-failed',
      "the signature does not verify with the partner's certificate",
    );
}

function verifyWith(
  algorithm: string,
  params: unknown,
  digest: DigestName,
  data: Buffer,
  key: KeyObject,
  signature: Buffer,
): boolean {
  const keyType = key.asymmetricKeyType;
  if (algorithm === OID.rsaEncryption) {
    if (keyType !== 'rsa') return false;
    return verifySignature(digest, data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
  }
  if (algorithm === OID.ecPublicKey) {
    if (keyType !== 'ec') return false;
    return verifySignature(digest, data, key, signature);
  }
  const named = SIGNATURE_DIGEST.get(algorithm);
  if (named) {
    if (named.digest !== digest) {
      throw new As2Error(
        'authentication-failed',
        `the signature algorithm uses ${named.digest} but the signer's digest is ${digest}`,
      );
    }
    if (named.key !== (keyType === 'rsa' ? 'rsa' : keyType === 'ec' ? 'ec' : undefined)) return false;
    return named.key === 'rsa'
      ? verifySignature(digest, data, { key, padding: constants.RSA_PKCS1_PADDING }, signature)
      : verifySignature(digest, data, key, signature);
  }
  if (algorithm === OID.rsassaPss) {
    if (keyType !== 'rsa' && keyType !== 'rsa-pss') return false;
    const pss = new pkijs.RSASSAPSSParams(params instanceof asn1js.Sequence ? { schema: params } : {});
    const hash = DIGEST_BY_OID.get(pss.hashAlgorithm.algorithmId);
    const mgfHash = new pkijs.AlgorithmIdentifier({ schema: pss.maskGenAlgorithm.algorithmParams });
    if (hash !== digest || DIGEST_BY_OID.get(mgfHash.algorithmId) !== digest) {
      throw new As2Error('authentication-failed', 'RSASSA-PSS parameters disagree with the signer digest');
    }
    return verifySignature(
      digest,
      data,
      { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: pss.saltLength },
      signature,
    );
  }
  throw new As2Error('authentication-failed', `signature algorithm ${algorithm} is not accepted`);
}
