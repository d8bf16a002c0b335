// Reading the ISA header: the only fixed-width segment, and the one that declares the delimiters of
// everything after it. Real partners send ISAs that are not 106 bytes (unpadded ids), wrapped across
// lines, or terminated by a newline; we read them whenever the separators are still unambiguous.
import { Buffer } from 'node:buffer';
import { issue, type Issue } from './issues.ts';
import type { Delimiters } from './segment.ts';

const CR = 0x0d;
const LF = 0x0a;

/** The standard ISA: 105 bytes through ISA16, then the segment terminator. */
const ISA_LENGTH = 106;
/** Beyond this many bytes we stop looking for the 16th separator: the header is not an ISA. */
const MAX_ISA_BYTES = 400;

export const ISA_WIDTHS = [0, 2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1] as const;

export function isAlphanumeric(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}

function utf8SequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 1;
}

/** Whether the bytes at pos start an ISA header ("ISA" then a separator that is not a letter or digit). */
export function startsIsa(buf: Buffer, pos: number): boolean {
  return (
    buf[pos] === 0x49 &&
    buf[pos + 1] === 0x53 &&
    buf[pos + 2] === 0x41 &&
    pos + 3 < buf.length &&
    !isAlphanumeric(buf[pos + 3]!) &&
    buf[pos + 3] !== CR &&
    buf[pos + 3] !== LF &&
    buf[pos + 3] !== 0x20
  );
}

export type IsaScan =
  | { kind: 'more' }
  | { kind: 'bad'; issue: Issue; resumeAt: number }
  | {
      kind: 'ok';
      delimiters: Delimiters;
      /** The ISA's bytes without the terminator (line breaks inside it removed). */
      body: Buffer;
      /** Index just after the terminator. */
      end: number;
      /** Line breaks found inside the header (a wrapped file). */
      wrapped: number;
      issues: Issue[];
    };

interface Where {
  offset: number;
  line: number;
  segment: number;
}

/**
 * Scans an ISA header that starts at `pos` (startsIsa is true there). Needs the bytes through the
 * terminator; returns 'more' when they are not all in `buf` yet and the input has not ended.
 */
export function scanIsa(buf: Buffer, pos: number, final: boolean, where: Where): IsaScan {
  const loc = { ...where, tag: 'ISA' };
  const sep = buf[pos + 3]!;
  let i = pos + 4;
  let separators = 1;
  let wrapped = 0;
  while (separators < 16) {
    if (i >= buf.length) return final ? truncated() : { kind: 'more' };
    if (i - pos > MAX_ISA_BYTES) {
      return bad(`no 16th element separator '${String.fromCharCode(sep)}' within ${MAX_ISA_BYTES} bytes`);
    }
    const b = buf[i]!;
    if (b === sep) separators++;
    else if (b === CR || b === LF) wrapped++;
    i++;
  }
  // ISA16 (component separator), then the segment terminator.
  if (i + 1 >= buf.length) return final ? truncated() : { kind: 'more' };
  const component = buf[i]!;
  const termStart = i + 1;
  const lead = buf[termStart]!;
  const termLength = lead === CR && buf[termStart + 1] === LF ? 1 : utf8SequenceLength(lead);
  if (termStart + termLength > buf.length) return final ? truncated() : { kind: 'more' };
  // Need to see the byte after the terminator to know the line-break suffix.
  // A newline-terminated file with CRLF line ends: CR is the terminator and LF its suffix.
  const end = termStart + termLength;
  let suffixEnd = end;
  while (suffixEnd < buf.length && (buf[suffixEnd] === CR || buf[suffixEnd] === LF)) suffixEnd++;
  if (suffixEnd >= buf.length && !final) return { kind: 'more' };

  if (component === CR || component === LF) {
    return bad('ISA16 (component separator) is missing: the header ends in a line break where it should be');
  }
  const terminator = buf.toString('utf8', termStart, end);
  const plausibleTerminator = !isAlphanumeric(lead) && lead !== sep && lead !== 0x20;
  let componentProblem: string | undefined;
  if (component === sep || isAlphanumeric(component)) {
    if (component === sep || !plausibleTerminator) {
      return bad(
        `ISA16 (component separator) is '${String.fromCharCode(component)}', which cannot be a separator; the header is longer or shorter than its separators say`,
      );
    }
    // The header is readable (a terminator follows), only its component separator is unusable: read on,
    // so the interchange can be answered with a TA1 that says so.
    componentProblem = `ISA16 (component separator) is '${String.fromCharCode(component)}', a letter or digit, which cannot separate components`;
  }
  if (isAlphanumeric(lead) || lead === sep || lead === component || lead === 0x20) {
    return bad(
      `the byte after ISA16 is '${terminator}', which cannot be a segment terminator; ISA16 may be longer than one character`,
    );
  }

  let body = buf.subarray(pos, termStart);
  if (wrapped > 0) body = stripLineBreaks(body);
  const issues: Issue[] = [];
  if (componentProblem !== undefined) {
    issues.push(
      issue(
        'invalid-component-separator',
        componentProblem,
        { ...loc, element: 16 },
        { data: String.fromCharCode(component) },
      ),
    );
  }
  const terminatorText = lead === LF ? '\\n' : lead === CR ? '\\r' : terminator;
  if (body.length + 1 !== ISA_LENGTH) {
    issues.push(
      issue(
        'isa-nonstandard-length',
        `ISA is ${body.length + 1} bytes long where the standard fixes it at ${ISA_LENGTH}; read with element separator '${String.fromCharCode(sep)}', component separator '${String.fromCharCode(component)}' and segment terminator '${terminatorText}'`,
        loc,
      ),
    );
  }
  const suffix = buf.toString('latin1', end, suffixEnd);
  const delimiters: Delimiters = {
    element: String.fromCharCode(sep),
    component: String.fromCharCode(component),
    segment: lead === LF || lead === CR ? String.fromCharCode(lead) : terminator,
    suffix,
  };
  const fields = body.toString('latin1').split(delimiters.element);
  const isa11 = fields[11] ?? '';
  const version = fields[12] ?? '';
  if (version >= '00402' && /^\d{5}$/.test(version)) {
    const rep = isa11.charCodeAt(0);
    if (
      isa11.length === 1 &&
      !isAlphanumeric(rep) &&
      isa11 !== delimiters.element &&
      isa11 !== delimiters.component &&
      isa11 !== delimiters.segment &&
      isa11 !== ' '
    ) {
      delimiters.repetition = isa11;
    } else {
      issues.push(
        issue(
          'invalid-repetition-separator',
          `ISA11 must be the repetition separator from version 00402 on (ISA12 is ${version}), but it is '${isa11}'`,
          { ...loc, element: 11 },
          { data: isa11 },
        ),
      );
    }
  }
  return { kind: 'ok', delimiters, body, end, wrapped, issues };

  function bad(why: string): IsaScan {
    return {
      kind: 'bad',
      issue: issue('isa-unparseable', `cannot read the ISA header: ${why}`, loc),
      resumeAt: pos + 3,
    };
  }
  function truncated(): IsaScan {
    return {
      kind: 'bad',
      issue: issue(
        'isa-unparseable',
        'the input ends inside the ISA header: a complete ISA is 106 bytes through its terminator',
        loc,
      ),
      resumeAt: buf.length,
    };
  }
}

function stripLineBreaks(bytes: Buffer): Buffer {
  const out = Buffer.allocUnsafe(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b !== CR && b !== LF) out[n++] = b;
  }
  return out.subarray(0, n);
}
