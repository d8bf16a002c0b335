// What every X12 mapper needs: typed reads of element values that turn a missing or unreadable value into
// an issue at its segment and element, the trace of a segment, and the document's source.
import type { SetSegment, TransactionSetSegments } from '../../x12/set-segments.ts';
import type { IsoDate, IsoTime, Trace, X12Source } from '../common.ts';
import { impliedDecimal, normalizeDecimal } from '../decimal.ts';
import {
  documentIssue,
  type DocumentIssue,
  type DocumentIssueCode,
  type DocumentLocation,
} from '../issues.ts';

/** Who the set came from, and where the file is kept, as the caller knows them. */
export interface MapOptions {
  partnerId: string;
  receiptId?: string;
  fileName?: string;
}

export function locate(seg: SetSegment, element?: number, component?: number): DocumentLocation {
  const l: DocumentLocation = {
    line: seg.line,
    offset: seg.offset,
    segment: seg.index,
    tag: seg.tag,
    position: seg.position,
  };
  if (element !== undefined) l.element = element;
  if (component !== undefined) l.component = component;
  return l;
}

export function traceOf(seg: SetSegment): Trace {
  return { line: seg.line, position: seg.position };
}

/** "N104", "SN102": how X12 people name an element. */
export function elementName(tag: string, n: number): string {
  return `${tag}${String(n).padStart(2, '0')}`;
}

export class MapContext {
  readonly issues: DocumentIssue[] = [];

  constructor(
    readonly set: TransactionSetSegments,
    readonly options: MapOptions,
  ) {}

  issue(code: DocumentIssueCode, message: string, location: DocumentLocation, data?: string): void {
    this.issues.push(documentIssue(code, message, location, data));
  }

  get failed(): boolean {
    return this.issues.some((i) => i.severity === 'error');
  }

  /** Element n as sent with surrounding spaces removed, or undefined when empty. */
  text(seg: SetSegment, n: number): string | undefined {
    const v = seg.elements[n]?.trim();
    return v === undefined || v === '' ? undefined : v;
  }

  /** Element n, reporting it when absent: `what` names the business value for the message. */
  required(seg: SetSegment, n: number, what: string): string | undefined {
    const v = this.text(seg, n);
    if (v === undefined) {
      this.issue(
        'required-value-missing',
        `${elementName(seg.tag, n)} (${what}) is empty; the ${this.documentName} needs it`,
        locate(seg, n),
      );
    }
    return v;
  }

  /** A value a document needs that comes from a segment that is not there at all. */
  missingSegment(tag: string, what: string, near: SetSegment): void {
    this.issue(
      'required-segment-missing',
      `no ${tag} segment, so no ${what}; the ${this.documentName} needs it`,
      locate(near),
    );
  }

  /** An R (decimal) element in canonical form. */
  decimal(seg: SetSegment, n: number, what: string, required = false): string | undefined {
    const v = required ? this.required(seg, n, what) : this.text(seg, n);
    if (v === undefined) return undefined;
    const d = normalizeDecimal(v);
    if (d === undefined) this.invalid(seg, n, what, v, 'a decimal number');
    return d;
  }

  /** An Nn element (implied decimals) in canonical form. */
  implied(seg: SetSegment, n: number, places: number, what: string, required = false): string | undefined {
    const v = required ? this.required(seg, n, what) : this.text(seg, n);
    if (v === undefined) return undefined;
    const d = impliedDecimal(v, places);
    if (d === undefined)
      this.invalid(seg, n, what, v, `a number with ${places} implied decimals, without a point`);
    return d;
  }

  integer(seg: SetSegment, n: number, what: string): number | undefined {
    const v = this.text(seg, n);
    if (v === undefined) return undefined;
    if (!/^[0-9]{1,9}$/.test(v)) {
      this.invalid(seg, n, what, v, 'a whole number');
      return undefined;
    }
    return Number(v);
  }

