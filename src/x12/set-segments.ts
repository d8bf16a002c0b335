// Each transaction set's segments, with the envelope around them, as plain values: what the document
// mappers (src/documents/mappers) read. The analyzer checks sets without keeping their segments (that is
// what keeps its memory flat); a set that passed and is to become a document is read again through this
// collector, which copies what it keeps, so it can share the tokenizer's reused segment object.
import { Buffer } from 'node:buffer';
import {
  readGroupHeader,
  readInterchangeHeader,
  type GroupHeader,
  type InterchangeHeader,
} from './envelope.ts';
import type { Issue } from './issues.ts';
import type { Segment } from './segment.ts';
import { SegmentTokenizer, type TokenizerOptions } from './tokenizer.ts';

/** One segment of a set, detached from the input. */
export interface SetSegment {
  tag: string;
  /** elements[0] is the tag, elements[n] element n as sent ('' or absent when empty). */
  elements: readonly string[];
  /** Position in the set, ST = 1. */
  position: number;
  /** 1-based ordinal in the input. */
  index: number;
  line: number;
  offset: number;
}

export interface TransactionSetSegments {
  interchange: InterchangeHeader;
  group: GroupHeader;
  /** ST01, ST02 and ST03 as sent. */
  setId: string;
  controlNumber: string;
  implementation?: string;
  /** From the ST to the SE inclusive, or to the last segment before the set broke off. */
  segments: SetSegment[];
  /** False when the set ended without its SE (the next ST, GE or IEA, or the end of input came first). */
  complete: boolean;
  component: string;
  repetition?: string;
}

/**
 * Feeds on segments in input order; returns each transaction set when it ends. Sets outside a group or an
 * interchange are not returned: the analyzer reports them, and they have no envelope to trace back to.
 */
export class TransactionSetCollector {
  private interchange: InterchangeHeader | undefined;
  private group: GroupHeader | undefined;
  private current: TransactionSetSegments | undefined;

  push(seg: Segment): TransactionSetSegments | undefined {
    switch (seg.tag) {
      case 'ISA': {
        const done = this.close(false);
        this.interchange = readInterchangeHeader(seg);
        this.group = undefined;
        return done;
      }
      case 'IEA': {
        const done = this.close(false);
        this.interchange = undefined;
        this.group = undefined;
        return done;
      }
      case 'GS': {
        const done = this.close(false);
        this.group = this.interchange ? readGroupHeader(seg) : undefined;
        return done;
      }
      case 'GE': {
        const done = this.close(false);
        this.group = undefined;
        return done;
      }
      case 'ST': {
        const done = this.close(false);
        if (this.interchange && this.group) {
          const delimiters = seg.syntax.delimiters;
          this.current = {
            interchange: this.interchange,
            group: this.group,
            setId: seg.element(1),
            controlNumber: seg.element(2),
            segments: [copy(seg)],
            complete: false,
            component: delimiters.component,
          };
          if (seg.element(3) !== '') this.current.implementation = seg.element(3);
          if (delimiters.repetition !== undefined) this.current.repetition = delimiters.repetition;
        }
        return done;
      }
      case 'SE':
        this.current?.segments.push(copy(seg));
        return this.close(true);
      default:
        this.current?.segments.push(copy(seg));
        return undefined;
    }
  }

  /** The set still open at the end of input, if any (incomplete). */
  end(): TransactionSetSegments | undefined {
    return this.close(false);
  }

  private close(complete: boolean): TransactionSetSegments | undefined {
    const done = this.current;
    if (done) done.complete = complete;
    this.current = undefined;
    return done;
  }
}

function copy(seg: Segment): SetSegment {
  return {
    tag: seg.tag,
    elements: [...seg.elements],
    position: seg.position,
    index: seg.index,
    line: seg.line,
    offset: seg.offset,
  };
}

/** Every transaction set of an in-memory input, and the problems the tokenizer found reading it. */
export function readTransactionSets(
  input: Uint8Array | string,
  options: Omit<TokenizerOptions, 'onSegment'> = {},
): { sets: TransactionSetSegments[]; issues: Issue[] } {
  const sets: TransactionSetSegments[] = [];
  const issues: Issue[] = [];
  const collector = new TransactionSetCollector();
  const tokenizer = new SegmentTokenizer({
    ...options,
    onIssue: (i) => {
      issues.push(i);
      options.onIssue?.(i);
    },
    onSegment: (seg) => {
      const done = collector.push(seg);
      if (done) sets.push(done);
    },
  });
  tokenizer.push(typeof input === 'string' ? Buffer.from(input, 'utf8') : input);
  tokenizer.end();
  const last = collector.end();
  if (last) sets.push(last);
  return { sets, issues };
}
