// Reading the outer CMS ContentInfo (RFC 5652 §3) of a DER or BER body, with a failure code chosen by the caller
// because the same malformed bytes mean "cannot decrypt" in an envelope and "cannot authenticate" in a signature.
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { As2Error, type As2FailureCode } from './failures.ts';

export function readContentInfo(der: Buffer, failure: As2FailureCode): pkijs.ContentInfo {
  const asn1 = asn1js.fromBER(der);
  if (asn1.offset === -1)
    throw new As2Error(failure, `the CMS structure is not valid BER: ${asn1.result.error}`);
  try {
    return new pkijs.ContentInfo({ schema: asn1.result });
  } catch (error) {
    throw new As2Error(
      failure,
      `the CMS structure is not a ContentInfo: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** The content of an OCTET STRING, also when a BER encoder split it into a constructed string of pieces. */
export function octets(value: asn1js.OctetString): Buffer {
  if (value.idBlock.isConstructed) {
    return Buffer.concat(value.valueBlock.value.map((piece) => octets(piece as asn1js.OctetString)));
  }
  return Buffer.from(value.valueBlock.valueHexView);
}

export function toDer(block: { toBER(sizeOnly?: boolean): ArrayBuffer }): Buffer {
  return Buffer.from(block.toBER(false));
}

/** The content type OID of a ContentInfo, read from its first bytes only: deciding which layer a body is
 * should not cost a parse of the whole (possibly large) structure. Undefined when the bytes do not start
 * like a ContentInfo. */
export function peekContentType(der: Buffer): string | undefined {
  if (der[0] !== 0x30 || der.length < 4) return undefined;
  let at = 2;
  const first = der[1]!;
  if (first > 0x80) at += first & 0x7f;
  if (der[at] !== 0x06) return undefined;
  const length = der[at + 1]!;
  if (length >= 0x80 || at + 2 + length > der.length) return undefined;
  const oid = asn1js.fromBER(der.subarray(at, at + 2 + length));
  return oid.offset !== -1 && oid.result instanceof asn1js.ObjectIdentifier
    ? oid.result.valueBlock.toString()
    : undefined;
}
