// Acknowledgments from an analysis: a TA1 for the interchange envelope, and per functional group a 997
// (004010 partners) or 999 (005010 partners) with AK2 per set, AK3/AK4 (IK3/IK4) for the segment and
// element errors, AK5/IK5 and AK9. One ack interchange answers one inbound interchange, with sender and
// receiver swapped and the inbound delimiters. Control numbers come from a counter the caller owns.
import { codeInfo, ta1NoteCode, type Issue } from '../issues.ts';
import type { AnalysisResult, GroupResult, InterchangeResult, SetResult } from '../analyzer.ts';
import type { Delimiters } from '../segment.ts';
import { formatBuilt, type BuiltSegment } from '../writer.ts';

export type FunctionalAckType = '997' | '999';

export interface ControlNumbers {
  /** The next unused control number of that kind; never reused. */
  next(kind: 'interchange' | 'group' | 'set'): number;
}

export interface AckPolicy {
  /** When to send a TA1: always, only when ISA14 asks, only on envelope errors, either (default), never. */
  ta1?: 'always' | 'requested' | 'errors' | 'requested-or-errors' | 'never';
  /** Which functional ack: by the group's version (default: 999 from 005010, 997 before), one of them, or none. */
  functional?: 'auto' | FunctionalAckType | 'none';
  /** Acknowledge groups of acknowledgments (GS01 = FA) too. Default false: acks are not acked. */
  ackAcks?: boolean;
}

export interface AckOptions extends AckPolicy {
  controlNumbers: ControlNumbers;
  /** Time written into ISA09/10 and GS04/05. */
  now: Date;
}

export interface AckInterchange {
  /** The inbound interchange answered. */
  inboundControlNumber: string;
  controlNumber: string;
  delimiters: Delimiters;
  segments: BuiltSegment[];
  ta1?: { code: 'A' | 'E' | 'R'; note: string };
  functional: { type: FunctionalAckType; groupControlNumber: string; code: string; setCodes: string[] }[];
}

const IMPLEMENTATION_999 = '005010X231';

export function buildAcknowledgments(analysis: AnalysisResult, options: AckOptions): AckInterchange[] {
  return analysis.interchanges
    .map((ic) => buildForInterchange(ic, options))
    .filter((a): a is AckInterchange => a !== undefined);
}

export function buildForInterchange(ic: InterchangeResult, options: AckOptions): AckInterchange | undefined {
  const policy = options.ta1 ?? 'requested-or-errors';
  const envelope = interchangeStatus(ic);
  const requested = ic.header.ackRequested === '1';
  const sendTa1 =
    policy === 'always' ||
    (policy === 'requested' && requested) ||
    (policy === 'errors' && envelope.code !== 'A') ||
    (policy === 'requested-or-errors' && (requested || envelope.code !== 'A'));

  const functionalPolicy = options.functional ?? 'auto';
  const groups =
    functionalPolicy === 'none'
      ? []
      : ic.groups.filter((g) => options.ackAcks === true || g.header.functionalId !== 'FA');
  if (!sendTa1 && groups.length === 0) return undefined;

  const d = ackDelimiters(ic);
  const controlNumber = pad(options.controlNumbers.next('interchange'), 9);
  const out: AckInterchange = {
    inboundControlNumber: ic.header.controlNumber,
    controlNumber,
    delimiters: d,
    segments: [],
    functional: [],
  };
  const { date6, date8, time4 } = stamp(options.now);
  const h = ic.header;
  out.segments.push({
    tag: 'ISA',
    elements: [
      '00',
      ' '.repeat(10),
      '00',
      ' '.repeat(10),
      fixed(h.receiverQualifier, 2),
      fixed(h.receiverId, 15),
      fixed(h.senderQualifier, 2),
      fixed(h.senderId, 15),
      date6,
      time4,
      /^\d{5}$/.test(h.version) && h.version >= '00402' ? (d.repetition ?? '^') : 'U',
      /^\d{5}$/.test(h.version) ? h.version : '00401',
      controlNumber,
      '0',
      h.usage === 'T' || h.usage === 'I' ? h.usage : 'P',
      d.component,
    ],
  });
  if (sendTa1) {
    out.ta1 = { code: envelope.code, note: envelope.note };
    out.segments.push({
      tag: 'TA1',
      elements: [fixed(h.controlNumber, 9, '0'), h.date, h.time, envelope.code, envelope.note],
    });
  }

  const byType = new Map<FunctionalAckType, GroupResult[]>();
  for (const g of groups) {
    const type: FunctionalAckType =
      functionalPolicy === '997' || functionalPolicy === '999'
        ? functionalPolicy
        : g.header.version.slice(0, 6) >= '005010'
          ? '999'
          : '997';
    byType.set(type, [...(byType.get(type) ?? []), g]);
  }
  let groupCount = 0;
  for (const [type, gs] of byType) {
    groupCount++;
    const groupControl = String(options.controlNumbers.next('group'));
    const version = type === '999' ? IMPLEMENTATION_999 : gs[0]!.header.version || '004010';
    out.segments.push({
      tag: 'GS',
      elements: [
        'FA',
        gs[0]!.header.receiverCode,
        gs[0]!.header.senderCode,
        date8,
        time4,
        groupControl,
        'X',
        version,
      ],
    });
    for (const g of gs) {
      const setControl = pad(options.controlNumbers.next('set'), 4);
      const ack = functionalAck(g, type, version, setControl, d);
      out.functional.push({
        type,
        groupControlNumber: g.header.controlNumber,
        code: ack.code,
        setCodes: ack.setCodes,
      });
      out.segments.push(...ack.segments);
    }
    out.segments.push({ tag: 'GE', elements: [String(gs.length), groupControl] });
  }
  out.segments.push({ tag: 'IEA', elements: [String(groupCount), controlNumber] });
  return out;
}

