// Encrypting for a partner: CMS EnvelopedData (RFC 5652 §6) with one KeyTransRecipientInfo for the partner's
// certificate. PKCS#1 v1.5 key transport is what most AS2 products still expect; OAEP (RFC 3560) when the
// partner's configuration says it reads it. Only decryption of PKCS#1 v1.5 is dangerous (see rsa-pkcs1.ts);
// encrypting with it gives nothing away.
import { constants, createCipheriv, publicEncrypt, randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { CIPHERS, OID, OID_BY_DIGEST, cipherOid, type ContentCipher, type DigestName } from './algorithms.ts';
import type { LoadedCertificate } from './certificates.ts';
import { toDer } from './cms.ts';

export interface EncryptOptions {
  cipher?: ContentCipher;
  keyTransport?: 'rsa-pkcs1' | 'rsa-oaep';
  /** OAEP and MGF1 hash; SHA-1 is the RFC 3560 default and what most peers read. */
  oaepHash?: DigestName;
}

export function encryptEnvelopedData(
  content: Buffer,
  partner: LoadedCertificate,
  options: EncryptOptions = {},
): Buffer {
  const cipherName = options.cipher ?? 'aes-256-cbc';
  const oid = cipherOid(cipherName);
  const cipher = CIPHERS.get(oid)!;
  const key = randomBytes(cipher.keyLength);
  const iv = randomBytes(cipher.ivLength);
  const encipher = createCipheriv(cipherName, key, iv);
  const encrypted = Buffer.concat([encipher.update(content), encipher.final()]);

  const oaep = options.keyTransport === 'rsa-oaep';
  const hash = options.oaepHash ?? 'sha1';
  const encryptedKey = publicEncrypt(
    oaep
      ? { key: partner.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }
      : { key: partner.publicKey, padding: constants.RSA_PKCS1_PADDING },
    key,
  );
  const keyEncryptionAlgorithm = oaep
    ? new pkijs.AlgorithmIdentifier({ algorithmId: OID.rsaesOaep, algorithmParams: oaepParams(hash) })
    : new pkijs.AlgorithmIdentifier({ algorithmId: OID.rsaEncryption, algorithmParams: new asn1js.Null() });
  const recipient = new pkijs.KeyTransRecipientInfo({
    version: 0,
    rid: new pkijs.IssuerAndSerialNumber({
      issuer: partner.parsed.issuer,
      serialNumber: partner.parsed.serialNumber,
    }),
    keyEncryptionAlgorithm,
    encryptedKey: new asn1js.OctetString({ valueHex: encryptedKey }),
  });
  const enveloped = new pkijs.EnvelopedData({
    version: 0,
    recipientInfos: [new pkijs.RecipientInfo({ variant: 1, value: recipient })],
    encryptedContentInfo: new pkijs.EncryptedContentInfo({
      contentType: OID.data,
      contentEncryptionAlgorithm: new pkijs.AlgorithmIdentifier({
        algorithmId: oid,
        algorithmParams: new asn1js.OctetString({ valueHex: iv }),
      }),
      encryptedContent: new asn1js.OctetString({ valueHex: encrypted }),
    }),
  });
  return toDer(
    new pkijs.ContentInfo({ contentType: OID.envelopedData, content: enveloped.toSchema() }).toSchema(),
  );
}

function oaepParams(hash: DigestName): asn1js.Sequence {
  // With the defaults (SHA-1 everywhere) the parameters are an empty SEQUENCE, as RFC 4055 §4.1 asks: DER
  // leaves out default values.
  if (hash === 'sha1') return new asn1js.Sequence({ value: [] });
  const hashAlgorithm = new pkijs.AlgorithmIdentifier({
    algorithmId: OID_BY_DIGEST[hash],
    algorithmParams: new asn1js.Null(),
  });
  return new asn1js.Sequence({
    value: [
      new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [hashAlgorithm.toSchema()] }),
      new asn1js.Constructed({
        idBlock: { tagClass: 3, tagNumber: 1 },
        value: [
          new pkijs.AlgorithmIdentifier({
            algorithmId: OID.mgf1,
            algorithmParams: hashAlgorithm.toSchema(),
          }).toSchema(),
        ],
      }),
    ],
  });
}
