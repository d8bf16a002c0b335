// The push-based X12 tokenizer: bytes in, segments out, in constant memory. It is synchronous and pure so
// that every chunking of the same input can be proven to give the same segments; reader.ts wraps it for
// streams.
//
// Speed comes from working on each chunk as one latin1 string (one byte = one character, so string
// positions are byte offsets): String.prototype.indexOf finds terminators at memchr speed, and a
// segment's text is a cheap substring. Creating a Buffer view per segment costs more than the scan itself.
// Chunks that are not pure ASCII are decoded again per segment where the encoding is UTF-8.
import { Buffer, isAscii } from 'node:buffer';
import { issue, type Issue, type IssueCode } from './issues.ts';
import { scanIsa, startsIsa } from './isa.ts';
import { Segment, type Syntax } from './segment.ts';

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const TAB = 0x09;
const NON_ASCII = /[\u0080-\uffff]/;

export interface TokenizerOptions {
  /** How element text is decoded. utf8 by default; latin1 keeps every byte as one character. */
  encoding?: 'utf8' | 'latin1';
  /** A segment longer than this (binary payloads aside) is reported and skipped. Default 1 MiB. */
  maxSegmentLength?: number;
  /** Receives every problem the tokenizer finds, before the segment it concerns is returned. */
  onIssue?: (issue: Issue) => void;
  /**
   * Receives each segment as it is read, instead of push() and end() returning them. The segment object is
   * reused for the next one: a consumer must be done with it when it returns, and keep copies of what it
   * needs, never the object. This is how analyze() reads, without allocating an object per segment.
   */
  onSegment?: (segment: Segment) => void;
}

const DEFAULT_MAX_SEGMENT = 1024 * 1024;
const TAG_SLOTS_MASK = 255;

/** Looking for an ISA; no delimiters known yet (start of input). */
const START = 0;
/** Inside an interchange. */
const INTERCHANGE = 1;
/** After an IEA: whitespace and a new ISA are expected; anything else is read with the last delimiters. */
const BETWEEN = 2;
/** Discarding bytes until the next ISA (unreadable input). */
const SKIP = 3;
type Mode = typeof START | typeof INTERCHANGE | typeof BETWEEN | typeof SKIP;

// Tag keys as tagAt computes them, so the hot path compares numbers rather than strings.
const key2 = (tag: string) => 0x10000 | (tag.charCodeAt(0) << 8) | tag.charCodeAt(1);
const key3 = (tag: string) =>
  0x1000000 | (tag.charCodeAt(0) << 16) | (tag.charCodeAt(1) << 8) | tag.charCodeAt(2);
const ST = key2('ST');
const SE = key2('SE');
const GS = key2('GS');
const GE = key2('GE');
const IEA = key3('IEA');
const BIN = key3('BIN');
const BDS = key3('BDS');

export class SegmentTokenizer {
  private readonly encoding: 'utf8' | 'latin1';
  private readonly maxSegment: number;
  private readonly onIssue: (issue: Issue) => void;
  private readonly onSegment: ((segment: Segment) => void) | undefined;
  private spare: Segment | undefined;
  private readonly tags = new Map<number, string>();
  private readonly tagKeys = new Int32Array(TAG_SLOTS_MASK + 1).fill(-1);
  private readonly tagNames: string[] = new Array<string>(TAG_SLOTS_MASK + 1).fill('');

  private chunks: Buffer[] = [];
  private chunkBytes = 0;
  /** Bytes needed in `chunks` before scanning again is worthwhile. */
  private need = 1;
  /** File offset of the first pending byte. */
  private base = 0;
  /** Line number at the first pending byte. */
  private line = 1;
  private mode: Mode = START;
  private lineTerminated = false;
  /**
   * The interchange puts a line break after each terminator (the ISA does): then its segments are not wrapped
   * (a wrapped file has no such breaks), and lines are counted from the breaks after terminators. A line
   * break inside a segment of such a file is still counted, but stays in the data, where validation reports
   * it as a control character.
   */
  private lineAfterTerminator = false;
  private tagKey = 0;
  private syntax: Syntax | undefined;
  private term = '~';
  private sepCode = 0x2a;
  private index = 0;
  private setPosition = 0;
  private inSet = false;
  private reportedWrap = false;
  private skippingOversize = false;
  private atStart = true;
  private ended = false;

