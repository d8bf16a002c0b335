import assert from 'node:assert/strict';
import type { ProductIds } from '../../../src/documents/index.ts';
import { gtin14, matchPoLine } from '../../../src/reconcile/index.ts';

function item(lineNumber: string | undefined, ids: Omit<ProductIds, 'ids'>) {
  return { ...(lineNumber === undefined ? {} : { lineNumber }), ...ids, ids: [] };
}

const PO_LINES = [
  item('1', { buyerPartNumber: 'B-1', vendorPartNumber: 'V-1', upc: '012345678905' }),
  item('2', { buyerPartNumber: 'B-2', vendorPartNumber: 'V-2', gtin: '00012345678912' }),
  item('3', { vendorPartNumber: 'V-3' }),
  item('4', { vendorPartNumber: 'V-3' }),
];

describe('reconcile item-match', () => {
  it('matches by line number when the identifiers both sides state agree', () => {
    assert.equal(matchPoLine(item('2', { vendorPartNumber: 'V-2' }), PO_LINES), 1);
    assert.equal(matchPoLine(item('002', {}), PO_LINES), 1);
    assert.equal(matchPoLine(item('4', { vendorPartNumber: 'V-3' }), PO_LINES), 3);
  });

  it('falls back to the part numbers when the line number names another item', () => {
    assert.equal(matchPoLine(item('1', { vendorPartNumber: 'V-2' }), PO_LINES), 1);
    assert.equal(matchPoLine(item('9', { buyerPartNumber: 'B-1' }), PO_LINES), 0);
  });

  it('prefers the buyer part number over the vendor part number, and that over the GTIN', () => {
    assert.equal(
      matchPoLine(item(undefined, { buyerPartNumber: 'B-2', vendorPartNumber: 'V-1' }), PO_LINES),
      1,
    );
    assert.equal(matchPoLine(item(undefined, { vendorPartNumber: 'V-2', upc: '012345678905' }), PO_LINES), 1);
  });

  it('takes a UPC and the GTIN-14 of the same item as one identifier', () => {
    assert.equal(matchPoLine(item(undefined, { gtin: '00012345678905' }), PO_LINES), 0);
    assert.equal(matchPoLine(item(undefined, { upc: '012345678912' }), PO_LINES), 1);
    assert.deepEqual(
      [gtin14('012345678905'), gtin14('ABC'), gtin14(' ')],
      ['00012345678905', 'ABC', undefined],
    );
  });

  it('resolves a part ordered on two lines to the first of them', () => {
    assert.equal(matchPoLine(item(undefined, { vendorPartNumber: 'V-3' }), PO_LINES), 2);
  });

  it('finds no line for an item the order does not have', () => {
    assert.equal(matchPoLine(item('1', { vendorPartNumber: 'V-9' }), PO_LINES), undefined);
    assert.equal(matchPoLine(item(undefined, {}), PO_LINES), undefined);
  });
});
