// Builders for X12 test inputs: a correct ISA of 106 bytes, groups and sets with right counts, and a small
// compiled spec that exercises the validator without depending on the bundled spec files.
import { compileSet, mergeDictionaries } from '../../src/x12/spec/compile.ts';
import type { DictionaryFile, SetSpecFile } from '../../src/x12/spec/format.ts';
import { SpecRegistry } from '../../src/x12/spec/registry.ts';

export interface EnvelopeOptions {
  element?: string;
  component?: string;
  segment?: string;
  suffix?: string;
  repetition?: string;
  version?: '00401' | '00501';
  control?: number;
  sender?: string;
  receiver?: string;
  ackRequested?: '0' | '1';
  gsVersion?: string;
  functionalId?: string;
}

export function isaText(o: EnvelopeOptions = {}): string {
  const e = o.element ?? '*';
  const version = o.version ?? '00401';
  const isa11 = version >= '00402' ? (o.repetition ?? '^') : 'U';
  return [
    'ISA',
    '00',
    '          ',
    '00',
    '          ',
    'ZZ',
    (o.sender ?? 'SENDERID').padEnd(15),
    'ZZ',
    (o.receiver ?? 'RECEIVERID').padEnd(15),
    '261126',
    '1030',
    isa11,
    version,
    String(o.control ?? 1).padStart(9, '0'),
    o.ackRequested ?? '0',
    'P',
    o.component ?? '>',
  ].join(e);
}

/** Bodies are set contents without ST/SE, written with '*' (converted to the chosen element separator). */
export function interchange(
  sets: { id: string; body: string[]; control?: string }[][],
  o: EnvelopeOptions = {},
): string {
  const e = o.element ?? '*';
  const term = (o.segment ?? '~') + (o.suffix ?? '\n');
  const conv = (s: string) => s.split('*').join(e);
  const gsVersion = o.gsVersion ?? ((o.version ?? '00401') >= '00501' ? '005010' : '004010');
  const lines: string[] = [isaText(o)];
  sets.forEach((group, gi) => {
    const gctl = String(gi + 1);
    const fid = o.functionalId ?? (group[0]?.id === '856' ? 'SH' : 'PO');
    lines.push(conv(`GS*${fid}*SENDERAPP*RECEIVERAPP*20261126*1030*${gctl}*X*${gsVersion}`));
    group.forEach((set, si) => {
      const ctl = set.control ?? String(si + 1).padStart(4, '0');
      lines.push(
        conv(`ST*${set.id}*${ctl}`),
        ...set.body.map(conv),
        conv(`SE*${set.body.length + 2}*${ctl}`),
      );
    });
    lines.push(conv(`GE*${group.length}*${gctl}`));
  });
  lines.push(conv(`IEA*${sets.length}*${String(o.control ?? 1).padStart(9, '0')}`));
  return lines.map((l) => l + term).join('');
}

