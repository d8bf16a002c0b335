// The little MIME that AS2 needs (RFC 2045/2046, RFC 1847 multipart/signed), on Buffers and never on strings:
// a signature covers the exact bytes of a part, so a part is cut out of the message as received, with its
// headers, and no line ending is ever rewritten.
import { As2Error } from './failures.ts';

export interface MimeHeader {
  name: string;
  value: string;
}

export interface MimeEntity {
  headers: MimeHeader[];
  /** The body exactly as received (before any Content-Transfer-Encoding is undone). */
  body: Buffer;
}

export interface ContentType {
  /** `type/subtype`, lower-cased. */
  mediaType: string;
  /** Parameter names lower-cased; values unquoted, case kept. */
  params: Map<string, string>;
}

const CRLF = Buffer.from('\r\n');

/** Splits an entity into its header fields and body. A blank line ends the headers; LF-only messages are read
 * too, since some senders write them, but nothing is converted. An entity that starts with a blank line has
 * no headers. */
export function parseEntity(raw: Buffer): MimeEntity {
  let headerEnd = -1;
  let bodyStart = 0;
  if (raw[0] === 0x0a) return { headers: [], body: raw.subarray(1) };
  if (raw[0] === 0x0d && raw[1] === 0x0a) return { headers: [], body: raw.subarray(2) };
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== 0x0a) continue;
    if (raw[i + 1] === 0x0a) {
      headerEnd = i;
      bodyStart = i + 2;
      break;
    }
    if (raw[i + 1] === 0x0d && raw[i + 2] === 0x0a) {
      headerEnd = i;
      bodyStart = i + 3;
      break;
    }
  }
  if (headerEnd < 0)
    throw new As2Error('unexpected-processing-error', 'a MIME entity has no blank line after its headers');
  return {
    headers: parseHeaderBlock(raw.subarray(0, headerEnd).toString('latin1')),
    body: raw.subarray(bodyStart),
  };
}

/** Header fields (RFC 5322 §2.2) from text; blank lines are skipped, so a field block that ends with line
 * breaks (the body of a message/disposition-notification) reads too. */
export function parseHeaderBlock(text: string): MimeHeader[] {
  const headers: MimeHeader[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    if (/^[ \t]/.test(line) && headers.length > 0) {
      // A folded line continues the previous field (RFC 5322 §2.2.3).
      headers[headers.length - 1]!.value += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0)
      throw new As2Error(
        'unexpected-processing-error',
        `a MIME header line has no field name: "${line.slice(0, 60)}"`,
      );
    headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  return headers;
}

export function headerValue(headers: MimeHeader[], name: string): string | undefined {
  const lower = name.toLowerCase();
  return headers.find((h) => h.name.toLowerCase() === lower)?.value;
}

/** Parses a Content-Type value (RFC 2045 §5.1), quoted parameter values included. */
export function parseContentType(value: string | undefined): ContentType {
  if (value === undefined || value.trim() === '') return { mediaType: 'text/plain', params: new Map() };
  const params = new Map<string, string>();
  const semicolon = value.indexOf(';');
  const mediaType = (semicolon < 0 ? value : value.slice(0, semicolon)).trim().toLowerCase();
  if (!/^[^/\s]+\/[^/\s]+$/.test(mediaType)) {
    throw new As2Error('unexpected-processing-error', `"${value.slice(0, 80)}" is not a media type`);
  }
  let rest = semicolon < 0 ? '' : value.slice(semicolon + 1);
  const param = /^\s*([^=\s;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))\s*(?:;|$)/;
  while (rest.trim() !== '') {
    const m = param.exec(rest);
    if (!m) {
      // Tolerate a stray token (`; ;` or a parameter without a value) rather than refuse the message.
      const next = rest.indexOf(';');
      if (next < 0) break;
      rest = rest.slice(next + 1);
      continue;
    }
    params.set(m[1]!.toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!);
    rest = rest.slice(m[0].length);
  }
  return { mediaType, params };
}

export function entityContentType(entity: MimeEntity): ContentType {
  return parseContentType(headerValue(entity.headers, 'content-type'));
}

/** The body parts of a multipart body, each exactly as it appears between its delimiter lines: the CRLF
 * before a delimiter belongs to the delimiter (RFC 2046 §5.1.1), so it is not part of the part. */
export function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const dash = Buffer.from('--' + boundary, 'latin1');
  const starts: { lineStart: number; afterLine: number; close: boolean }[] = [];
  let from = 0;
  for (;;) {
    const at = body.indexOf(dash, from);
    if (at < 0) break;
    from = at + dash.length;
    if (at !== 0 && body[at - 1] !== 0x0a) continue;
    const close = body[at + dash.length] === 0x2d && body[at + dash.length + 1] === 0x2d;
    let lineEnd = body.indexOf(0x0a, at + dash.length);
    if (lineEnd < 0) lineEnd = body.length - 1;
    const tail = body.subarray(
      at + dash.length + (close ? 2 : 0),
      body[lineEnd] === 0x0a ? lineEnd : lineEnd + 1,
    );
    // Only transport padding may follow a boundary on its line; anything else means the text merely
    // contained the boundary string.
    if (!/^[ \t\r]*$/.test(tail.toString('latin1'))) continue;
    starts.push({ lineStart: at, afterLine: lineEnd + 1, close });
    if (close) break;
  }
  if (starts.length === 0)
    throw new As2Error('unexpected-processing-error', `the multipart body has no "--${boundary}" delimiter`);
  if (!starts[starts.length - 1]!.close) {
    throw new As2Error(
      'unexpected-processing-error',
      `the multipart body has no closing "--${boundary}--" delimiter`,
    );
  }
  const parts: Buffer[] = [];
  for (let i = 0; i + 1 < starts.length; i++) {
    const begin = starts[i]!.afterLine;
    let end = starts[i + 1]!.lineStart;
    if (body[end - 1] === 0x0a) end--;
    if (body[end - 1] === 0x0d) end--;
    parts.push(body.subarray(begin, Math.max(begin, end)));
  }
  return parts;
}

