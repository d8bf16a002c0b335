import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { tokenize } from '../../../src/x12/reader.ts';
import { formatBuilt, writeSegments } from '../../../src/x12/writer.ts';
import { goldenFiles } from '../../helpers/golden.ts';
import { interchange } from '../../helpers/x12.ts';

const body = [
  'BEG*00*SA*PO-9**20261126',
  'N1*ST*  PADDED NAME  *92*0042',
  'PO1*1*10*EA*2.5*PE*VN*SKU1',
  'MEA**WT*2.5*LB>1',
  'CTT*1**',
];

describe('x12 writer', () => {
  it('writes what it read byte for byte, whatever the delimiters and line breaks', () => {
    const inputs = [
      interchange([[{ id: '850', body }]]),
      interchange([[{ id: '850', body }]], { suffix: '\r\n' }),
      interchange([[{ id: '850', body }]], { suffix: '' }),
      interchange([[{ id: '850', body }]], { element: '|', segment: '\n', suffix: '', component: '^' }),
      interchange([[{ id: '850', body: [...body, 'REF*ZZ*ÅRHUS HAVN'] }]], {
        version: '00501',
        repetition: '{',
      }) + interchange([[{ id: '850', body }]], { control: 2 }),
      interchange([[{ id: '850', body: ['BIN*7*a~b*c\nd', ...body] }]]),
      interchange([[{ id: '850', body }]], { segment: '\u2026' }),
    ];
    for (const text of inputs) {
      const bytes = Buffer.from(text, 'utf8');
      const { segments } = tokenize(bytes);
      assert.equal(
        writeSegments(segments, { delimiters: segments[0]!.syntax.delimiters }).toString('hex'),
        bytes.toString('hex'),
      );
    }
  });

  it('writes every valid golden file back byte for byte', () => {
    const files = goldenFiles().filter((f) => f.valid);
    assert.ok(files.length > 0, 'golden files exist');
    for (const f of files) {
      const { segments } = tokenize(f.bytes);
      assert.ok(
        writeSegments(segments, { delimiters: segments[0]!.syntax.delimiters }).equals(f.bytes),
        f.name,
      );
    }
  });

  it('converts to other delimiters, ISA11 and ISA16 included', () => {
    const text = interchange([[{ id: '850', body: [...body, 'REF*ZZ*A{B'] }]], {
      version: '00501',
      repetition: '{',
    });
    const { segments } = tokenize(text);
    const out = writeSegments(segments, {
      delimiters: { element: '|', component: '^', repetition: '!', segment: '\n', suffix: '' },
    }).toString();
    const again = tokenize(out);
    assert.deepEqual(again.issues, []);
    const d = again.segments[0]!.syntax.delimiters;
    assert.deepEqual([d.element, d.component, d.repetition, d.segment], ['|', '^', '!', '\n']);
    const mea = again.segments.find((s) => s.tag === 'MEA')!;
    assert.deepEqual(mea.components(4), ['LB', '1']);
    assert.deepEqual(again.segments.find((s) => s.element(1) === 'ZZ' && s.tag === 'REF')!.repetitions(2), [
      'A',
      'B',
    ]);
    assert.equal(again.segments.length, segments.length);
  });

  it('builds segments from values, composites as arrays, without trailing empty elements', () => {
    const d = { element: '*', component: ':', segment: '~', suffix: '\n' };
    assert.equal(formatBuilt({ tag: 'AK4', elements: [['3', '', ''], '66', '7', ''] }, d), 'AK4*3*66*7');
    assert.equal(formatBuilt({ tag: 'AK4', elements: [['3', '2', ''], '66', '7'] }, d), 'AK4*3:2*66*7');
    assert.equal(formatBuilt({ tag: 'N1', elements: ['ST', '', '92', '7'] }, d), 'N1*ST**92*7');
  });
});
