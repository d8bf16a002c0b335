import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import type { Issue } from '../../../src/x12/issues.ts';
import type { Segment } from '../../../src/x12/segment.ts';
import { SegmentTokenizer } from '../../../src/x12/tokenizer.ts';
import { goldenFiles } from '../../helpers/golden.ts';
import { interchange, isaText } from '../../helpers/x12.ts';

/** Everything a consumer can observe of a segment. */
function view(s: Segment) {
  return {
    tag: s.tag,
    text: s.text,
    elements: s.elements,
    offset: s.offset,
    line: s.line,
    index: s.index,
    position: s.position,
    trail: s.trail,
    binary: s.binary?.toString('hex'),
    delimiters: s.syntax.delimiters,
  };
}

function read(input: Buffer, cuts: number[]): { segments: ReturnType<typeof view>[]; issues: Issue[] } {
  const issues: Issue[] = [];
  const t = new SegmentTokenizer({ onIssue: (i) => issues.push(i), maxSegmentLength: 400 });
  const segments: Segment[] = [];
  let at = 0;
  for (const cut of [...cuts, input.length]) {
    if (cut > at) segments.push(...t.push(input.subarray(at, cut)));
    at = Math.max(at, cut);
  }
  segments.push(...t.end());
  return { segments: segments.map(view), issues };
}

const body = [
  'BEG*00*SA*PO-77**20261126',
  'N1*ST*DOCK 4*92*0004',
  'PO1*1*12*CA*9.75**VN*A-100',
  'MEA**WT*12.5*LB>1',
];
const samples: [string, Buffer][] = [
  ['tilde + LF', Buffer.from(interchange([[{ id: '850', body }]]))],
  [
    'CRLF, two interchanges',
    Buffer.from(
      interchange([[{ id: '850', body }]], { suffix: '\r\n' }) +
        interchange([[{ id: '850', body }]], { control: 2, element: '|', segment: '\n', suffix: '' }),
    ),
  ],
  [
    'newline terminator, CRLF',
    Buffer.from(interchange([[{ id: '850', body }]], { segment: '\r', suffix: '\n' })),
  ],
  [
    'one line',
    Buffer.from(
      interchange(
        [
          [
            { id: '850', body },
            { id: '850', body },
          ],
        ],
        { suffix: '' },
      ),
    ),
  ],
  ['BOM and blank lines', Buffer.from('\ufeff\n\n  ' + interchange([[{ id: '850', body }]]), 'utf8')],
  [
    'wrapped at 80',
    Buffer.from(
      interchange([[{ id: '850', body }]], { suffix: '' })
        .match(/.{1,80}/g)!
        .join('\r\n'),
    ),
  ],
  [
    'ellipsis terminator, UTF-8 text',
    Buffer.from(
      interchange([[{ id: '850', body: [...body, 'N1*BT*SØRENSEN A/S'] }]], { segment: '\u2026' }),
      'utf8',
    ),
  ],
  ['binary segment', Buffer.from(interchange([[{ id: '850', body: ['BIN*12*a~b\nc*d:e~f', ...body] }]]))],
  [
    'garbage after IEA, then another ISA',
    Buffer.from(
      interchange([[{ id: '850', body }]]) +
        'GS*junk~\nmore junk\n' +
        interchange([[{ id: '850', body }]], { control: 3 }),
    ),
  ],
  ['no envelope', Buffer.from('ST*850*0001~\n' + body.join('~\n') + '~\nSE*6*0001~\n'.repeat(2))],
  ['truncated inside the ISA', Buffer.from(isaText().slice(0, 60))],
  [
    'oversize segment',
    Buffer.from(interchange([[{ id: '850', body: [`REF*ZZ*${'Q'.repeat(600)}`, ...body] }]])),
  ],
  [
    'empty segment, no final terminator',
    Buffer.from(
      interchange([[{ id: '850', body }]])
        .replace('~\nN1', '~~\nN1')
        .trimEnd()
        .slice(0, -1),
    ),
  ],
];

describe('x12 tokenizer chunking', () => {
  const all: [string, Buffer][] = [
    ...samples,
    ...goldenFiles()
      .slice(0, 12)
      .map(({ name, bytes }) => [name, bytes] as [string, Buffer]),
  ];

  for (const [name, input] of all) {
    it(`gives the same segments and issues for every fixed chunk size 1..64: ${name}`, () => {
      const whole = read(input, []);
      assert.ok(whole.segments.length > 0 || whole.issues.length > 0);
      for (let size = 1; size <= 64; size++) {
        const cuts: number[] = [];
        for (let at = size; at < input.length; at += size) cuts.push(at);
        assert.deepEqual(read(input, cuts), whole, `chunk size ${size}`);
      }
    });
  }

  // Regression: a chunk ending right after an oversize or empty segment's terminator had it reported twice
  // (found by the random splits below with seed 1121567375).
  for (const [name, input] of samples) {
    it(`gives the same segments and issues for a cut at every single position: ${name}`, () => {
      const whole = read(input, []);
      for (let cut = 1; cut < input.length; cut++)
        assert.deepEqual(read(input, [cut]), whole, `cut at ${cut}`);
    });
  }

  it('gives the same segments and issues for random splits', () => {
    fc.assert(
      fc.property(fc.constantFrom(...all), fc.array(fc.nat(), { maxLength: 40 }), ([, input], raw) => {
        const cuts = [...new Set(raw.map((n) => n % (input.length + 1)))].sort((a, b) => a - b);
        assert.deepEqual(read(input, cuts), read(input, []));
      }),
      { numRuns: 300 },
    );
  });
});
