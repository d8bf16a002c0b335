// Object identifiers and names of the algorithms the AS2 core accepts. A list of what is allowed, not of
// what exists: MD5, RC2 and single DES are refused on purpose.

export type DigestName = 'sha1' | 'sha256' | 'sha384' | 'sha512';

export const DIGEST_BY_OID: ReadonlyMap<string, DigestName> = new Map([
  ['1.3.14.3.2.26', 'sha1'],
  ['2.16.840.1.101.3.4.2.1', 'sha256'],
  ['2.16.840.1.101.3.4.2.2', 'sha384'],
  ['2.16.840.1.101.3.4.2.3', 'sha512'],
]);

export const OID_BY_DIGEST: Record<DigestName, string> = {
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
};

/** micalg names as senders write them: RFC 5751 spells `sha-256`, RFC 3851 and many AS2 products `sha256`. */
const DIGEST_BY_MICALG: ReadonlyMap<string, DigestName> = new Map([
  ['sha1', 'sha1'],
  ['sha-1', 'sha1'],
  ['sha256', 'sha256'],
  ['sha-256', 'sha256'],
  ['sha384', 'sha384'],
  ['sha-384', 'sha384'],
  ['sha512', 'sha512'],
  ['sha-512', 'sha512'],
]);

export function digestForMicalg(name: string): DigestName | undefined {
  return DIGEST_BY_MICALG.get(name.trim().toLowerCase());
}

/** The RFC 5751 spelling we use when nobody asked for another. */
export const MICALG_BY_DIGEST: Record<DigestName, string> = {
  sha1: 'sha-1',
  sha256: 'sha-256',
  sha384: 'sha-384',
  sha512: 'sha-512',
};

export type ContentCipher = 'aes-128-cbc' | 'aes-192-cbc' | 'aes-256-cbc' | 'des-ede3-cbc';

export const CIPHERS: ReadonlyMap<string, { name: ContentCipher; keyLength: number; ivLength: number }> =
  new Map([
    ['2.16.840.1.101.3.4.1.2', { name: 'aes-128-cbc', keyLength: 16, ivLength: 16 }],
    ['2.16.840.1.101.3.4.1.22', { name: 'aes-192-cbc', keyLength: 24, ivLength: 16 }],
    ['2.16.840.1.101.3.4.1.42', { name: 'aes-256-cbc', keyLength: 32, ivLength: 16 }],
    ['1.2.840.113549.3.7', { name: 'des-ede3-cbc', keyLength: 24, ivLength: 8 }],
  ]);

export function cipherOid(name: ContentCipher): string {
  for (const [oid, cipher] of CIPHERS) if (cipher.name === name) return oid;
  throw new Error(`no OID for ${name}`);
}

export const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  envelopedData: '1.2.840.113549.1.7.3',
  compressedData: '1.2.840.113549.1.9.16.1.9',
  zlib: '1.2.840.113549.1.9.16.3.8',
  contentTypeAttr: '1.2.840.113549.1.9.3',
  messageDigestAttr: '1.2.840.113549.1.9.4',
  signingTimeAttr: '1.2.840.113549.1.9.5',
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsaesOaep: '1.2.840.113549.1.1.7',
  mgf1: '1.2.840.113549.1.1.8',
  pSpecified: '1.2.840.113549.1.1.9',
  rsassaPss: '1.2.840.113549.1.1.10',
  ecPublicKey: '1.2.840.10045.2.1',
  subjectKeyIdentifier: '2.5.29.14',
} as const;

/** Signature algorithm identifiers that name their own digest (the digest must agree with the SignerInfo's). */
export const SIGNATURE_DIGEST: ReadonlyMap<string, { key: 'rsa' | 'ec'; digest: DigestName }> = new Map([
  ['1.2.840.113549.1.1.5', { key: 'rsa', digest: 'sha1' }],
  ['1.2.840.113549.1.1.11', { key: 'rsa', digest: 'sha256' }],
  ['1.2.840.113549.1.1.12', { key: 'rsa', digest: 'sha384' }],
  ['1.2.840.113549.1.1.13', { key: 'rsa', digest: 'sha512' }],
  ['1.2.840.10045.4.1', { key: 'ec', digest: 'sha1' }],
  ['1.2.840.10045.4.3.2', { key: 'ec', digest: 'sha256' }],
  ['1.2.840.10045.4.3.3', { key: 'ec', digest: 'sha384' }],
  ['1.2.840.10045.4.3.4', { key: 'ec', digest: 'sha512' }],
]);
