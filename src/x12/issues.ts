// Problems in the data are values, never exceptions. Each carries a stable code, a severity, a message
// written for the person who has to fix the file, and where it is. The catalogue below maps each code onto
// the X12 acknowledgment code lists so the ack builders never have to interpret messages.

export type Severity = 'error' | 'warning' | 'info';

export interface Location {
  /** Byte offset of the segment's first byte in the input. */
  offset: number;
  /** 1-based line of the segment's first byte. */
  line: number;
  /** 1-based ordinal of the segment in the input (0 when the problem is not tied to a segment). */
  segment: number;
  /** The segment's tag, when there is a segment. */
  tag?: string;
  /** Position of the segment in its transaction set, ST = 1 (AK302 / IK302). */
  position?: number;
  /** Loop identifier the segment belongs to (AK303 / IK303). */
  loop?: string;
  /** 1-based element position (AK401 / IK401-1). */
  element?: number;
  /** 1-based component position inside a composite (IK401-2). */
  component?: number;
  /** 1-based repetition of a repeating element (IK401-3). */
  repetition?: number;
  /** Data element reference number (AK402 / IK402). */
  elementRef?: string;
}

export interface Issue {
  code: IssueCode;
  severity: Severity;
  message: string;
  location: Location;
  /** A copy of the offending element value (AK404 / IK404), when there is one. */
  data?: string;
}

/** Where an issue belongs in an acknowledgment. */
export type AckLevel = 'file' | 'interchange' | 'group' | 'set' | 'segment' | 'element';

interface CodeInfo {
  level: AckLevel;
  severity: Severity;
  /** TA1 I18 note code (interchange level). */
  ta1?: string;
  /** AK9 716 functional group syntax error code. */
  group?: string;
  /** AK5 718 transaction set syntax error code. */
  set?: string;
  /** AK304 720 segment syntax error code. */
  segment?: string;
  /** AK403 723 element syntax error code, 997 flavour. */
  element?: string;
  /** IK403 code where the 999 has a more precise implementation code. */
  element999?: string;
}