/** A tiny dictionary and two sets: a purchase-order-like 850 and a ship-notice-like 856 with HL levels. */
export const miniDictionary: DictionaryFile = {
  version: '004010',
  elements: {
    '143': { name: 'Transaction Set Identifier Code', type: 'ID', min: 3, max: 3 },
    '329': { name: 'Transaction Set Control Number', type: 'AN', min: 4, max: 9 },
    '96': { name: 'Number of Included Segments', type: 'N0', min: 1, max: 10 },
    '353': {
      name: 'Transaction Set Purpose Code',
      type: 'ID',
      min: 2,
      max: 2,
      codes: { '00': 'Original', '01': 'Cancellation' },
    },
    '92': {
      name: 'Purchase Order Type Code',
      type: 'ID',
      min: 2,
      max: 2,
      commonCodes: { SA: 'Stand-alone Order', NE: 'New Order' },
    },
    '324': { name: 'Purchase Order Number', type: 'AN', min: 1, max: 22 },
    '373': { name: 'Date', type: 'DT', min: 8, max: 8 },
    '337': { name: 'Time', type: 'TM', min: 4, max: 8 },
    '98': { name: 'Entity Identifier Code', type: 'ID', min: 2, max: 3 },
    '93': { name: 'Name', type: 'AN', min: 1, max: 60 },
    '66': { name: 'Identification Code Qualifier', type: 'ID', min: 1, max: 2 },
    '67': { name: 'Identification Code', type: 'AN', min: 2, max: 80 },
    '350': { name: 'Assigned Identification', type: 'AN', min: 1, max: 20 },
    '330': { name: 'Quantity Ordered', type: 'R', min: 1, max: 15 },
    '355': { name: 'Unit or Basis for Measurement Code', type: 'ID', min: 2, max: 2 },
    '212': { name: 'Unit Price', type: 'R', min: 1, max: 17 },
    '235': { name: 'Product/Service ID Qualifier', type: 'ID', min: 2, max: 2 },
    '234': { name: 'Product/Service ID', type: 'AN', min: 1, max: 48 },
    '354': { name: 'Number of Line Items', type: 'N0', min: 1, max: 6 },
    '628': { name: 'Hierarchical ID Number', type: 'AN', min: 1, max: 12 },
    '734': { name: 'Hierarchical Parent ID Number', type: 'AN', min: 1, max: 12 },
    '735': { name: 'Hierarchical Level Code', type: 'ID', min: 1, max: 2 },
    '736': {
      name: 'Hierarchical Child Code',
      type: 'ID',
      min: 1,
      max: 1,
      codes: { '0': 'No children', '1': 'Children' },
    },
    '1018': { name: 'Exponent', type: 'R', min: 1, max: 15 },
    '649': { name: 'Multiplier', type: 'R', min: 1, max: 10 },
    '380': { name: 'Quantity', type: 'R', min: 1, max: 15 },
    '128': { name: 'Reference Identification Qualifier', type: 'ID', min: 2, max: 3 },
    '127': { name: 'Reference Identification', type: 'AN', min: 1, max: 30 },
  },
  composites: {
    C001: {
      name: 'Composite Unit of Measure',
      components: [
        { ref: '355', usage: 'M' },
        { ref: '1018', usage: 'O' },
        { ref: '649', usage: 'O' },
      ],
    },
  },
  segments: {
    ST: {
      name: 'Transaction Set Header',
      elements: [
        { ref: '143', usage: 'M' },
        { ref: '329', usage: 'M' },
      ],
    },
    SE: {
      name: 'Transaction Set Trailer',
      elements: [
        { ref: '96', usage: 'M' },
        { ref: '329', usage: 'M' },
      ],
    },
    BEG: {
      name: 'Beginning Segment for Purchase Order',
      elements: [
        { ref: '353', usage: 'M' },
        { ref: '92', usage: 'M' },
        { ref: '324', usage: 'M' },
        { ref: '328', usage: 'O' },
        { ref: '373', usage: 'M' },
      ],
    },
    REF: {
      name: 'Reference Identification',
      elements: [
        { ref: '128', usage: 'M' },
        { ref: '127', usage: 'X' },
        { ref: '352', usage: 'X' },
      ],
      syntax: ['R0203'],
    },
    N1: {
      name: 'Name',
      elements: [
        { ref: '98', usage: 'M' },
        { ref: '93', usage: 'X' },
        { ref: '66', usage: 'X' },
        { ref: '67', usage: 'X' },
      ],
      syntax: ['R0203', 'P0304'],
    },
    PO1: {
      name: 'Baseline Item Data',
      elements: [
        { ref: '350', usage: 'O' },
        { ref: '330', usage: 'X' },
        { ref: '355', usage: 'O' },
        { ref: '212', usage: 'X' },
        { ref: '639', usage: 'O' },
        { ref: '235', usage: 'X' },
        { ref: '234', usage: 'X' },
      ],
      syntax: ['C0302', 'C0405', 'P0607'],
    },
    CTT: { name: 'Transaction Totals', elements: [{ ref: '354', usage: 'M' }] },
    HL: {
      name: 'Hierarchical Level',
      elements: [
        { ref: '628', usage: 'M' },
        { ref: '734', usage: 'O' },
        { ref: '735', usage: 'M' },
        { ref: '736', usage: 'O' },
      ],
    },
    SN1: {
      name: 'Item Detail (Shipment)',
      elements: [
        { ref: '350', usage: 'O' },
        { ref: '380', usage: 'M' },
        { ref: '355', usage: 'M' },
      ],
    },
    MEA: {
      name: 'Measurements',
      elements: [
        { ref: '380', usage: 'O' },
        { ref: 'C001', usage: 'O' },
      ],
    },
    DTM: {
      name: 'Date/Time Reference',
      elements: [
        { ref: '373', usage: 'M' },
        { ref: '337', usage: 'O' },
      ],
    },
  },
};
miniDictionary.elements!['328'] = { name: 'Release Number', type: 'AN', min: 1, max: 30 };
miniDictionary.elements!['352'] = { name: 'Description', type: 'AN', min: 1, max: 80 };
miniDictionary.elements!['639'] = { name: 'Basis of Unit Price Code', type: 'ID', min: 2, max: 2 };

