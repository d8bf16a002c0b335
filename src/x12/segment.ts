import { Buffer } from 'node:buffer';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The separators of one interchange, as its ISA declares them. */
export interface Delimiters {
  element: string;
  component: string;
  /** Absent before version 00402 or when ISA11 holds no usable separator. */
  repetition?: string;
  segment: string;
  /** Line break written after each segment terminator ('' when the interchange has none). */
  suffix: string;
}

/** How the segments of one interchange are encoded. Shared by all its segments. */
export interface Syntax {
  delimiters: Delimiters;
  encoding: 'utf8' | 'latin1';
}

/**
 * One segment as it was read. Its text is kept whole and split into elements only when someone asks: the
 * envelope checks touch a few segments' elements, and not splitting the rest is what lets the reader run
 * near memchr speed. `elements[0]` is the tag, so `elements[n]` is element n (N101 is `elements[1]`).
 */
export class Segment {
  // Assigned in the constructor (not a class-field initialiser, which runs define-semantics code on every
  // construction), so every segment has one object shape whether or not its elements were decoded.
  private decoded: string[] | undefined;

  constructor(
    readonly tag: string,
    /**
     * The text the segment is cut from: the segment itself, or [start, end) of a larger chunk. Hot paths
     * (the validator) read elements straight from here instead of allocating strings; others use `text`.
     */
    public source: string,
    public start: number,
    public end: number,
    readonly syntax: Syntax,
    /** Byte offset of the first byte of the tag in the input. */
    readonly offset: number,
    /** 1-based line of the first byte of the tag. */
    readonly line: number,
    /** 1-based ordinal in the input. */
    readonly index: number,
    /** Ordinal in the transaction set (ST = 1), 0 outside one. */
    readonly position: number,
    /** The line-break bytes that followed the terminator in the input. */
    readonly trail: string,
    /** The payload of a binary segment (BIN02, BDS03), which is never split on delimiters. */
    readonly binary?: Buffer,
  ) {
    this.decoded = undefined;
  }

  /**
   * Makes this object the next segment of the input, for a consumer that handles each segment before it
   * asks for the next and keeps none (see SegmentTokenizer's `onSegment`): one object serves a whole file,
   * which spares the allocator and the garbage collector five million objects per 100 MB.
   */
  reuse(
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
  ): this {
    const self = this as Mutable<Segment>;
    self.tag = tag;
    self.source = source;
    self.start = start;
    self.end = end;
    self.syntax = syntax;
    self.offset = offset;
    self.line = line;
    self.index = index;
    self.position = position;
    self.trail = trail;
    self.binary = binary;
    this.decoded = undefined;
    return this;
  }

  /** The segment without its terminator, binary payload excluded (a BIN's text ends after BIN01's separator). */
  get text(): string {
    if (this.start !== 0 || this.end !== this.source.length) {
      // Cut once; dropping the reference to the chunk lets it be collected.
      this.source = this.source.substring(this.start, this.end);
      this.start = 0;
      this.end = this.source.length;
    }
    return this.source;
  }

  get elements(): readonly string[] {
    if (this.decoded === undefined) {
      // A manual split from the chunk: about twice as fast as String.prototype.split on short segments.
      const parts: string[] = [];
      const src = this.source;
      const sep = this.syntax.delimiters.element;
      const end = this.end;
      let from = this.start;
      for (;;) {
        const at = src.indexOf(sep, from);
        if (at < 0 || at >= end) {
          parts.push(src.substring(from, end));
          break;
        }
        parts.push(src.substring(from, at));
        from = at + 1;
      }
      if (this.binary !== undefined) parts[parts.length - 1] = this.binary.toString('latin1');
      this.decoded = parts;
    }
    return this.decoded;
  }

  /** Element n (1-based) as sent, or '' when absent. */
  element(n: number): string {
    return this.elements[n] ?? '';
  }

  /** Number of elements, trailing empty ones included. */
  get count(): number {
    return this.elements.length - 1;
  }

  /** The repetitions of element n (a single one unless the interchange declares a repetition separator). */
  repetitions(n: number): string[] {
    const value = this.element(n);
    const rep = this.syntax.delimiters.repetition;
    return rep === undefined ? [value] : value.split(rep);
  }

  /** The components of element n, of its repetition r (0-based). */
  components(n: number, r = 0): string[] {
    const value = this.repetitions(n)[r] ?? '';
    return value.split(this.syntax.delimiters.component);
  }

  /** The segment's bytes as read, without the terminator. */
  get bytes(): Buffer {
    const head = Buffer.from(this.text, this.syntax.encoding);
    return this.binary === undefined ? head : Buffer.concat([head, this.binary]);
  }
}