const catalogue = {
  // The input itself.
  'not-x12': { level: 'file', severity: 'error' },
  'edifact-not-supported': { level: 'file', severity: 'error' },
  'missing-interchange-header': { level: 'file', severity: 'error' },
  'data-outside-interchange': { level: 'file', severity: 'error' },
  'byte-order-mark': { level: 'file', severity: 'info' },
  // The interchange envelope.
  'isa-unparseable': { level: 'file', severity: 'error' },
  'isa-nonstandard-length': { level: 'interchange', severity: 'warning' },
  'isa-field-invalid': { level: 'interchange', severity: 'error', ta1: '022' },
  'invalid-component-separator': { level: 'interchange', severity: 'error', ta1: '027' },
  'invalid-repetition-separator': { level: 'interchange', severity: 'warning', ta1: '016' },
  'line-break-in-segment': { level: 'interchange', severity: 'warning' },
  'empty-segment': { level: 'interchange', severity: 'warning' },
  'segment-too-long': { level: 'interchange', severity: 'error', ta1: '024' },
  'missing-final-terminator': { level: 'interchange', severity: 'warning' },
  'binary-length-mismatch': { level: 'interchange', severity: 'error', ta1: '024' },
  'iea-control-number': { level: 'interchange', severity: 'error', ta1: '001' },
  'iea-group-count': { level: 'interchange', severity: 'error', ta1: '021' },
  'iea-field-invalid': { level: 'interchange', severity: 'error', ta1: '022' },
  'interchange-not-ended': { level: 'interchange', severity: 'error', ta1: '023' },
  // Checks against the partner registry and earlier traffic, made by the pipeline.
  'sender-not-partner': { level: 'interchange', severity: 'error', ta1: '006' },
  'duplicate-interchange': { level: 'interchange', severity: 'error', ta1: '025' },
  // 1: "functional group not supported" — X12 has no code for an unknown application sender.
  'application-sender-not-partner': { level: 'group', severity: 'error', group: '1' },
  // 1: "transaction set not supported".
  'set-not-agreed': { level: 'set', severity: 'error', set: '1' },
  'unexpected-envelope-segment': { level: 'interchange', severity: 'error', ta1: '024' },
  'segment-outside-group': { level: 'interchange', severity: 'error', ta1: '024' },
  'segment-outside-set': { level: 'group', severity: 'error', ta1: '024' },
  // Functional groups.
  'gs-field-invalid': { level: 'group', severity: 'error', ta1: '024' },
  'gs-control-number-invalid': { level: 'group', severity: 'error', group: '6' },
  'ge-control-number': { level: 'group', severity: 'error', group: '4' },
  'ge-set-count': { level: 'group', severity: 'error', group: '5' },
  'ge-field-invalid': { level: 'group', severity: 'error', group: '6' },
  'group-not-ended': { level: 'group', severity: 'error', group: '3' },
  'duplicate-group-control-number': { level: 'group', severity: 'error', group: '6' },
  // Transaction sets.
  'st-field-invalid': { level: 'set', severity: 'error', set: '6' },
  'st-control-number-invalid': { level: 'set', severity: 'error', set: '7' },
  'set-not-supported': { level: 'set', severity: 'warning', set: '1' },
  'set-wrong-group': { level: 'set', severity: 'error', set: '6' },
  'se-segment-count': { level: 'set', severity: 'error', set: '4' },
  'se-control-number': { level: 'set', severity: 'error', set: '3' },
  'se-field-invalid': { level: 'set', severity: 'error', set: '4' },
  'set-not-ended': { level: 'set', severity: 'error', set: '2' },
  'duplicate-set-control-number': { level: 'set', severity: 'error', set: '23' },
  'spec-version-fallback': { level: 'set', severity: 'info' },
  'issues-truncated': { level: 'set', severity: 'warning' },
  // Segments (spec).
  'unrecognized-segment': { level: 'segment', severity: 'error', segment: '1' },
  'mandatory-segment-missing': { level: 'segment', severity: 'error', segment: '3' },
  'loop-over-max': { level: 'segment', severity: 'error', segment: '4' },
  'segment-over-max': { level: 'segment', severity: 'error', segment: '5' },
  'segment-not-in-set': { level: 'segment', severity: 'error', segment: '6' },
  'segment-out-of-order': { level: 'segment', severity: 'error', segment: '7' },
  'hl-level-unknown': { level: 'element', severity: 'warning', element: '7' },
  'hl-sequence': { level: 'element', severity: 'error', element: '7' },
  'hl-parent-missing': { level: 'element', severity: 'error', element: '7' },
  'hl-parent-level': { level: 'element', severity: 'error', element: '7' },
  'hl-child-code': { level: 'element', severity: 'error', element: '7' },
  'hl-required-segment-missing': { level: 'segment', severity: 'error', segment: '3' },
  // Elements (spec).
  'mandatory-element-missing': { level: 'element', severity: 'error', element: '1' },
  'conditional-element-missing': { level: 'element', severity: 'error', element: '2' },
  'too-many-elements': { level: 'element', severity: 'error', element: '3' },
  'element-too-short': { level: 'element', severity: 'error', element: '4' },
  'element-too-long': { level: 'element', severity: 'error', element: '5' },
  'invalid-character': { level: 'element', severity: 'error', element: '6' },
  'invalid-code': { level: 'element', severity: 'error', element: '7' },
  'invalid-date': { level: 'element', severity: 'error', element: '8' },
  'invalid-time': { level: 'element', severity: 'error', element: '9' },
  'exclusion-violated': { level: 'element', severity: 'error', element: '10' },
  'element-not-used': { level: 'element', severity: 'error', element: '10', element999: 'I10' },
  'too-many-repetitions': { level: 'element', severity: 'error', element: '12' },
  'too-many-components': { level: 'element', severity: 'error', element: '13' },
  'uncommon-code': { level: 'element', severity: 'warning' },
} as const satisfies Record<string, CodeInfo>;

export type IssueCode = keyof typeof catalogue;

export const ISSUE_CODES: Readonly<Record<IssueCode, Readonly<CodeInfo>>> = catalogue;

export function codeInfo(code: IssueCode): Readonly<CodeInfo> {
  return ISSUE_CODES[code];
}

/** Builds an issue with the catalogue's default severity. */
export function issue(
  code: IssueCode,
  message: string,
  location: Location,
  extra?: { severity?: Severity; data?: string },
): Issue {
  const out: Issue = { code, severity: extra?.severity ?? ISSUE_CODES[code].severity, message, location };
  if (extra?.data !== undefined) out.data = extra.data;
  return out;
}

/** TA1 note codes for problems in one ISA field, by element position (ISA01 -> index 1). */
const ISA_FIELD_TA1: Record<number, string> = {
  1: '010',
  2: '011',
  3: '012',
  4: '013',
  5: '005',
  6: '006',
  7: '007',
  8: '008',
  9: '014',
  10: '015',
  11: '016',
  12: '017',
  13: '018',
  14: '019',
  15: '020',
  16: '027',
};

/** The TA1 I18 note code for an interchange-level issue. */
export function ta1NoteCode(i: Issue): string {
  if (i.code === 'isa-field-invalid' && i.location.element !== undefined) {
    return ISA_FIELD_TA1[i.location.element] ?? '022';
  }
  return ISSUE_CODES[i.code].ta1 ?? '024';
}
