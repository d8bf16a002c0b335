import assert from 'node:assert/strict';
import { defaultMappers, MapperRegistry } from '../../../src/documents/index.ts';
import { readTransactionSets } from '../../../src/x12/set-segments.ts';
import { interchange } from './edi.ts';

const PO = ['BEG*00*SA*PO-1**20261118', 'PO1*1*1*EA*1*PE*VN*A'];

function onlySet(text: string) {
  const { sets } = readTransactionSets(text);
  assert.equal(sets.length, 1);
  return sets[0]!;
}

describe('MapperRegistry', () => {
  it('maps a set by id and the six digits of its version, ignoring an industry suffix', () => {
    const set = onlySet(interchange('850', PO, '004010VICS'));
    const result = defaultMappers().map(set, { partnerId: 'p' });
    assert.deepEqual(result.issues, []);
    assert.equal(result.document?.type, 'purchase-order');
  });

  it('reads a later version of the same release with the nearest earlier mapper, and says so', () => {
    const set = onlySet(interchange('850', PO, '004030'));
    const result = defaultMappers().map(set, { partnerId: 'p' });
    assert.equal(result.document?.type, 'purchase-order');
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.severity, i.message]),
      [
        [
          'version-fallback',
          'warning',
          'version 004030 has no mapper of its own; read with the 004010 mapper',
        ],
      ],
    );
  });

  it('rejects a set no mapper handles, as an issue at ST01', () => {
    const set = onlySet(interchange('997', ['AK1*PO*1'], '004010'));
    const result = defaultMappers().map(set, { partnerId: 'p' });
    assert.equal(result.document, undefined);
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.message, i.location.tag, i.location.element]),
      [['set-not-mapped', 'no mapper turns a 997 of version 004010 into a document', 'ST', 1]],
    );
  });

  it('does not reach across releases: a 003050 set is not read by a 004010 mapper', () => {
    const registry = new MapperRegistry().register('850', '004010', () => ({ issues: [] }));
    assert.equal(registry.find('850', '003050'), undefined);
    assert.equal(registry.find('850', '004010')?.version, '004010');
  });

  it('carries the partner and the receipt into the source', () => {
    const text = interchange('850', PO);
    const set = onlySet(text);
    const result = defaultMappers().map(set, { partnerId: 'acme', receiptId: 'r-1', fileName: 'po.edi' });
    assert.equal(result.document?.partnerId, 'acme');
    assert.deepEqual(result.document?.source, {
      kind: 'x12',
      setId: '850',
      version: '004010',
      interchangeControlNumber: '000000101',
      groupControlNumber: '101',
      setControlNumber: '0001',
      senderQualifier: 'ZZ',
      senderId: 'SENDER',
      receiverQualifier: 'ZZ',
      receiverId: 'RECEIVER',
      groupSenderCode: 'SENDER',
      groupReceiverCode: 'RECEIVER',
      firstLine: 3,
      lastLine: 6,
      offset: text.indexOf('ST*850'),
      receiptId: 'r-1',
      fileName: 'po.edi',
    });
  });
});

describe('MapperRegistry with a cut-off set', () => {
  it('rejects a set that ended without its SE instead of mapping what was read of it', () => {
    const text = interchange('850', PO).replace(/SE\*4\*0001~\n/, '');
    const set = onlySet(text);
    assert.equal(set.complete, false);
    const result = defaultMappers().map(set, { partnerId: 'p' });
    assert.equal(result.document, undefined);
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.message, i.location.tag]),
      [['set-incomplete', '850 0001 ends without its SE; a document is made only from a whole set', 'PO1']],
    );
  });
});
