// CMS CompressedData with zlib (RFC 3274), the compression AS2 uses (RFC 5402). pkijs has no class for it;
// the structure is three fields, read and written with asn1js.
import { deflateSync, inflateSync } from 'node:zlib';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { OID } from './algorithms.ts';
import { octets, readContentInfo, toDer } from './cms.ts';
import { As2Error } from './failures.ts';

/** An inflated layer larger than this is refused: a few kilobytes of zlib can claim gigabytes. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 512 * 1024 * 1024;

export function decompress(der: Buffer, maxBytes = DEFAULT_MAX_DECOMPRESSED_BYTES): Buffer {
  const info = readContentInfo(der, 'decompression-failed');
  if (info.contentType !== OID.compressedData) {
    throw new As2Error(
      'decompression-failed',
      `expected CMS CompressedData, found content type ${info.contentType}`,
    );
  }
  const sequence = info.content as unknown;
  if (!(sequence instanceof asn1js.Sequence) || sequence.valueBlock.value.length !== 3) {
    throw new As2Error(
      'decompression-failed',
      'the CompressedData is not a SEQUENCE of version, algorithm and content',
    );
  }
  const [, algorithmBlock, encapBlock] = sequence.valueBlock.value;
  let algorithm: pkijs.AlgorithmIdentifier;
  let encap: pkijs.EncapsulatedContentInfo;
  try {
    algorithm = new pkijs.AlgorithmIdentifier({ schema: algorithmBlock });
    encap = new pkijs.EncapsulatedContentInfo({ schema: encapBlock });
  } catch (error) {
    throw new As2Error(
      'decompression-failed',
      `the CompressedData does not parse: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (algorithm.algorithmId !== OID.zlib) {
    throw new As2Error('decompression-failed', `compression algorithm ${algorithm.algorithmId} is not zlib`);
  }
  if (!encap.eContent) throw new As2Error('decompression-failed', 'the CompressedData carries no content');
  try {
    return inflateSync(octets(encap.eContent), { maxOutputLength: maxBytes });
  } catch (error) {
    const tooBig =
      error instanceof RangeError || (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
    throw new As2Error(
      'decompression-failed',
      tooBig ? `the content inflates past ${maxBytes} bytes` : 'the zlib stream is corrupt',
    );
  }
}

/** ContentInfo(CompressedData) of `content` (a MIME entity), DER. */
export function compress(content: Buffer): Buffer {
  const compressed = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 0 }),
      new pkijs.AlgorithmIdentifier({ algorithmId: OID.zlib }).toSchema(),
      new pkijs.EncapsulatedContentInfo({
        eContentType: OID.data,
        eContent: new asn1js.OctetString({ valueHex: deflateSync(content) }),
      }).toSchema(),
    ],
  });
  return toDer(new pkijs.ContentInfo({ contentType: OID.compressedData, content: compressed }).toSchema());
}
