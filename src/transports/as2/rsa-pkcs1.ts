// RSA PKCS#1 v1.5 key transport, unwrapped without a padding oracle.
//
// Node 20 refuses RSA_PKCS1_PADDING in privateDecrypt (CVE-2023-46809, the Marvin attack), yet it is what most
// AS2 partners send. We do the raw RSA operation (RSA_NO_PADDING) and check the padding ourselves, with the
// countermeasure of RFC 3218 §2.3.2 in its deterministic "implicit rejection" form: whether or not the padding
// is right, a key of the expected length comes out, taken either from the message or from an HMAC of the
// ciphertext under a secret derived from our private key. A forged key then fails later, at the content
// decryption, exactly as a well-padded wrong key does, and the same ciphertext always gives the same answer,
// so repeating a probe teaches nothing. The checks run over every byte with no early exit.
import { constants, createHmac, privateDecrypt } from 'node:crypto';
import type { LoadedIdentity } from './certificates.ts';

/** The content-encryption key carried in `encryptedKey`, or a synthetic key of the same length. */
export function unwrapPkcs1v15(encryptedKey: Buffer, identity: LoadedIdentity, keyLength: number): Buffer {
  const modulusBytes = Math.ceil((identity.privateKey.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
  const synthetic = syntheticKey(encryptedKey, identity.rejectionSecret, keyLength);
  if (modulusBytes === 0 || encryptedKey.length > modulusBytes) return synthetic;
  // A ciphertext may lose leading zero bytes on the way; RSA wants exactly the modulus length.
  const input = Buffer.alloc(modulusBytes);
  encryptedKey.copy(input, modulusBytes - encryptedKey.length);
  let em: Buffer;
  try {
    em = privateDecrypt({ key: identity.privateKey, padding: constants.RSA_NO_PADDING }, input);
  } catch {
    // Only a ciphertext not below the modulus fails here: public knowledge, not a padding oracle.
    return synthetic;
  }
  return selectKey(pkcs1v15Valid(em, keyLength), em.subarray(em.length - keyLength), synthetic);
}

/** 1 when `em` is 00 02 PS 00 M with at least 8 non-zero padding bytes and M exactly `keyLength` long, else 0;
 * every byte is looked at whatever the answer. */
export function pkcs1v15Valid(em: Buffer, keyLength: number): number {
  const k = em.length;
  let good = isZero(em[0]! | (em[1]! ^ 0x02));
  let separator = 0;
  let found = 0;
  for (let i = 2; i < k; i++) {
    const zero = isZero(em[i]!);
    const first = zero & (found ^ 1);
    separator |= -first & i;
    found |= zero;
  }
  good &= found;
  // The padding string is at least 8 bytes (RFC 8017 §7.2.2 step 3), so the separator sits at index 10 or later.
  good &= ((9 - separator) >>> 31) & 1;
  good &= isZero((k - separator - 1) ^ keyLength);
  return good;
}

function isZero(x: number): number {
  return (((x | 0) - 1) >>> 31) & ((~x >>> 31) & 1);
}

function selectKey(choose: number, fromMessage: Buffer, synthetic: Buffer): Buffer {
  const mask = -choose & 0xff;
  const out = Buffer.alloc(synthetic.length);
  for (let i = 0; i < out.length; i++) out[i] = (fromMessage[i]! & mask) | (synthetic[i]! & ~mask & 0xff);
  return out;
}

function syntheticKey(ciphertext: Buffer, secret: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  for (let counter = 0; blocks.length * 32 < length; counter++) {
    blocks.push(createHmac('sha256', secret).update(Buffer.of(counter)).update(ciphertext).digest());
  }
  return Buffer.concat(blocks).subarray(0, length);
}
