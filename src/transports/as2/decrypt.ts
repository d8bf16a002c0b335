// Decrypting a CMS EnvelopedData (RFC 5652 §6) addressed to one of our certificates: RSA key transport with
// PKCS#1 v1.5 (see rsa-pkcs1.ts) or OAEP (RFC 3560), content in AES-CBC or triple-DES-CBC.
import { constants, createDecipheriv, privateDecrypt } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { CIPHERS, DIGEST_BY_OID, OID, type ContentCipher, type DigestName } from './algorithms.ts';
import { describeIdentifier, identifiesCertificate, type LoadedIdentity } from './certificates.ts';
import { octets, readContentInfo } from './cms.ts';
import { As2Error } from './failures.ts';
import { unwrapPkcs1v15 } from './rsa-pkcs1.ts';

export interface Decrypted {
  content: Buffer;
  cipher: ContentCipher;
  keyTransport: 'rsa-pkcs1' | 'rsa-oaep';
  /** The certificate of ours the message was addressed to (several during a certificate change-over). */
  recipient: LoadedIdentity;
}

export function decryptEnvelopedData(der: Buffer, identities: readonly LoadedIdentity[]): Decrypted {
  const info = readContentInfo(der, 'decryption-failed');
  if (info.contentType !== OID.envelopedData) {
    throw new As2Error(
      'decryption-failed',
      `expected CMS EnvelopedData, found content type ${info.contentType}`,
    );
  }
  let enveloped: pkijs.EnvelopedData;
  try {
    enveloped = new pkijs.EnvelopedData({ schema: info.content });
  } catch (error) {
    throw new As2Error(
      'decryption-failed',
      `the EnvelopedData does not parse: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const algorithm = enveloped.encryptedContentInfo.contentEncryptionAlgorithm;
  const cipher = CIPHERS.get(algorithm.algorithmId);
  if (!cipher)
    throw new As2Error(
      'decryption-failed',
      `content encryption algorithm ${algorithm.algorithmId} is not accepted`,
    );
  const ivBlock = algorithm.algorithmParams as unknown;
  if (!(ivBlock instanceof asn1js.OctetString))
    throw new As2Error('decryption-failed', `${cipher.name} has no IV`);
  const iv = octets(ivBlock);
  if (iv.length !== cipher.ivLength)
    throw new As2Error(
      'decryption-failed',
      `${cipher.name} IV is ${iv.length} bytes, not ${cipher.ivLength}`,
    );

  const named: string[] = [];
  for (const recipientInfo of enveloped.recipientInfos) {
    if (recipientInfo.variant !== 1 || !(recipientInfo.value instanceof pkijs.KeyTransRecipientInfo)) {
      named.push('a recipient that is not key transport');
      continue;
    }
    const ktri = recipientInfo.value;
    const identity = identities.find((id) => identifiesCertificate(ktri.rid, id.certificate.parsed));
    if (!identity) {
      named.push(describeIdentifier(ktri.rid));
      continue;
    }
    const { key, keyTransport } = unwrapKey(ktri, identity, cipher.keyLength);
    const encrypted = enveloped.encryptedContentInfo.encryptedContent;
    if (!encrypted) throw new As2Error('decryption-failed', 'the EnvelopedData carries no encrypted content');
    let content: Buffer;
    try {
      const decipher = createDecipheriv(cipher.name, key, iv);
      content = Buffer.concat([decipher.update(octets(encrypted)), decipher.final()]);
    } catch {
      // Deliberately one message for every cause: a wrong key, a forged key and bad padding look alike.
      throw new As2Error(
        'decryption-failed',
        `the ${cipher.name} content does not decrypt with the transported key`,
      );
    }
    return { content, cipher: cipher.name, keyTransport, recipient: identity };
  }
  throw new As2Error(
    'decryption-failed',
    `the message is not encrypted for our certificate (${identities.map((i) => i.certificate.subject).join('; ') || 'none configured'}); it names ${named.join('; ') || 'no recipient'}`,
  );
}

function unwrapKey(
  ktri: pkijs.KeyTransRecipientInfo,
  identity: LoadedIdentity,
  keyLength: number,
): { key: Buffer; keyTransport: 'rsa-pkcs1' | 'rsa-oaep' } {
  if (identity.privateKey.asymmetricKeyType !== 'rsa') {
    throw new As2Error('decryption-failed', 'key transport needs an RSA key, and ours is not one');
  }
  const encryptedKey = octets(ktri.encryptedKey);
  const algorithm = ktri.keyEncryptionAlgorithm;
  if (algorithm.algorithmId === OID.rsaEncryption) {
    return { key: unwrapPkcs1v15(encryptedKey, identity, keyLength), keyTransport: 'rsa-pkcs1' };
  }
  if (algorithm.algorithmId === OID.rsaesOaep) {
    const hash = oaepHash(algorithm.algorithmParams as unknown);
    let key: Buffer;
    try {
      key = privateDecrypt(
        { key: identity.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash },
        encryptedKey,
      );
    } catch {
      throw new As2Error('decryption-failed', 'the RSA-OAEP key transport does not decrypt with our key');
    }
    if (key.length !== keyLength)
      throw new As2Error('decryption-failed', `the transported key is ${key.length} bytes, not ${keyLength}`);
    return { key, keyTransport: 'rsa-oaep' };
  }
  throw new As2Error('decryption-failed', `key transport algorithm ${algorithm.algorithmId} is not accepted`);
}

/** The OAEP hash from RSAES-OAEP-params (RFC 4055 §4.1): SHA-1 when absent. Node's OAEP uses the same hash for
 * MGF1, so a message that mixes them, or uses a label, is refused instead of decrypted wrongly. */
function oaepHash(params: unknown): DigestName {
  if (params === undefined || params instanceof asn1js.Null) return 'sha1';
  if (!(params instanceof asn1js.Sequence))
    throw new As2Error('decryption-failed', 'the RSA-OAEP parameters are not a SEQUENCE');
  let parsed: pkijs.RSAESOAEPParams;
  try {
    parsed = new pkijs.RSAESOAEPParams({ schema: params });
  } catch {
    throw new As2Error('decryption-failed', 'the RSA-OAEP parameters do not parse');
  }
  const hash = DIGEST_BY_OID.get(parsed.hashAlgorithm.algorithmId);
  if (!hash)
    throw new As2Error(
      'decryption-failed',
      `RSA-OAEP hash ${parsed.hashAlgorithm.algorithmId} is not accepted`,
    );
  if (parsed.maskGenAlgorithm.algorithmId !== OID.mgf1) {
    throw new As2Error(
      'decryption-failed',
      `RSA-OAEP mask generation ${parsed.maskGenAlgorithm.algorithmId} is not MGF1`,
    );
  }
  const mgfHash = new pkijs.AlgorithmIdentifier({ schema: parsed.maskGenAlgorithm.algorithmParams });
  if (DIGEST_BY_OID.get(mgfHash.algorithmId) !== hash) {
    throw new As2Error(
      'decryption-failed',
      'RSA-OAEP with different hashes for OAEP and MGF1 is not supported',
    );
  }
  // pkijs fills an absent pSourceFunc with a non-empty default, so the label is read from the encoding itself.
  const pSource = params.valueBlock.value.find((b) => b.idBlock.tagClass === 3 && b.idBlock.tagNumber === 2);
  if (pSource instanceof asn1js.Constructed && pSource.valueBlock.value[0]) {
    const source = new pkijs.AlgorithmIdentifier({ schema: pSource.valueBlock.value[0] });
    const label = source.algorithmParams as unknown;
    if (
      source.algorithmId !== OID.pSpecified ||
      !(label instanceof asn1js.OctetString) ||
      octets(label).length > 0
    ) {
      throw new As2Error('decryption-failed', 'RSA-OAEP with a label is not supported');
    }
  }
  return hash;
}
