import assert from 'node:assert/strict';
import { documentSchemaErrors, type AdvanceShipNotice } from '../../../src/documents/index.ts';

const CSV_ASN: AdvanceShipNotice = {
  type: 'advance-ship-notice',
  schemaVersion: 1,
  partnerId: 'csv-supplier',
  shipmentId: 'S-1',
  poNumbers: ['PO-1'],
  shipment: { parties: [], references: [], dates: [] },
  orders: [
    {
      poNumber: 'PO-1',
      parties: [],
      references: [],
      packs: [],
      items: [{ vendorPartNumber: 'A', ids: [], quantityShipped: '12', unit: 'EA', trace: { line: 2 } }],
    },
  ],
  source: { kind: 'csv', fileName: 'asn.csv', lines: [2] },
};

describe('document schemas', () => {
  it('accepts a document from CSV, traced by line', () => {
    assert.deepEqual(documentSchemaErrors(CSV_ASN), []);
  });

  it('rejects money as a JSON number', () => {
    const bad = structuredClone(CSV_ASN) as unknown as {
      orders: { items: { quantityShipped: unknown }[] }[];
    };
    bad.orders[0]!.items[0]!.quantityShipped = 12;
    assert.deepEqual(documentSchemaErrors(bad), ['/orders/0/items/0/quantityShipped: must be string']);
  });

  it('rejects a decimal that is not in canonical form', () => {
    const bad = structuredClone(CSV_ASN);
    bad.orders[0]!.items[0]!.quantityShipped = '12.50';
    assert.equal(documentSchemaErrors(bad).length, 1);
    assert.match(
      documentSchemaErrors(bad)[0]!,
      /^\/orders\/0\/items\/0\/quantityShipped: must match pattern/,
    );
  });

  it('rejects a field the schema does not know, naming it', () => {
    const bad = { ...CSV_ASN, shipmentNumber: 'S-1' };
    assert.deepEqual(documentSchemaErrors(bad), [
      '(document): must NOT have additional properties (shipmentNumber)',
    ]);
  });

  it('rejects an impossible month and a document with no source', () => {
    const { source: _source, ...unsourced } = CSV_ASN;
    assert.ok(documentSchemaErrors({ ...CSV_ASN, noticeDate: '2026-13-01' })[0]!.startsWith('/noticeDate'));
    assert.deepEqual(documentSchemaErrors(unsourced), ["(document): must have required property 'source'"]);
  });

  it('names an unknown type or version instead of guessing', () => {
    assert.deepEqual(documentSchemaErrors({ ...CSV_ASN, schemaVersion: 2 }), [
      '(document): no schema for type advance-ship-notice version 2',
    ]);
  });
});
