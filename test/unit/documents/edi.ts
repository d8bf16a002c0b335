// Builds small X12 interchanges for the mapper tests: the body segments of one transaction set, wrapped in
// a correct envelope (counts and control numbers), one segment per line.
import { defaultMappers, type CanonicalDocument, type MapResult } from '../../../src/documents/index.ts';
import { readTransactionSets } from '../../../src/x12/set-segments.ts';

const FUNCTIONAL_IDS: Record<string, string> = { '856': 'SH', '810': 'IN', '850': 'PO' };

export function interchange(setId: string, body: string[], version = '004010'): string {
  const isa = [
    'ISA',
    '00',
    ''.padEnd(10),
    '00',
    ''.padEnd(10),
    'ZZ',
    'SENDER'.padEnd(15),
    'ZZ',
    'RECEIVER'.padEnd(15),
    '261120',
    '1431',
    version >= '004020' ? '^' : 'U',
    `${version.slice(0, 5)}`,
    '000000101',
    '0',
    'P',
    '>',
  ].join('*');
  const segments = [
    isa,
    `GS*${FUNCTIONAL_IDS[setId] ?? 'XX'}*SENDER*RECEIVER*20261120*1431*101*X*${version}`,
    `ST*${setId}*0001`,
    ...body,
    `SE*${body.length + 2}*0001`,
    'GE*1*101',
    'IEA*1*000000101',
  ];
  return segments.map((s) => `${s}~\n`).join('');
}

/** Maps the one set of an interchange built from `body`. */
export function mapBody(setId: string, body: string[], version = '004010'): MapResult<CanonicalDocument> {
  const { sets } = readTransactionSets(interchange(setId, body, version));
  if (sets.length !== 1) throw new Error(`expected one set, read ${sets.length}`);
  return defaultMappers().map(sets[0]!, { partnerId: 'test-partner' });
}

/** Line of a body segment in an interchange built by `interchange` (ISA 1, GS 2, ST 3). */
export function lineOf(bodyIndex: number): number {
  return bodyIndex + 4;
}

export const ASN_HEADER = ['BSN*00*SHP1*20261120*1430*0001'];

/** A valid shipment/order/pack/item ASN body, to be broken by the tests one segment at a time. */
export const ASN_BODY = [
  ...ASN_HEADER,
  'HL*1**S*1',
  'TD5*B*2*ODFL*M*OLD DOMINION',
  'REF*BM*BOL1',
  'DTM*011*20261120',
  'HL*2*1*O*1',
  'PRF*PO1***20261116',
  'HL*3*2*P*1',
  'MAN*GM*00006141410000000111',
  'HL*4*3*I*0',
  'LIN**UP*012345678905*VN*AW-1001',
  'SN1**24*EA',
];

/** Position in the set (ST = 1) of a body segment. */
export function positionOf(bodyIndex: number): number {
  return bodyIndex + 2;
}