  /** A DT element (CCYYMMDD) as an ISO date. */
  date(seg: SetSegment, n: number, what: string, required = false): IsoDate | undefined {
    const v = required ? this.required(seg, n, what) : this.text(seg, n);
    if (v === undefined) return undefined;
    const m = /^([0-9]{4})([0-9]{2})([0-9]{2})$/.exec(v);
    const iso = m ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
    if (iso === undefined || !isRealDate(iso)) {
      this.invalid(seg, n, what, v, 'a date CCYYMMDD');
      return undefined;
    }
    return iso;
  }

  /** A TM element (HHMM, HHMMSS, HHMMSSd…) as HH:MM or HH:MM:SS; fractions of a second are dropped. */
  time(seg: SetSegment, n: number, what: string): IsoTime | undefined {
    const v = this.text(seg, n);
    if (v === undefined) return undefined;
    const m = /^([01][0-9]|2[0-3])([0-5][0-9])(?:([0-5][0-9])[0-9]*)?$/.exec(v);
    if (!m) {
      this.invalid(seg, n, what, v, 'a time HHMM or HHMMSS');
      return undefined;
    }
    return m[3] === undefined ? `${m[1]}:${m[2]}` : `${m[1]}:${m[2]}:${m[3]}`;
  }

  /** A currency code (CUR02): ISO 4217, three capital letters. */
  currency(seg: SetSegment, n: number): string | undefined {
    const v = this.text(seg, n);
    if (v === undefined) return undefined;
    if (!/^[A-Z]{3}$/.test(v)) {
      this.invalid(seg, n, 'currency code', v, 'an ISO 4217 currency code');
      return undefined;
    }
    return v;
  }

  private invalid(seg: SetSegment, n: number, what: string, value: string, expected: string): void {
    this.issue(
      'invalid-value',
      `${elementName(seg.tag, n)} (${what}) is "${value}", which is not ${expected}`,
      locate(seg, n),
      value,
    );
  }

  /** The components of element n (its first repetition). */
  components(seg: SetSegment, n: number): string[] {
    const value = seg.elements[n] ?? '';
    const first = this.set.repetition === undefined ? value : (value.split(this.set.repetition)[0] ?? '');
    return first.split(this.set.component);
  }

  source(): X12Source {
    const { set, options } = this;
    const first = set.segments[0];
    const last = set.segments[set.segments.length - 1];
    const out: X12Source = {
      kind: 'x12',
      setId: set.setId,
      version: set.group.version,
      interchangeControlNumber: set.interchange.controlNumber,
      groupControlNumber: set.group.controlNumber,
      setControlNumber: set.controlNumber,
      senderQualifier: set.interchange.senderQualifier,
      senderId: set.interchange.senderId,
      receiverQualifier: set.interchange.receiverQualifier,
      receiverId: set.interchange.receiverId,
      groupSenderCode: set.group.senderCode,
      groupReceiverCode: set.group.receiverCode,
      firstLine: first?.line ?? 1,
      lastLine: last?.line ?? 1,
      offset: first?.offset ?? 0,
    };
    if (options.receiptId !== undefined) out.receiptId = options.receiptId;
    if (options.fileName !== undefined) out.fileName = options.fileName;
    return out;
  }

  private get documentName(): string {
    return DOCUMENT_NAMES[this.set.setId] ?? `${this.set.setId} document`;
  }
}

const DOCUMENT_NAMES: Record<string, string> = {
  '856': 'ship notice',
  '810': 'invoice',
  '850': 'purchase order',
  '204': 'load tender',
  '990': 'load tender response',
  '214': 'shipment status',
  '210': 'freight invoice',
  '855': 'purchase order acknowledgment',
  '940': 'warehouse shipping order',
  '945': 'warehouse shipping advice',
  '846': 'inventory advice',
};

function isRealDate(iso: string): boolean {
  const d = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(iso);
}
