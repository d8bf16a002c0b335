import assert from 'node:assert/strict';
import type { PurchaseOrder } from '../../../src/documents/index.ts';
import { mapBody } from './edi.ts';

const ORDER = [
  'BEG*00*SA*PO-1**20261118',
  'CUR*BY*CAD',
  'DTM*002*20261210',
  'N1*ST*DC 1*92*0412',
  'PO1*1*96*EA*18.5*PE*UP*085012341006*IN*778812',
  'PO4*12*1*EA',
  'SDQ*EA*92*0101*24*0102*72',
  'PO1*2*10*CA**PE*VN*X-2',
  'CTT*2*106',
];

describe('mapPurchaseOrder (850)', () => {
  it('maps the order, its lines, allocations and totals', () => {
    const result = mapBody('850', ORDER);
    assert.deepEqual(result.issues, []);
    assert.ok(result.document?.type === 'purchase-order');
    const po: PurchaseOrder = result.document;
    assert.deepEqual(
      [po.poNumber, po.poDate, po.currency, po.requestedDeliveryDate, po.parties[0]?.role],
      ['PO-1', '2026-11-18', 'CAD', '2026-12-10', 'ship-to'],
    );
    assert.deepEqual(
      po.lines.map((l) => [l.quantityOrdered, l.unit, l.unitPrice, l.lineAmount, l.buyerPartNumber]),
      [
        ['96', 'EA', '18.5', '1776', '778812'],
        ['10', 'CA', undefined, undefined, undefined],
      ],
    );
    assert.deepEqual(po.lines[0]!.destinations, [
      { locationQualifier: '92', location: '0101', quantity: '24' },
      { locationQualifier: '92', location: '0102', quantity: '72' },
    ]);
    assert.deepEqual([po.totals.lineCount, po.totals.quantityTotal], [2, '106']);
  });

  it('rejects an order without a purchase order number, at BEG03', () => {
    const result = mapBody('850', ['BEG*00*SA***20261118', ...ORDER.slice(1)]);
    assert.equal(result.document, undefined);
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.message, i.location.element]),
      [['required-value-missing', 'BEG03 (purchase order number) is empty; the purchase order needs it', 3]],
    );
  });

  it('rejects an order without lines', () => {
    const result = mapBody('850', [ORDER[0]!, 'CTT*0']);
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.message]),
      [['required-segment-missing', 'no PO1 segment, so no order line; the purchase order needs it']],
    );
  });
});