/** TA1 status of an interchange: R on any envelope error, E on envelope warnings with a TA1 code, else A. */
export function interchangeStatus(ic: InterchangeResult): { code: 'A' | 'E' | 'R'; note: string } {
  const envelopeIssues = [...ic.issues, ...ic.groups.flatMap((g) => g.issues.filter(isInterchangeNote))];
  const withCode = envelopeIssues.filter(
    (i) => codeInfo(i.code).ta1 !== undefined || i.code === 'isa-field-invalid',
  );
  const error = withCode.find((i) => i.severity === 'error');
  if (error) return { code: 'R', note: ta1NoteCode(error) };
  const warning = withCode.find((i) => i.severity === 'warning');
  if (warning) return { code: 'E', note: ta1NoteCode(warning) };
  return { code: 'A', note: '000' };
}

/** Group-level issues that only a TA1 can express (a bad GS field, a segment outside any set). */
function isInterchangeNote(i: Issue): boolean {
  const info = codeInfo(i.code);
  return info.ta1 !== undefined && info.group === undefined;
}

interface SetAck {
  code: 'A' | 'E' | 'R';
  segments: BuiltSegment[];
}

function functionalAck(
  g: GroupResult,
  type: FunctionalAckType,
  version: string,
  control: string,
  d: Delimiters,
): { code: string; setCodes: string[]; segments: BuiltSegment[] } {
  const v5 = version.slice(0, 6) >= '005010';
  const segments: BuiltSegment[] = [];
  segments.push({
    tag: 'ST',
    elements: type === '999' ? ['999', control, IMPLEMENTATION_999] : ['997', control],
  });
  segments.push({
    tag: 'AK1',
    elements: v5
      ? [g.header.functionalId, g.header.controlNumber, g.header.version]
      : [g.header.functionalId, g.header.controlNumber],
  });
  const setCodes: string[] = [];
  let accepted = 0;
  for (const s of g.sets) {
    const ack = setAck(s, type, v5, d);
    setCodes.push(ack.code);
    if (ack.code !== 'R') accepted++;
    segments.push(...ack.segments);
  }
  const groupErrors = g.issues.filter((i) => i.severity === 'error');
  const groupCodes = unique(
    groupErrors.map((i) => codeInfo(i.code).group).filter((c): c is string => c !== undefined),
  ).slice(0, 5);
  let code: string;
  if (groupErrors.length > 0 || !g.complete) code = 'R';
  else if (g.sets.length > 0 && accepted === 0) code = 'R';
  else if (accepted < g.sets.length) code = 'P';
  else if (setCodes.includes('E')) code = 'E';
  else code = 'A';
  if (!g.complete && !groupCodes.includes('3')) groupCodes.unshift('3');
  if (code === 'R' && accepted > 0) accepted = 0;
  const declared =
    g.declaredSets !== undefined && /^\d+$/.test(g.declaredSets)
      ? String(Number(g.declaredSets))
      : String(g.setCount);
  segments.push({
    tag: 'AK9',
    elements: [code, declared, String(g.setCount), String(accepted), ...groupCodes.slice(0, 5)],
  });
  segments.push({ tag: 'SE', elements: [String(segments.length + 1), control] });
  return { code, setCodes, segments };
}