/** Undoes a Content-Transfer-Encoding; binary, 8bit and 7bit leave the bytes as they are. */
export function decodeBody(entity: MimeEntity): Buffer {
  const encoding = (headerValue(entity.headers, 'content-transfer-encoding') ?? 'binary')
    .trim()
    .toLowerCase();
  switch (encoding) {
    case 'binary':
    case '8bit':
    case '7bit':
      return entity.body;
    case 'base64': {
      const text = entity.body.toString('latin1').replace(/[\r\n\t ]/g, '');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
        throw new As2Error(
          'unexpected-processing-error',
          'a base64 body contains characters outside the base64 alphabet',
        );
      }
      return Buffer.from(text, 'base64');
    }
    case 'quoted-printable':
      return decodeQuotedPrintable(entity.body);
    default:
      throw new As2Error('unexpected-processing-error', `unknown Content-Transfer-Encoding "${encoding}"`);
  }
}

function decodeQuotedPrintable(body: Buffer): Buffer {
  const text = body.toString('latin1').replace(/=\r?\n/g, '');
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3d && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(c);
  }
  return Buffer.from(out);
}

/** Writes an entity with CRLF line endings: the header lines, a blank line, the body unchanged. */
export function serializeEntity(headers: MimeHeader[], body: Buffer): Buffer {
  const head = headers.map((h) => `${h.name}: ${h.value}\r\n`).join('') + '\r\n';
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/** Joins parts into a multipart body with CRLF delimiters. */
export function buildMultipart(parts: Buffer[], boundary: string): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\n`, 'latin1'), part, CRLF);
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  return Buffer.concat(chunks);
}

/** Base64 in lines of 76 characters, as MIME asks (RFC 2045 §6.8). */
export function base64Lines(data: Buffer): Buffer {
  const text = data.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += 76) lines.push(text.slice(i, i + 76));
  return Buffer.from(lines.join('\r\n') + '\r\n', 'latin1');
}

/** A quoted parameter value when it needs quoting (RFC 2045 tspecials). */
export function paramValue(value: string): string {
  return /^[^()<>@,;:\\"/[\]?=\s]+$/.test(value) ? value : `"${value.replace(/(["\\])/g, '\\$1')}"`;
}
