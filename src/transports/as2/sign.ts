// Signing: a detached CMS SignedData over a MIME entity (RFC 5652 §5, RFC 5751 §3.5), wrapped as the
// multipart/signed (RFC 1847) that AS2 messages and signed MDNs are. Signed attributes are always included
// (content type, signing time, message digest) because partners check them, and our certificate travels in
// the message so a partner can see which of ours signed.
import { constants, createHash, randomBytes, sign as createSignature } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { MICALG_BY_DIGEST, OID, OID_BY_DIGEST, type DigestName } from './algorithms.ts';
import type { LoadedIdentity } from './certificates.ts';
import { toDer } from './cms.ts';
import { base64Lines, buildMultipart, serializeEntity } from './mime.ts';

export function signDetached(
  content: Buffer,
  identity: LoadedIdentity,
  digest: DigestName,
  signingTime = new Date(),
): Buffer {
  const certificate = identity.certificate.parsed;
  const digestAlgorithm = new pkijs.AlgorithmIdentifier({
    algorithmId: OID_BY_DIGEST[digest],
    algorithmParams: new asn1js.Null(),
  });
  const attributes = [
    new pkijs.Attribute({
      type: OID.contentTypeAttr,
      values: [new asn1js.ObjectIdentifier({ value: OID.data })],
    }),
    new pkijs.Attribute({
      type: OID.signingTimeAttr,
      values: [new asn1js.UTCTime({ valueDate: signingTime })],
    }),
    new pkijs.Attribute({
      type: OID.messageDigestAttr,
      values: [new asn1js.OctetString({ valueHex: createHash(digest).update(content).digest() })],
    }),
  ];
  // DER of a SET OF sorts its elements by their encodings (X.690 §11.6). The signature covers that SET, and
  // pkijs writes the attributes in the order given, so they are given sorted.
  const encoded = attributes.map((attribute) => ({ attribute, der: toDer(attribute.toSchema()) }));
  encoded.sort((a, b) => Buffer.compare(a.der, b.der));
  const signedAttrs = new pkijs.SignedAndUnsignedAttributes({
    type: 0,
    attributes: encoded.map((e) => e.attribute),
  });
  const attributesDer = Buffer.concat(encoded.map((e) => e.der));
  const setDer = Buffer.concat([Buffer.of(0x31), derLength(attributesDer.length), attributesDer]);
  const rsa = identity.privateKey.asymmetricKeyType === 'rsa';
  const signature = rsa
    ? createSignature(digest, setDer, { key: identity.privateKey, padding: constants.RSA_PKCS1_PADDING })
    : createSignature(digest, setDer, identity.privateKey);
  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({
      issuer: certificate.issuer,
      serialNumber: certificate.serialNumber,
    }),
    digestAlgorithm,
    signedAttrs,
    signatureAlgorithm: new pkijs.AlgorithmIdentifier(
      rsa
        ? { algorithmId: OID.rsaEncryption, algorithmParams: new asn1js.Null() }
        : { algorithmId: ecdsaOid(digest) },
    ),
    signature: new asn1js.OctetString({ valueHex: signature }),
  });
  const signedData = new pkijs.SignedData({
    version: 1,
    digestAlgorithms: [digestAlgorithm],
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.data }),
    certificates: [certificate],
    signerInfos: [signerInfo],
  });
  return toDer(
    new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) }).toSchema(),
  );
}

function ecdsaOid(digest: DigestName): string {
  return {
    sha1: '1.2.840.10045.4.1',
    sha256: '1.2.840.10045.4.3.2',
    sha384: '1.2.840.10045.4.3.3',
    sha512: '1.2.840.10045.4.3.4',
  }[digest];
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.of(length);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.of(0x80 | bytes.length, ...bytes);
}

export interface SignedEntity {
  /** The multipart/signed Content-Type header value, boundary included. */
  contentType: string;
  /** The multipart body. */
  body: Buffer;
}

/** Wraps an entity (headers and body, as it will be signed and sent) as multipart/signed. `micalg` is the
 * name the receiver asked for, when it asked. */
export function buildMultipartSigned(
  entity: Buffer,
  identity: LoadedIdentity,
  digest: DigestName,
  options: { micalg?: string; boundary?: string; signingTime?: Date } = {},
): SignedEntity {
  const signature = signDetached(entity, identity, digest, options.signingTime);
  const boundary = options.boundary ?? `----=_dockside_signed_${randomBytes(12).toString('hex')}`;
  const signaturePart = serializeEntity(
    [
      { name: 'Content-Type', value: 'application/pkcs7-signature; name=smime.p7s; smime-type=signed-data' },
      { name: 'Content-Transfer-Encoding', value: 'base64' },
      { name: 'Content-Disposition', value: 'attachment; filename="smime.p7s"' },
    ],
    base64Lines(signature),
  );
  const micalg = options.micalg ?? MICALG_BY_DIGEST[digest];
  return {
    contentType: `multipart/signed; protocol="application/pkcs7-signature"; micalg=${micalg}; boundary="${boundary}"`,
    body: buildMultipart([entity, signaturePart], boundary),
  };
}
