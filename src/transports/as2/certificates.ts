// Certificates and keys from configuration (PEM), in the two forms the core needs: Node KeyObjects for the
// cryptography and pkijs structures for matching a certificate against what a CMS message names.
import { X509Certificate, createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { GatewayError } from '../../errors.ts';
import { OID } from './algorithms.ts';

export interface LoadedCertificate {
  /** The certificate's DER bytes: what "the same certificate" is compared by. */
  der: Buffer;
  /** The SubjectPublicKeyInfo DER: a re-issued certificate for the same key matches by this. */
  spki: Buffer;
  publicKey: KeyObject;
  parsed: pkijs.Certificate;
  subject: string;
}

/** Our own side: the certificate partners encrypt to and the key we decrypt and sign with. */
export interface LoadedIdentity {
  certificate: LoadedCertificate;
  privateKey: KeyObject;
  /** Secret per key, for the implicit-rejection key of PKCS#1 v1.5 unwrapping (see rsa-pkcs1.ts). */
  rejectionSecret: Buffer;
}

export function loadCertificate(pem: string | Buffer): LoadedCertificate {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(pem);
  } catch (error) {
    throw new GatewayError(
      'config-invalid',
      'an AS2 certificate is not a readable X.509 certificate',
      false,
      { cause: error },
    );
  }
  const der = x509.raw;
  const parsed = pkijs.Certificate.fromBER(der);
  const spki = x509.publicKey.export({ type: 'spki', format: 'der' });
  return { der, spki, publicKey: x509.publicKey, parsed, subject: x509.subject.replace(/\n/g, ', ') };
}

export function loadIdentity(
  certificatePem: string | Buffer,
  privateKeyPem: string | Buffer,
): LoadedIdentity {
  const certificate = loadCertificate(certificatePem);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(privateKeyPem);
  } catch (error) {
    throw new GatewayError('config-invalid', 'an AS2 private key is not a readable PEM key', false, {
      cause: error,
    });
  }
  const pub = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  if (!pub.equals(certificate.spki)) {
    throw new GatewayError(
      'config-invalid',
      `the AS2 private key does not belong to the certificate of ${certificate.subject}`,
      false,
    );
  }
  const rejectionSecret = createHash('sha256')
    .update('dockside as2 implicit rejection\0')
    .update(privateKey.export({ type: 'pkcs8', format: 'der' }))
    .digest();
  return { certificate, privateKey, rejectionSecret };
}

/** Whether a CMS signer or recipient identifier (issuer and serial number, or subject key identifier) names
 * this certificate. Naming is not proof: a forged certificate can copy both, so callers that verify also
 * check the key. */
export function identifiesCertificate(id: unknown, certificate: pkijs.Certificate): boolean {
  if (id instanceof pkijs.IssuerAndSerialNumber) {
    return certificate.issuer.isEqual(id.issuer) && certificate.serialNumber.isEqual(id.serialNumber);
  }
  const octets = asOctetString(id);
  if (octets) {
    const ski = subjectKeyIdentifier(certificate);
    return ski !== undefined && Buffer.from(octets.valueBlock.valueHexView).equals(ski);
  }
  return false;
}

function asOctetString(id: unknown): asn1js.OctetString | undefined {
  if (id instanceof asn1js.OctetString) return id;
  // SignerInfo keeps its subjectKeyIdentifier as [0] IMPLICIT OCTET STRING, which asn1js reads as a
  // constructed or primitive context-specific block.
  if (id instanceof asn1js.Primitive && id.idBlock.tagClass === 3 && id.idBlock.tagNumber === 0) {
    return new asn1js.OctetString({ valueHex: id.valueBlock.valueHexView });
  }
  return undefined;
}

export function subjectKeyIdentifier(certificate: pkijs.Certificate): Buffer | undefined {
  const ext = certificate.extensions?.find((e) => e.extnID === OID.subjectKeyIdentifier);
  const value = ext?.parsedValue as asn1js.OctetString | undefined;
  return value ? Buffer.from(value.valueBlock.valueHexView) : undefined;
}

/** How a CMS identifier names a certificate, for messages: `issuer CN=…, serial 1a2b`. */
export function describeIdentifier(id: unknown): string {
  if (id instanceof pkijs.IssuerAndSerialNumber) {
    const issuer = id.issuer.typesAndValues
      .map((tv) => `${tv.type}=${String(tv.value.valueBlock.value)}`)
      .join(', ');
    return `issuer ${issuer}, serial ${Buffer.from(id.serialNumber.valueBlock.valueHexView).toString('hex')}`;
  }
  const octets = asOctetString(id);
  if (octets) return `subject key identifier ${Buffer.from(octets.valueBlock.valueHexView).toString('hex')}`;
  return 'an unknown identifier';
}
