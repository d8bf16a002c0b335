import assert from 'node:assert/strict';
import type { PurchaseOrderAck } from '../../../src/documents/index.ts';
import { lineOf, mapBody, positionOf } from './edi.ts';

const ACK = [
  'BAK*00*AC*PO-1*20261116****SO-9*20261117',
  'N1*ST*DC 1*92*0412',
  'PO1*1*120*EA*7.8*PE*UP*012345678912*VN*AW-1002',
  'DTM*002*20261210',
  'ACK*IA*96*EA*068*20261203',
  'DTM*067*20261205',
  'ACK*IB*24*EA*068*20261217',
  'N1*ST*STORE 7*92*0007',
  'DTM*002*20261220',
  'PO1*2*48*EA*32*PE*VN*PT-4100',
  'ACK*IS*48*EA****VN*PT-4101',
  'PO1*3*10*CA*5*PE*VN*X-3',
  'ACK*R2*0*CA',
  'PO1*4*6*EA*2*PE*VN*X-4',
  'ACK*ZZ*6*EA',
  'CTT*4*184',
];

function ack(body: string[]): PurchaseOrderAck {
  const result = mapBody('855', body);
  assert.deepEqual(result.issues, []);
  assert.ok(result.document?.type === 'purchase-order-ack');
  return result.document;
}

describe('mapPurchaseOrderAck (855)', () => {
  it('gives each ACK of a line its status, quantity and date, and keeps the codes as sent', () => {
    const doc = ack(ACK);
    assert.deepEqual([doc.poNumber, doc.poNumbers, doc.sellerOrderNumber], ['PO-1', ['PO-1'], 'SO-9']);
    assert.deepEqual(
      doc.lines.map((l) => l.acknowledgments.map((a) => [a.status, a.statusCode, a.quantity, a.date])),
      [
        [
          ['accepted', 'IA', '96', '2026-12-03'],
          ['backordered', 'IB', '24', '2026-12-17'],
        ],
        [['changed', 'IS', '48', undefined]],
        [['rejected', 'R2', '0', undefined]],
        [['other', 'ZZ', '6', undefined]],
      ],
    );
  });

  it('puts a DTM after an ACK in that ACK, one before it in the line, and reads nothing of an N1 loop after', () => {
    const line = ack(ACK).lines[0]!;
    assert.deepEqual(
      line.dates.map((d) => [d.qualifier, d.date]),
      [['002', '2026-12-10']],
    );
    assert.deepEqual(
      line.acknowledgments.map((a) => a.dates.map((d) => d.qualifier)),
      [['067'], []],
    );
  });

  it('keeps the product ids of a substitute named in the ACK', () => {
    assert.deepEqual(ack(ACK).lines[1]!.acknowledgments[0]!.ids, [{ qualifier: 'VN', value: 'PT-4101' }]);
  });

  it('maps an acknowledgment without detail (BAK02 AK) to a document with no lines', () => {
    const doc = ack(['BAK*00*AK*PO-1*20261116']);
    assert.deepEqual([doc.acknowledgmentTypeCode, doc.lines], ['AK', []]);
  });

  it('rejects an acknowledgment without a purchase order number, at BAK03', () => {
    const body = ['BAK*00*AC**20261116', ...ACK.slice(1)];
    const result = mapBody('855', body);
    assert.equal(result.document, undefined);
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.message, i.location.tag, i.location.element, i.location.line]),
      [
        [
          'required-value-missing',
          'BAK03 (purchase order number) is empty; the purchase order acknowledgment needs it',
          'BAK',
          3,
          lineOf(0),
        ],
      ],
    );
  });

  it('rejects an ACK without a line item status, at ACK01 of that segment', () => {
    const body = ACK.map((s) => (s === 'ACK*R2*0*CA' ? 'ACK**0*CA' : s));
    const result = mapBody('855', body);
    assert.equal(result.document, undefined);
    const at = body.indexOf('ACK**0*CA');
    assert.deepEqual(
      result.issues.map((i) => [
        i.code,
        i.location.tag,
        i.location.element,
        i.location.line,
        i.location.position,
      ]),
      [['required-value-missing', 'ACK', 1, lineOf(at), positionOf(at)]],
    );
  });

  it('rejects an ack without BAK as a missing segment', () => {
    const result = mapBody('855', ACK.slice(1));
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.location.tag]),
      [['required-segment-missing', 'ST']],
    );
  });
});
