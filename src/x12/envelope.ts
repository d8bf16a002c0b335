// Field checks of the envelope segments (ISA, GS, ST, SE, GE, IEA) and the values read from them. The
// structure around them (what encloses what, counts, matching control numbers) is in analyzer.ts.
import { isValidDate, isValidTime } from './elements.ts';
import { issue, type Issue, type IssueCode, type Location } from './issues.ts';
import { ISA_WIDTHS } from './isa.ts';
import type { Segment } from './segment.ts';

export interface InterchangeHeader {
  authorizationQualifier: string;
  authorization: string;
  securityQualifier: string;
  security: string;
  senderQualifier: string;
  senderId: string;
  receiverQualifier: string;
  receiverId: string;
  date: string;
  time: string;
  /** ISA11: the repetition separator from 00402, the standards identifier ('U') before. */
  standardsId: string;
  version: string;
  controlNumber: string;
  ackRequested: string;
  usage: string;
}

export interface GroupHeader {
  functionalId: string;
  senderCode: string;
  receiverCode: string;
  date: string;
  time: string;
  controlNumber: string;
  agency: string;
  version: string;
}

export function locate(seg: Segment, element?: number): Location {
  const l: Location = { offset: seg.offset, line: seg.line, segment: seg.index, tag: seg.tag };
  if (seg.position > 0) l.position = seg.position;
  if (element !== undefined) l.element = element;
  return l;
}

export function readInterchangeHeader(isa: Segment): InterchangeHeader {
  const e = (n: number) => isa.element(n);
  return {
    authorizationQualifier: e(1),
    authorization: e(2),
    securityQualifier: e(3),
    security: e(4),
    senderQualifier: e(5),
    senderId: e(6).trimEnd(),
    receiverQualifier: e(7),
    receiverId: e(8).trimEnd(),
    date: e(9),
    time: e(10),
    standardsId: e(11),
    version: e(12),
    controlNumber: e(13),
    ackRequested: e(14),
    usage: e(15),
  };
}

export function readGroupHeader(gs: Segment): GroupHeader {
  const e = (n: number) => gs.element(n);
  return {
    functionalId: e(1),
    senderCode: e(2),
    receiverCode: e(3),
    date: e(4),
    time: e(5),
    controlNumber: e(6),
    agency: e(7),
    version: e(8),
  };
}

/** Interchange id qualifiers (I05). */
const ID_QUALIFIERS = new Set([
  '01',
  '02',
  '03',
  '04',
  '07',
  '08',
  '09',
  '10',
  '11',
  '12',
  '13',
  '14',
  '15',
  '16',
  '17',
  '18',
  '19',
  '20',
  '21',
  '22',
  '23',
  '24',
  '25',
  '26',
  '27',
  '28',
  '29',
  '30',
  '31',
  '32',
  '33',
  '34',
  '35',
  '36',
  '37',
  '38',
  'AM',
  'NR',
  'SA',
  'SN',
  'ZZ',
]);

const ISA_NAMES = [
  '',
  'Authorization Information Qualifier',
  'Authorization Information',
  'Security Information Qualifier',
  'Security Information',
  'Interchange ID Qualifier (sender)',
  'Interchange Sender ID',
  'Interchange ID Qualifier (receiver)',
  'Interchange Receiver ID',
  'Interchange Date',
  'Interchange Time',
  'Repetition Separator / Standards Identifier',
  'Interchange Control Version Number',
  'Interchange Control Number',
  'Acknowledgment Requested',
  'Interchange Usage Indicator',
  'Component Element Separator',
];

export function checkInterchangeHeader(isa: Segment): Issue[] {
  const out: Issue[] = [];
  const bad = (n: number, why: string) =>
    out.push(
      issue('isa-field-invalid', `ISA${n < 10 ? '0' : ''}${n} (${ISA_NAMES[n]}) ${why}`, locate(isa, n), {
        data: isa.element(n),
      }),
    );
  if (isa.count !== 16) {
    out.push(
      issue(
        'isa-field-invalid',
        `ISA has ${isa.count} elements where the standard has 16`,
        locate(isa, Math.min(Math.max(isa.count, 1), 16)),
      ),
    );
  }
  for (let n = 1; n <= 16 && n <= isa.count; n++) {
    const v = isa.element(n);
    if (v.length !== ISA_WIDTHS[n])
      bad(n, `must be exactly ${ISA_WIDTHS[n]} characters, found ${v.length}: '${v}'`);
  }
  const e = (n: number) => isa.element(n);
  if (!/^\d\d$/.test(e(1))) bad(1, `must be a two-digit qualifier, found '${e(1)}'`);
  if (e(3) !== '00' && e(3) !== '01') bad(3, `must be 00 or 01, found '${e(3)}'`);
  if (!ID_QUALIFIERS.has(e(5))) bad(5, `'${e(5)}' is not an interchange ID qualifier`);
  if (e(6).trim() === '') bad(6, 'is blank');
  if (!ID_QUALIFIERS.has(e(7))) bad(7, `'${e(7)}' is not an interchange ID qualifier`);
  if (e(8).trim() === '') bad(8, 'is blank');
  if (!isValidDate(e(9)) || e(9).length !== 6) bad(9, `must be a date YYMMDD, found '${e(9)}'`);
  if (!isValidTime(e(10)) || e(10).length !== 4) bad(10, `must be a time HHMM, found '${e(10)}'`);
  if (!/^\d{5}$/.test(e(12)))
    bad(12, `must be a five-digit version such as 00401 or 00501, found '${e(12)}'`);
  else if (e(12) < '00402' && e(11) !== 'U') bad(11, `must be 'U' before version 00402, found '${e(11)}'`);
  if (!/^\d{9}$/.test(e(13))) bad(13, `must be nine digits, found '${e(13)}'`);
  if (e(14) !== '0' && e(14) !== '1') bad(14, `must be 0 or 1, found '${e(14)}'`);
  if (!['P', 'T', 'I'].includes(e(15)))
    bad(15, `must be P (production), T (test) or I (information), found '${e(15)}'`);
  return out;
}