export const mini850: SetSpecFile = {
  set: '850',
  version: '004010',
  name: 'Purchase Order',
  functionalGroup: 'PO',
  structure: [
    { segment: 'ST', usage: 'M', max: 1 },
    { segment: 'BEG', usage: 'M', max: 1 },
    { segment: 'REF', usage: 'O', max: 2 },
    { segment: 'DTM', usage: 'O', max: 10 },
    {
      loop: 'N1',
      usage: 'O',
      max: 2,
      content: [
        { segment: 'N1', usage: 'M', max: 1 },
        { segment: 'REF', usage: 'O', max: 12 },
      ],
    },
    {
      loop: 'PO1',
      usage: 'M',
      max: 100000,
      content: [
        { segment: 'PO1', usage: 'M', max: 1 },
        { segment: 'MEA', usage: 'O', max: 10 },
      ],
    },
    { loop: 'CTT', usage: 'O', max: 1, content: [{ segment: 'CTT', usage: 'M', max: 1 }] },
    { segment: 'SE', usage: 'M', max: 1 },
  ],
};

export const mini856: SetSpecFile = {
  set: '856',
  version: '004010',
  name: 'Ship Notice/Manifest',
  functionalGroup: 'SH',
  structure: [
    { segment: 'ST', usage: 'M', max: 1 },
    {
      loop: 'HL',
      usage: 'M',
      max: 200000,
      hierarchy: {
        levels: {
          S: { name: 'Shipment', parents: [] },
          O: { name: 'Order', parents: ['S'] },
          P: { name: 'Pack', parents: ['O'] },
          I: { name: 'Item', parents: ['O', 'P'], required: ['SN1'] },
        },
      },
      content: [
        { segment: 'HL', usage: 'M', max: 1 },
        { segment: 'SN1', usage: 'O', max: 1 },
        { segment: 'REF', usage: 'O', max: '>1' },
      ],
    },
    { segment: 'CTT', usage: 'O', max: 1 },
    { segment: 'SE', usage: 'M', max: 1 },
  ],
};

export function miniRegistry(sets: SetSpecFile[] = [mini850, mini856]): SpecRegistry {
  const { dictionary, errors } = mergeDictionaries('004010', [
    { name: 'mini.json', content: miniDictionary },
  ]);
  if (errors.length > 0) throw new Error(errors.join('\n'));
  return new SpecRegistry(
    sets.map((s) => {
      const r = compileSet(s, dictionary);
      if (!r.spec) throw new Error(r.errors.join('\n'));
      return r.spec;
    }),
  );
}