function setAck(s: SetResult, type: FunctionalAckType, v5: boolean, d: Delimiters): SetAck {
  const segments: BuiltSegment[] = [];
  segments.push({
    tag: 'AK2',
    elements:
      v5 && s.implementation !== undefined
        ? [s.id, s.controlNumber, s.implementation]
        : [s.id, s.controlNumber],
  });
  const noted = s.issues.filter(isNoted);
  const errors = s.issues.filter((i) => i.severity === 'error');
  const segmentTag = type === '999' ? 'IK3' : 'AK3';
  const elementTag = type === '999' ? 'IK4' : 'AK4';
  for (const group of groupBySegment(noted)) {
    const first = group[0]!;
    const segLevel = group.find((i) => codeInfo(i.code).level === 'segment');
    const segCode = segLevel ? codeInfo(segLevel.code).segment! : '8';
    const loc = first.location;
    segments.push({
      tag: segmentTag,
      elements: [clean(loc.tag ?? '', d), String(loc.position ?? 0), clean(loc.loop ?? '', d), segCode],
    });
    for (const i of group) {
      const info = codeInfo(i.code);
      if (info.level !== 'element' || i.location.element === undefined) continue;
      const code = type === '999' ? (info.element999 ?? info.element!) : info.element!;
      const l = i.location;
      const position: string | string[] = v5
        ? [
            String(l.element),
            l.component !== undefined ? String(l.component) : '',
            l.repetition !== undefined ? String(l.repetition) : '',
          ]
        : String(l.element);
      const elements: (string | string[])[] = [position, l.elementRef ?? '', code];
      if (i.data !== undefined && i.data !== '') elements.push(clean(i.data, d).slice(0, 99));
      segments.push({ tag: elementTag, elements });
    }
  }
  const code = setAcceptance(s);
  const codes: string[] = [];
  if (code === 'R') {
    for (const i of errors) {
      const c = codeInfo(i.code).set;
      if (c !== undefined) codes.push(c);
    }
    if (!s.complete) codes.unshift('2');
    if (noted.some((i) => i.severity === 'error')) codes.push('5');
  } else if (code === 'E') {
    codes.push('5');
  }
  segments.push({ tag: type === '999' ? 'IK5' : 'AK5', elements: [code, ...unique(codes).slice(0, 5)] });
  return { code, segments };
}

/** AK501 / IK501 of a set: R on an error or a missing SE, E when only warnings with an ack code were found. */
export function setAcceptance(s: SetResult): 'A' | 'E' | 'R' {
  if (!s.complete || s.issues.some((i) => i.severity === 'error')) return 'R';
  return s.issues.some(isNoted) ? 'E' : 'A';
}

function isNoted(i: Issue): boolean {
  const level = codeInfo(i.code).level;
  return (level === 'segment' || level === 'element') && i.severity !== 'info' && hasAckCode(i);
}

function hasAckCode(i: Issue): boolean {
  const info = codeInfo(i.code);
  return info.segment !== undefined || info.element !== undefined;
}

/** Issues of one segment occurrence together, in input order; a missing segment is its own occurrence. */
function groupBySegment(issues: Issue[]): Issue[][] {
  const groups = new Map<string, Issue[]>();
  for (const i of issues) {
    const l = i.location;
    const key =
      i.code === 'mandatory-segment-missing' || i.code === 'hl-required-segment-missing'
        ? `missing:${l.tag}:${l.segment}`
        : `at:${l.segment}`;
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  }
  return [...groups.values()];
}

function ackDelimiters(ic: InterchangeResult): Delimiters {
  const d = ic.delimiters;
  const used = new Set([d.element, d.component, d.segment]);
  let repetition = d.repetition;
  if (repetition === undefined && ic.header.version >= '00402')
    repetition = ['^', '{', '|', '!', '`'].find((c) => !used.has(c));
  return repetition === undefined ? { ...d, repetition: undefined } : { ...d, repetition };
}

/** Removes delimiters from copied data so it cannot break the ack's own structure. */
function clean(value: string, d: Delimiters): string {
  let out = value;
  for (const sep of [d.element, d.component, d.segment, d.repetition]) {
    if (sep !== undefined && sep !== '') out = out.split(sep).join(' ');
  }
  return out.replace(/[\r\n]/g, ' ');
}

function stamp(now: Date): { date6: string; date8: string; time4: string } {
  const y = now.getUTCFullYear();
  const m = pad(now.getUTCMonth() + 1, 2);
  const day = pad(now.getUTCDate(), 2);
  return {
    date6: `${String(y).slice(2)}${m}${day}`,
    date8: `${y}${m}${day}`,
    time4: `${pad(now.getUTCHours(), 2)}${pad(now.getUTCMinutes(), 2)}`,
  };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function fixed(value: string, width: number, fill = ' '): string {
  if (value.length >= width) return value.slice(0, width);
  return fill === '0' ? value.padStart(width, '0') : value.padEnd(width, fill);
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

/** The ack interchange as text, with its delimiters. */
export function serializeAck(ack: AckInterchange): string {
  return ack.segments
    .map((s) => `${formatBuilt(s, ack.delimiters)}${ack.delimiters.segment}${ack.delimiters.suffix}`)
    .join('');
}