type FieldRule = [n: number, name: string, test: (v: string, all: Segment) => string | undefined];

function runRules(seg: Segment, rules: FieldRule[], code: (n: number) => IssueCode): Issue[] {
  const out: Issue[] = [];
  for (const [n, name, test] of rules) {
    const v = seg.element(n);
    const why = test(v, seg);
    if (why !== undefined) {
      out.push(
        issue(code(n), `${seg.tag}${n < 10 ? '0' : ''}${n} (${name}) ${why}`, locate(seg, n), { data: v }),
      );
    }
  }
  return out;
}

const numeric = (min: number, max: number) => (v: string) =>
  /^\d+$/.test(v) && v.length >= min && v.length <= max
    ? undefined
    : `must be ${min === max ? max : `${min} to ${max}`} digits, found '${v}'`;
const text = (min: number, max: number) => (v: string) =>
  v.length >= min && v.length <= max ? undefined : `must be ${min} to ${max} characters, found '${v}'`;

export function checkGroupHeader(gs: Segment): Issue[] {
  const version = gs.element(8);
  const dateLength = version !== '' && version < '004010' ? 6 : 8;
  return runRules(
    gs,
    [
      [
        1,
        'Functional Identifier Code',
        (v) => (/^[A-Z]{2}$/.test(v) ? undefined : `must be two letters, found '${v}'`),
      ],
      [2, 'Application Sender Code', text(2, 15)],
      [3, 'Application Receiver Code', text(2, 15)],
      [
        4,
        'Date',
        (v) =>
          v.length === dateLength && isValidDate(v)
            ? undefined
            : `must be a date ${dateLength === 8 ? 'CCYYMMDD' : 'YYMMDD'}, found '${v}'`,
      ],
      [5, 'Time', (v) => (isValidTime(v) ? undefined : `must be a time HHMM[SS[DD]], found '${v}'`)],
      [6, 'Group Control Number', numeric(1, 9)],
      [
        7,
        'Responsible Agency Code',
        (v) => (v === 'X' || v === 'T' ? undefined : `must be X (ASC X12) or T (TDCC), found '${v}'`),
      ],
      [8, 'Version / Release / Industry Identifier Code', text(1, 12)],
    ],
    (n) => (n === 6 ? 'gs-control-number-invalid' : 'gs-field-invalid'),
  );
}

export function checkSetHeader(st: Segment): Issue[] {
  return runRules(
    st,
    [
      [
        1,
        'Transaction Set Identifier Code',
        (v) => (/^\d{3}$/.test(v) ? undefined : `must be three digits, found '${v}'`),
      ],
      [2, 'Transaction Set Control Number', text(4, 9)],
      [
        3,
        'Implementation Convention Reference',
        (v) => (v.length <= 35 ? undefined : `must be at most 35 characters, found ${v.length}`),
      ],
    ],
    (n) => (n === 2 ? 'st-control-number-invalid' : 'st-field-invalid'),
  );
}

export function checkSetTrailer(se: Segment): Issue[] {
  return runRules(se, [[1, 'Number of Included Segments', numeric(1, 10)]], () => 'se-field-invalid');
}

export function checkGroupTrailer(ge: Segment): Issue[] {
  return runRules(
    ge,
    [
      [1, 'Number of Transaction Sets Included', numeric(1, 6)],
      [2, 'Group Control Number', numeric(1, 9)],
    ],
    () => 'ge-field-invalid',
  );
}

export function checkInterchangeTrailer(iea: Segment): Issue[] {
  return runRules(
    iea,
    [
      [1, 'Number of Included Functional Groups', numeric(1, 5)],
      [2, 'Interchange Control Number', numeric(9, 9)],
    ],
    () => 'iea-field-invalid',
  );
}

/** Control numbers compare as numbers when both are digits (000005 = 5), as text otherwise. */
export function sameControlNumber(a: string, b: string): boolean {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return BigInt(a) === BigInt(b);
  return a === b;
}
