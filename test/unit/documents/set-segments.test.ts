import assert from 'node:assert/strict';
import { readTransactionSets, TransactionSetCollector } from '../../../src/x12/set-segments.ts';
import { SegmentTokenizer } from '../../../src/x12/tokenizer.ts';
import { interchange } from './edi.ts';

const TWO_SETS = [
  'ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261120*1431*^*00501*000000007*0*P*:~',
  'GS*PO*SENDER*RECEIVER*20261120*1431*7*X*005010~',
  'ST*850*0001~',
  'BEG*00*SA*PO-1**20261118~',
  'PO1*1*1*EA*1*PE*VN*A:B~',
  'SE*4*0001~',
  'ST*850*0002~',
  'BEG*00*SA*PO-2**20261118~',
  'GE*2*7~',
  'IEA*1*000000007~',
].join('');

describe('readTransactionSets', () => {
  it('returns each set with its envelope, its segments from ST to SE, and where each segment was', () => {
    const { sets, issues } = readTransactionSets(interchange('850', ['BEG*00*SA*PO-1**20261118']));
    assert.deepEqual(issues, []);
    assert.equal(sets.length, 1);
    const set = sets[0]!;
    assert.deepEqual(
      [set.setId, set.controlNumber, set.complete, set.group.version, set.interchange.controlNumber],
      ['850', '0001', true, '004010', '000000101'],
    );
    assert.deepEqual(
      set.segments.map((s) => [s.tag, s.position, s.line]),
      [
        ['ST', 1, 3],
        ['BEG', 2, 4],
        ['SE', 3, 5],
      ],
    );
    assert.deepEqual(set.segments[1]!.elements, ['BEG', '00', 'SA', 'PO-1', '', '20261118']);
  });

  it('marks a set that the next ST or the GE cut off as incomplete', () => {
    const { sets } = readTransactionSets(TWO_SETS);
    assert.deepEqual(
      sets.map((s) => [s.controlNumber, s.complete, s.segments.length]),
      [
        ['0001', true, 4],
        ['0002', false, 2],
      ],
    );
    assert.equal(sets[0]!.component, ':');
    assert.equal(sets[0]!.repetition, '^');
  });

  it('keeps its own copies, so it can share the tokenizer’s reused segment object', () => {
    const collector = new TransactionSetCollector();
    const done: string[][] = [];
    const tokenizer = new SegmentTokenizer({
      onSegment: (seg) => {
        const set = collector.push(seg);
        if (set) done.push(set.segments.map((s) => s.elements.join('*')));
      },
    });
    tokenizer.push(Buffer.from(TWO_SETS));
    tokenizer.end();
    const last = collector.end();
    assert.equal(last, undefined, 'the GE closed the second set');
    assert.deepEqual(done, [
      ['ST*850*0001', 'BEG*00*SA*PO-1**20261118', 'PO1*1*1*EA*1*PE*VN*A:B', 'SE*4*0001'],
      ['ST*850*0002', 'BEG*00*SA*PO-2**20261118'],
    ]);
  });

  it('returns no set for an ST outside any functional group, which has no envelope to trace back to', () => {
    const text = TWO_SETS.replace('GS*PO*SENDER*RECEIVER*20261120*1431*7*X*005010~', '');
    assert.deepEqual(readTransactionSets(text).sets, []);
  });
});
