// Serialises segments. A segment read from input is written back with its own line break, so reading then
// writing a well-formed file gives the same bytes; with other delimiters, elements are re-split on the
// source separators and joined with the target ones (ISA11 and ISA16 follow the target delimiters).
import { Buffer } from 'node:buffer';
import { Segment, type Delimiters } from './segment.ts';

/** A segment built in code: a simple element is a string, a composite an array of components. */
export interface BuiltSegment {
  tag: string;
  elements: (string | readonly string[])[];
}

export interface WriterOptions {
  delimiters: Delimiters;
  encoding?: 'utf8' | 'latin1';
}

export class X12Writer {
  private readonly chunks: Buffer[] = [];
  private readonly encoding: 'utf8' | 'latin1';
  readonly delimiters: Delimiters;

  constructor(options: WriterOptions) {
    this.delimiters = options.delimiters;
    this.encoding = options.encoding ?? 'utf8';
  }

  /** Appends a segment read from input, or one built in code. */
  write(seg: Segment | BuiltSegment): this {
    if (seg instanceof Segment) this.writeParsed(seg);
    else this.text(`${formatBuilt(seg, this.delimiters)}${this.delimiters.segment}${this.delimiters.suffix}`);
    return this;
  }

  writeAll(segments: Iterable<Segment | BuiltSegment>): this {
    for (const s of segments) this.write(s);
    return this;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }

  toString(): string {
    return this.toBuffer().toString(this.encoding);
  }

  private text(s: string): void {
    this.chunks.push(Buffer.from(s, this.encoding));
  }

  private writeParsed(seg: Segment): void {
    const source = seg.syntax.delimiters;
    const target = this.delimiters;
    const same =
      source.element === target.element &&
      source.component === target.component &&
      source.repetition === target.repetition &&
      source.segment === target.segment;
    const trail = same ? seg.trail : target.suffix;
    if (same && seg.syntax.encoding === this.encoding) {
      this.chunks.push(seg.bytes);
      this.text(`${target.segment}${trail}`);
      return;
    }
    const elements = seg.elements.slice(1).map((value, i) => {
      if (seg.binary !== undefined && i === seg.elements.length - 2) return value;
      if (seg.tag === 'ISA') {
        if (i === 10 && source.repetition !== undefined) return target.repetition ?? value;
        if (i === 15) return target.component;
        return value;
      }
      return convertElement(value, source, target);
    });
    if (seg.binary !== undefined) {
      const head = [seg.tag, ...elements.slice(0, -1), ''].join(target.element);
      this.text(head);
      this.chunks.push(seg.binary);
      this.text(`${target.segment}${trail}`);
      return;
    }
    this.text(`${[seg.tag, ...elements].join(target.element)}${target.segment}${trail}`);
  }
}

function convertElement(value: string, from: Delimiters, to: Delimiters): string {
  const reps = from.repetition !== undefined ? value.split(from.repetition) : [value];
  return reps
    .map((r) => r.split(from.component).join(to.component))
    .join(to.repetition ?? from.repetition ?? '');
}

/** One built segment as text, without terminator. Trailing empty elements and components are dropped. */
export function formatBuilt(seg: BuiltSegment, d: Delimiters): string {
  const parts = seg.elements.map((e) => (typeof e === 'string' ? e : trimEnd([...e]).join(d.component)));
  return [seg.tag, ...trimEnd(parts)].join(d.element);
}

function trimEnd(values: string[]): string[] {
  let n = values.length;
  while (n > 0 && values[n - 1] === '') n--;
  return values.slice(0, n);
}

/** Writes segments with one set of delimiters. */
export function writeSegments(segments: Iterable<Segment | BuiltSegment>, options: WriterOptions): Buffer {
  return new X12Writer(options).writeAll(segments).toBuffer();
}