  constructor(options: TokenizerOptions = {}) {
    this.encoding = options.encoding ?? 'utf8';
    this.maxSegment = options.maxSegmentLength ?? DEFAULT_MAX_SEGMENT;
    this.onIssue = options.onIssue ?? (() => undefined);
    this.onSegment = options.onSegment;
  }

  /** Hands a segment on: to the onSegment consumer in a reused object, or into the batch returned. */
  private emit(
    out: Segment[],
    tag: string,
    source: string,
    start: number,
    end: number,
    syntax: Syntax,
    offset: number,
    line: number,
    index: number,
    position: number,
    trail: string,
    binary: Buffer | undefined,
  ): void {
    const sink = this.onSegment;
    if (sink === undefined) {
      out.push(new Segment(tag, source, start, end, syntax, offset, line, index, position, trail, binary));
      return;
    }
    const seg =
      this.spare?.reuse(tag, source, start, end, syntax, offset, line, index, position, trail, binary) ??
      (this.spare = new Segment(
        tag,
        source,
        start,
        end,
        syntax,
        offset,
        line,
        index,
        position,
        trail,
        binary,
      ));
    sink(seg);
  }

  /** Feeds the next chunk; returns the segments it completed. */
  push(chunk: Uint8Array): Segment[] {
    if (this.ended) throw new Error('SegmentTokenizer.push after end');
    const out: Segment[] = [];
    if (chunk.length === 0) return out;
    this.chunks.push(
      Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length),
    );
    this.chunkBytes += chunk.length;
    if (this.chunkBytes >= this.need) this.scan(false, out);
    return out;
  }

  /** Signals the end of input; returns the last segments. */
  end(): Segment[] {
    const out: Segment[] = [];
    if (this.ended) return out;
    this.ended = true;
    this.scan(true, out);
    return out;
  }

  private scan(final: boolean, out: Segment[]): void {
    const buf = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.chunkBytes);
    const s = new Scan(buf, this.line, this.encoding === 'latin1' || isAscii(buf));
    const pos = this.run(s, final, out);
    this.line = s.lineAt(pos);
    this.base += pos;
    const rest = buf.subarray(pos);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.chunkBytes = rest.length;
    this.need = rest.length + Math.max(1, s.need);
  }

  private report(code: IssueCode, message: string, offset: number, line: number, extra?: { tag?: string }) {
    // Problems found while reading name the segment that comes next (or is being read) so that consumers
    // can attach them to the right interchange even though they arrive before the batch's segments.
    const location = { offset, line, segment: this.index + 1, ...(extra?.tag ? { tag: extra.tag } : {}) };
    this.onIssue(issue(code, message, location));
  }

  /** Consumes what it can of the scan; returns the index of the first unconsumed byte. */
  private run(s: Scan, final: boolean, out: Segment[]): number {
    const str = s.str;
    const len = str.length;
    let pos = 0;
    while (pos < len) {
      if (this.mode === SKIP) {
        const next = this.findIsa(s.buf, pos);
        // Keep the last bytes: "ISA" may straddle this chunk and the next.
        if (next < 0) return final ? len : Math.max(pos, len - 3);
        pos = next;
        this.mode = this.syntax ? BETWEEN : START;
        continue;
      }

      if (this.skippingOversize) {
        const t = str.indexOf(this.term, pos);
        if (t < 0) return len;
        pos = t + this.term.length;
        this.skippingOversize = false;
        continue;
      }

      if (this.mode === INTERCHANGE) {
        let c = str.charCodeAt(pos);
        if (c === LF || c === CR) {
          const line = s.lineAt(pos);
          let feeds = 0;
          while (c === LF || c === CR) {
            if (c === LF) feeds++;
            c = str.charCodeAt(++pos);
          }
          if (this.lineAfterTerminator) s.sync(pos, line + feeds);
        }
        if (pos >= len) return len;
      } else {
        // Before an ISA any whitespace, and a byte-order mark at the very start, are skipped.
        pos = this.skipWhitespace(s, pos);
        if (pos >= len) return len;
      }

      if (len - pos < 4 && !final) return pos;

      if (str.charCodeAt(pos) === 0x49 && startsIsa(s.buf, pos)) {
        const where = { offset: this.base + pos, line: s.lineAt(pos), segment: this.index + 1 };
        const isa = scanIsa(s.buf, pos, final, where);
        if (isa.kind === 'more') return pos;
        if (isa.kind === 'bad') {
          this.onIssue(isa.issue);
          pos = isa.resumeAt;
          this.mode = SKIP;
          continue;
        }
        this.syntax = { delimiters: isa.delimiters, encoding: this.encoding };
        this.setDelimiters();
        this.reportedWrap = false;
        for (const i of isa.issues) this.onIssue(i);
        if (isa.wrapped > 0) this.reportWrap(where.offset, where.line);
        const trailEnd = this.trailEnd(str, isa.end);
        this.lineAfterTerminator =
          isa.wrapped === 0 && !this.lineTerminated && isa.delimiters.suffix.includes('\n');
        if (this.lineAfterTerminator) s.sync(trailEnd, s.lineAt(trailEnd));
        this.inSet = false;
        this.emit(
          out,
          'ISA',
          isa.body.toString('latin1'),
          0,
          isa.body.length,
          this.syntax,
          where.offset,
          where.line,
          ++this.index,
          0,
          trailText(str, isa.end, trailEnd),
          undefined,
        );
        this.mode = INTERCHANGE;
        pos = trailEnd;
        continue;
      }

      if (this.mode === BETWEEN && !this.looksLikeSegment(str, pos)) {
        // Not even shaped like a segment: one report, then skip to the next ISA.
        if (len - pos < 20 && !final) return pos;
        this.report(
          'data-outside-interchange',
          `data that is not X12 outside any interchange: '${printable(str.slice(pos, pos + 20))}'`,
          this.base + pos,
          s.lineAt(pos),
        );
        this.mode = SKIP;
        continue;
      }

      if (this.mode === START) {
        const guessed = this.guessSyntax(s, pos, final);
        if (guessed === 'more') return pos;
        if (guessed === undefined) {
          this.mode = SKIP;
          continue;
        }
        this.syntax = guessed;
        this.setDelimiters();
        this.mode = BETWEEN;
      }

      const next = this.segment(s, pos, final, out);
      if (next < 0) return pos;
      pos = next;
    }
    return pos;
  }

  /** Reads one segment starting at pos. Returns the index after it (and its trail), or -1 for "need more". */
  private segment(s: Scan, pos: number, final: boolean, out: Segment[]): number {
    const str = s.str;
    const syntax = this.syntax!;
    const termLength = this.term.length;
    let term = str.indexOf(this.term, pos);
    if (term < 0) {
      if (str.length - pos > this.maxSegment) {
        this.reportOversize(pos, s);
        this.skippingOversize = true;
        return str.length;
      }
      if (!final) return -1;
      // The last segment may lack its terminator; a line-break terminator is routinely left off.
      if (str.slice(pos).trim() === '') return str.length;
      if (!this.lineTerminated && this.mode === INTERCHANGE) {
        this.report(
          'missing-final-terminator',
          `the input ends without a segment terminator '${printable(syntax.delimiters.segment)}' after its last segment`,
          this.base + pos,
          s.lineAt(pos),
        );
      }
      term = str.length;
    }
    // Both checks below wait for the line break after the terminator before reporting: a segment read again
    // once more bytes have come must not be reported twice (a chunk may end right after its terminator).
    if (term - pos > this.maxSegment && !str.startsWith('BIN', pos) && !str.startsWith('BDS', pos)) {
      const after = this.trailEnd(str, term + termLength);
      if (after >= str.length && !final) return -1;
      this.reportOversize(pos, s);
      return after;
    }
    if (term === pos) {
      const after = this.trailEnd(str, term + termLength);
      if (after >= str.length && !final) return -1;
      this.report(
        'empty-segment',
        `empty segment (two terminators '${printable(syntax.delimiters.segment)}' in a row)`,
        this.base + pos,
        s.lineAt(pos),
      );
      return after;
    }

    let tag = this.tagAt(str, pos, term);
    let key = this.tagKey;
    let binary: Buffer | undefined;
    let bodyEnd = term;
    if (key === BIN || key === BDS) {
      const bin = this.binaryBounds(str, pos, tag, final);
      if (bin === 'more') return -1;
      if (bin !== undefined) {
        if (bin.payloadEnd + termLength >= str.length && !final) {
          s.need = bin.payloadEnd + termLength + 1 - str.length;
          return -1;
        }
        if (str.startsWith(this.term, bin.payloadEnd)) {
          binary = Buffer.from(s.buf.subarray(bin.payloadStart, bin.payloadEnd));
          bodyEnd = bin.payloadStart;
          term = bin.payloadEnd;
        } else {
          this.report(
            'binary-length-mismatch',
            `${tag} declares ${bin.payloadEnd - bin.payloadStart} bytes of binary data, but no segment terminator follows them`,
            this.base + pos,
            s.lineAt(pos),
            { tag },
          );
        }
      }
    }

    let after = term + termLength;
    let c = str.charCodeAt(after);
    let feeds = 0;
    while (c === LF || c === CR) {
      if (c === LF) feeds++;
      c = str.charCodeAt(++after);
    }
    if (after >= str.length) {
      if (!final) return -1;
      after = str.length;
    }
    let line: number;
    let wrapped = false;
    if (
      this.lineAfterTerminator &&
      binary === undefined &&
      s.isSyncedAt(pos) &&
      !s.lineFeedBefore(pos, bodyEnd)
    ) {
      // One segment a line: count lines from the line breaks after terminators (see lineAfterTerminator).
      line = s.syncedLine;
      s.sync(after, line + feeds);
    } else {
      line = s.lineAt(pos);
      wrapped =
        !this.lineTerminated &&
        !this.lineAfterTerminator &&
        binary === undefined &&
        s.hasLineFeed(pos, bodyEnd);
      if (this.lineAfterTerminator) s.sync(after, s.lineAt(after));
    }
    let source = str;
    let start = pos;
    let end = bodyEnd;
    if (wrapped || !s.ascii) {
      let text = str.substring(pos, bodyEnd);
      if (!s.ascii && NON_ASCII.test(text)) text = s.buf.toString('utf8', pos, bodyEnd);
      if (wrapped) {
        text = text.replace(/[\r\n]/g, '');
        if (this.mode === INTERCHANGE) this.reportWrap(this.base + pos, line);
        // A wrap can fall inside or right after the tag ("N4\n*WILKESBORO"): read the tag again.
        tag = this.tagAt(text, 0, text.length);
        key = this.tagKey;
      }
      source = text;
      start = 0;
      end = text.length;
    }
    this.emit(
      out,
      tag,
      source,
      start,
      end,
      syntax,
      this.base + pos,
      line,
      ++this.index,
      this.positionFor(key),
      trailText(str, term + termLength, after),
      binary,
    );
    if (key === IEA) this.mode = BETWEEN;
    return after;
  }

  private positionFor(key: number): number {
    if (key === ST) {
      this.inSet = true;
      this.setPosition = 1;
      return 1;
    }
    if (!this.inSet) return 0;
    if (key === SE) {
      this.inSet = false;
      return ++this.setPosition;
    }
    if (key === GS || key === GE || key === IEA) {
      this.inSet = false;
      return 0;
    }
    return ++this.setPosition;
  }

  private trailEnd(str: string, from: number): number {
    let i = from;
    let c = str.charCodeAt(i);
    while (c === LF || c === CR) c = str.charCodeAt(++i);
    return i;
  }

  private tagAt(str: string, pos: number, end: number): string {
    const sep = this.sepCode;
    const b0 = str.charCodeAt(pos);
    const b1 = pos + 1 < end ? str.charCodeAt(pos + 1) : -1;
    const b2 = pos + 2 < end ? str.charCodeAt(pos + 2) : -1;
    let key: number;
    let length: number;
    if (b1 === -1 || b1 === sep) {
      key = b0;
      length = 1;
    } else if (b2 === -1 || b2 === sep) {
      key = 0x10000 | (b0 << 8) | b1;
      length = 2;
    } else if (pos + 3 >= end || str.charCodeAt(pos + 3) === sep) {
      key = 0x1000000 | (b0 << 16) | (b1 << 8) | b2;
      length = 3;
    } else {
      // Not a 1- to 3-character tag: take what precedes the separator (the validator reports it).
      let e = pos;
      while (e < end && str.charCodeAt(e) !== sep && e - pos < 16) e++;
      this.tagKey = -1;
      return str.substring(pos, e);
    }
    this.tagKey = key;
    // A small direct-mapped cache in front of the map: a file uses a few dozen tags, and two array reads
    // cost less than a Map lookup on every segment.
    const slot = (key ^ (key >>> 7) ^ (key >>> 15)) & TAG_SLOTS_MASK;
    if (this.tagKeys[slot] === key) return this.tagNames[slot]!;
    let tag = this.tags.get(key);
    if (tag === undefined) {
      tag = internalize(str.substring(pos, pos + length));
      this.tags.set(key, tag);
    }
    this.tagKeys[slot] = key;
    this.tagNames[slot] = tag;
    return tag;
  }

  private binaryBounds(
    str: string,
    pos: number,
    tag: string,
    final: boolean,
  ): { payloadStart: number; payloadEnd: number } | undefined | 'more' {
    const sep = this.sepCode;
    // BIN01 is the length; BDS01 is a filter id and BDS02 the length.
    let i = pos + tag.length;
    if (str.charCodeAt(i) !== sep) return undefined;
    i++;
    if (tag === 'BDS') {
      while (i < str.length && str.charCodeAt(i) !== sep) i++;
      if (i >= str.length) return final ? undefined : 'more';
      i++;
    }
    const digitsStart = i;
    let c = str.charCodeAt(i);
    while (c >= 0x30 && c <= 0x39 && i - digitsStart < 15) c = str.charCodeAt(++i);
    if (i >= str.length) return final ? undefined : 'more';
    if (i === digitsStart || c !== sep) return undefined;
    const length = Number(str.substring(digitsStart, i));
    return { payloadStart: i + 1, payloadEnd: i + 1 + length };
  }

  private setDelimiters(): void {
    const d = this.syntax!.delimiters;
    // Scanning happens on latin1 text, so a multi-byte UTF-8 terminator is searched as its bytes.
    this.term = Buffer.from(d.segment, 'utf8').toString('latin1');
    this.sepCode = d.element.charCodeAt(0);
    this.lineTerminated = this.term === '\n' || this.term === '\r';
  }

  private reportOversize(pos: number, s: Scan): void {
    this.report(
      'segment-too-long',
      `a segment runs past ${this.maxSegment} bytes without a terminator '${printable(this.syntax!.delimiters.segment)}'; skipped to the next terminator`,
      this.base + pos,
      s.lineAt(pos),
    );
  }

  private reportWrap(offset: number, line: number): void {
    if (this.reportedWrap) return;
    this.reportedWrap = true;
    this.report(
      'line-break-in-segment',
      'line breaks inside segments (the file looks wrapped at a fixed width); they were removed before reading the elements',
      offset,
      line,
    );
  }

  private skipWhitespace(s: Scan, pos: number): number {
    const str = s.str;
    let i = pos;
    if (this.atStart) {
      if (str.length - i < 3 && !this.ended) return i;
      this.atStart = false;
      if (str.charCodeAt(i) === 0xef && str.charCodeAt(i + 1) === 0xbb && str.charCodeAt(i + 2) === 0xbf) {
        this.report(
          'byte-order-mark',
          'the input starts with a UTF-8 byte-order mark; it was skipped',
          this.base + i,
          1,
        );
        i += 3;
      }
    }
    let c = str.charCodeAt(i);
    while (c === SP || c === TAB || c === CR || c === LF || c === 0x0b || c === 0x0c) c = str.charCodeAt(++i);
    return i;
  }

  /** A tag of one to three letters and digits, then the element separator (or the terminator). */
  private looksLikeSegment(str: string, pos: number): boolean {
    const sep = this.sepCode;
    const term = this.term.charCodeAt(0);
    for (let i = pos; i < pos + 4 && i < str.length; i++) {
      const c = str.charCodeAt(i);
      if (i > pos && (c === sep || c === term)) return true;
      const upper = c >= 0x41 && c <= 0x5a;
      const digit = c >= 0x30 && c <= 0x39;
      if (!(upper || (digit && i > pos))) return false;
    }
    return false;
  }

  private findIsa(buf: Buffer, from: number): number {
    let i = from;
    for (;;) {
      const at = buf.indexOf('ISA', i, 'latin1');
      if (at < 0 || at + 3 >= buf.length) return -1;
      if (startsIsa(buf, at)) return at;
      i = at + 1;
    }
  }

  /**
   * The input does not start with an ISA. Rather than give up with one line, read what follows with the
   * delimiters it seems to use, so the envelope checks can say what is wrong (an ST..SE without envelope,
   * say). EDIFACT, and data that does not look like segments at all, are reported and skipped.
   */
  private guessSyntax(s: Scan, pos: number, final: boolean): Syntax | undefined | 'more' {
    if (s.str.length - pos < 64 && !final) return 'more';
    const window = s.str.slice(pos, pos + 4096);
    const head = window.slice(0, 40);
    const at = { offset: this.base + pos, line: s.lineAt(pos), segment: this.index + 1 };
    if (/^UN[AB]/.test(head)) {
      this.onIssue(
        issue(
          'edifact-not-supported',
          `this is EDIFACT (it starts with '${head.slice(0, 3)}'), not X12; Dockside reads X12 only`,
          at,
        ),
      );
      return undefined;
    }
    const m = /^([A-Z][A-Z0-9]{1,2})([^A-Za-z0-9\s])/.exec(head);
    if (!m) {
      this.onIssue(
        issue(
          'not-x12',
          `expected an X12 interchange starting with 'ISA', found '${printable(head.slice(0, 20))}'`,
          at,
        ),
      );
      return undefined;
    }
    const element = m[2]!;
    const segment = window.includes('~') ? '~' : '\n';
    const component = element === ':' ? '>' : ':';
    this.onIssue(
      issue(
        'missing-interchange-header',
        `the input does not start with an ISA interchange header (it starts with '${printable(head.slice(0, 20))}'); its segments are read with element separator '${element}' and terminator '${printable(segment)}'`,
        at,
      ),
    );
    return { delimiters: { element, component, segment, suffix: '\n' }, encoding: this.encoding };
  }
}

