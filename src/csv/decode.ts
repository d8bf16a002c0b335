// Bytes to text in the mapping's encoding, chunk by chunk: a UTF-8 character split between two chunks is
// joined, not replaced. A UTF-8 byte order mark is dropped; bytes that are not UTF-8 become U+FFFD, which the
// row reader reports, since a partner whose "UTF-8" is really windows-1252 should hear so.
import iconv from 'iconv-lite';
import type { CsvEncoding } from './mapping.ts';

const CODECS: Record<CsvEncoding, string> = {
  'utf-8': 'utf8',
  // Little-endian unless a byte order mark says otherwise: spreadsheets' "Unicode text".
  'utf-16': 'utf-16',
  // ISO 8859-1 proper: every byte is the code point of the same number. Windows-1252, which most "latin1"
  // exports really are, differs in 0x80-0x9F (€, curly quotes, dashes) and is a separate choice.
  latin1: 'latin1',
  'windows-1252': 'windows-1252',
  'iso-8859-15': 'iso-8859-15',
};

export interface TextDecoder {
  write(bytes: Uint8Array): string;
  end(): string;
}

export function textDecoder(encoding: CsvEncoding): TextDecoder {
  const decoder = iconv.getDecoder(CODECS[encoding]);
  return {
    write: (bytes) =>
      decoder.write(
        Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      ),
    end: () => decoder.end() ?? '',
  };
}

/** The replacement character a decoder puts where bytes are not text in its encoding. */
export const REPLACEMENT = '\uFFFD';

const BYTE_ORDER_MARKS: [CsvEncoding, number[]][] = [
  ['utf-8', [0xef, 0xbb, 0xbf]],
  ['utf-16', [0xff, 0xfe]],
  ['utf-16', [0xfe, 0xff]],
];

/** The encoding a file's first bytes declare by a byte order mark, if they hold one. */
export function byteOrderMark(first: ArrayLike<number>): CsvEncoding | undefined {
  return BYTE_ORDER_MARKS.find(([, mark]) => mark.every((b, i) => first[i] === b))?.[0];
}
