// node-x12 is a test oracle only (see DESIGN.md for why it is not used at run time): on valid files its
// non-streaming parse must see the same segments and elements as our streaming reader.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { tokenize } from '../../../src/x12/reader.ts';
import { goldenFiles } from '../../helpers/golden.ts';
import { interchange } from '../../helpers/x12.ts';

interface NxSegment {
  tag: string;
  elements: { value: string }[];
}
interface NxTransaction {
  header: NxSegment;
  segments: NxSegment[];
  trailer: NxSegment;
}
interface NxInterchange {
  header: NxSegment;
  trailer: NxSegment;
  functionalGroups: { header: NxSegment; trailer: NxSegment; transactions: NxTransaction[] }[];
}

const require = createRequire(import.meta.url);
const { X12Parser } = require('node-x12') as {
  X12Parser: new (strict: boolean) => {
    parse(edi: string): NxInterchange | { interchanges: NxInterchange[] };
  };
};

function oracle(text: string): string[][] {
  const parsed = new X12Parser(true).parse(text);
  const interchanges = 'interchanges' in parsed ? parsed.interchanges : [parsed];
  const out: string[][] = [];
  const add = (s: NxSegment) => {
    const values = s.elements.map((e) => e.value);
    // node-x12 reads ISA13 and IEA02 as numbers; the digits are what matter.
    if (s.tag === 'ISA' && values[12] !== undefined) values[12] = String(Number(values[12]));
    if (s.tag === 'IEA' && values[1] !== undefined) values[1] = String(Number(values[1]));
    out.push([s.tag, ...values]);
  };
  for (const ic of interchanges) {
    add(ic.header);
    for (const g of ic.functionalGroups) {
      add(g.header);
      for (const t of g.transactions) {
        add(t.header);
        t.segments.forEach(add);
        add(t.trailer);
      }
      add(g.trailer);
    }
    add(ic.trailer);
  }
  return out;
}

function ours(text: string): string[][] {
  return tokenize(text).segments.map((s) => {
    const values = [...s.elements];
    if (s.tag === 'ISA') values[13] = String(Number(values[13]));
    if (s.tag === 'IEA') values[2] = String(Number(values[2]));
    return values;
  });
}

describe('x12 reader against node-x12 (differential)', () => {
  const valid = goldenFiles().filter((f) => f.valid);
  const generated = [
    [
      'spaces kept and empty elements',
      interchange([
        [
          {
            id: '850',
            body: [
              'BEG*00*SA*PO 1**20261126',
              'N1*ST* PADDED *92*0001',
              'PO1*1*10*EA*2.5*PE*VN*SKU1',
              'CTT*1',
            ],
          },
        ],
      ]),
    ],
    [
      'CRLF line ends, pipe separator',
      interchange([[{ id: '850', body: ['BEG*00*SA*PO2**20261126', 'PO1*1*1*EA*1*PE*VN*X'] }]], {
        suffix: '\r\n',
        element: '|',
      }),
    ],
    ['one line', interchange([[{ id: '856', body: ['HL*1**S', 'TD1*CTN*2'] }]], { suffix: '' })],
  ] as const;

  it('has valid golden files to compare', () => assert.ok(valid.length >= 20));

  for (const f of valid) {
    it(`sees the same segments and elements in ${f.name}`, () => {
      const text = f.bytes.toString('utf8');
      assert.deepEqual(ours(text), oracle(text));
    });
  }
  for (const [name, text] of generated) {
    it(`sees the same segments and elements: ${name}`, () => {
      assert.deepEqual(ours(text), oracle(text));
    });
  }
});