/** One scan over the pending bytes, as latin1 text, with line bookkeeping. */
class Scan {
  readonly str: string;
  need = 0;
  /** Position of the next line feed at or after the last position asked about; -1 none; UNKNOWN. */
  private nextLf: number;
  private from = 0;
  private line: number;

  constructor(
    readonly buf: Buffer,
    startLine: number,
    /** True when every byte is ASCII, so latin1 text is also the UTF-8 text. */
    readonly ascii: boolean,
  ) {
    this.str = buf.toString('latin1');
    this.line = startLine;
    this.nextLf = UNKNOWN;
  }

  /** Line number at `pos`; positions must not go backwards between calls. */
  lineAt(pos: number): number {
    if (this.nextLf === UNKNOWN) this.nextLf = this.str.indexOf('\n', this.from);
    while (this.nextLf >= 0 && this.nextLf < pos) {
      this.line++;
      this.nextLf = this.str.indexOf('\n', this.nextLf + 1);
    }
    return this.line;
  }

  /** The caller counted the line feeds up to `pos` itself: the line there is `line`. */
  sync(pos: number, line: number): void {
    this.from = pos;
    this.line = line;
    this.nextLf = UNKNOWN;
  }

  /** Whether a line feed lies in [from, to), by one search that does not disturb the line count. */
  lineFeedBefore(from: number, to: number): boolean {
    const at = this.str.indexOf('\n', from);
    return at >= 0 && at < to;
  }

  /** Whether the line count is exact at `pos` without looking (a sync point). */
  isSyncedAt(pos: number): boolean {
    return this.from === pos && this.nextLf === UNKNOWN;
  }

  /** The line at the last sync point, for a caller that keeps count. */
  get syncedLine(): number {
    return this.line;
  }

  /** Whether a line feed lies in [from, to). Call after lineAt(from). */
  hasLineFeed(from: number, to: number): boolean {
    this.lineAt(from);
    return this.nextLf >= 0 && this.nextLf < to;
  }
}

/** Scan.nextLf before anyone has looked. */
const UNKNOWN = -2;

const TRAILS: Record<string, string> = { '\n': '\n', '\r\n': '\r\n', '\r': '\r' };

function trailText(str: string, from: number, to: number): string {
  if (to <= from) return '';
  if (to - from === 1) return str.charCodeAt(from) === LF ? '\n' : '\r';
  const text = str.substring(from, to);
  return TRAILS[text] ?? text;
}

/**
 * The engine's canonical copy of a string: property names are internalized, so comparing a tag with a
 * literal such as 'ST' is then a pointer comparison instead of a character one.
 */
function internalize(s: string): string {
  return Object.keys({ [s]: 0 })[0]!;
}

function printable(s: string): string {
  return s.replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\t/g, '\\t');
}
