import assert from 'node:assert/strict';
import type { WarehouseShippingOrder } from '../../../src/documents/index.ts';
import { lineOf, mapBody, positionOf } from './edi.ts';

const ORDER = [
  'W05*N*ORD-1*PO-1',
  'N1*ST*STORE 114*9*0614392110114',
  'N9*PO*PO-2',
  'G62*10*20240315',
  'NTE*WHI*Call ahead',
  'W66*PP*M***ACME GROUND*****ACMX',
  'LX*1',
  'G62*02*20240319',
  'W01*24*CA*10012345678902*VN*TNT-2P*UP*012345678905******LOT-7**BP*B-55',
  'G69*Dome Tent',
  'N9*PO*PO-1',
  'W20*4**********',
  'W20*4***12.5*N*LB*0.5*2*CF',
  'LS*0100',
  'LX*9',
  'N9*ZZ*INSIDE',
  'LE*0100',
  'W01*6*EA**VN*STAKES',
  'LX*2',
  'W01*10*EA**VN*SLB-20F',
  'N9*PO*PO-3',
  'W76*40*412.5*LB',
];

function order(body: string[]): WarehouseShippingOrder {
  const result = mapBody('940', body);
  assert.deepEqual(result.issues, []);
  assert.ok(result.document?.type === 'warehouse-shipping-order');
  return result.document;
}

describe('mapWarehouseShippingOrder (940)', () => {
  it('names every purchase order once: W0503 first, then each N9 PO of the heading and the lines', () => {
    const doc = order(ORDER);
    assert.equal(doc.depositorOrderNumber, 'ORD-1');
    assert.deepEqual(doc.poNumbers, ['PO-1', 'PO-2', 'PO-3']);
  });

  it('reads W01 ids at 04/05, 06/07 and 15/16 around its other elements, and W20 weights by qualifier', () => {
    const line = order(ORDER).lines[0]!;
    assert.deepEqual(
      {
        upcCaseCode: line.upcCaseCode,
        vendor: line.vendorPartNumber,
        upc: line.upc,
        buyer: line.buyerPartNumber,
        lot: line.lotNumber,
        ids: line.ids.length,
      },
      {
        upcCaseCode: '10012345678902',
        vendor: 'TNT-2P',
        upc: '012345678905',
        buyer: 'B-55',
        lot: 'LOT-7',
        ids: 3,
      },
    );
    assert.deepEqual(
      [line.packSize, line.netWeight, line.grossWeight, line.unitWeight, line.volume],
      [
        '4',
        { value: '12.5', unit: 'LB' },
        undefined,
        { value: '0.5', unit: 'LB' },
        { value: '2', unit: 'CF' },
      ],
    );
  });

  it('gives each W01 of an LX loop its own line with the LX number and the dates of the LX', () => {
    const doc = order(ORDER);
    assert.deepEqual(
      doc.lines.map((l) => [l.lineNumber, l.quantityOrdered, l.unit, l.dates.map((d) => d.qualifier)]),
      [
        ['1', '24', 'CA', ['02']],
        ['1', '6', 'EA', ['02']],
        ['2', '10', 'EA', []],
      ],
    );
  });

  it('does not let the LX inside an LS…LE loop start a line, nor read its N9', () => {
    const doc = order(ORDER);
    assert.equal(doc.lines.length, 3);
    assert.ok(doc.lines.every((l) => l.references.every((r) => r.qualifier !== 'ZZ')));
  });

  it('maps the W66 carrier and the W76 totals', () => {
    const doc = order(ORDER);
    assert.deepEqual(
      [doc.carrier?.scac, doc.carrier?.name, doc.carrier?.transportMethod, doc.paymentMethod],
      ['ACMX', 'ACME GROUND', 'M', 'PP'],
    );
    assert.deepEqual([doc.totals.quantityOrdered, doc.totals.weight], ['40', { value: '412.5', unit: 'LB' }]);
    assert.deepEqual(
      doc.notes.map((n) => [n.code, n.text]),
      [['WHI', 'Call ahead']],
    );
  });

  it('rejects an order without a depositor order number, at W0502', () => {
    const body = ['W05*N**PO-1', ...ORDER.slice(1)];
    const result = mapBody('940', body);
    assert.equal(result.document, undefined);
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.message, i.location.tag, i.location.element, i.location.line]),
      [
        [
          'required-value-missing',
          'W0502 (depositor order number) is empty; the warehouse shipping order needs it',
          'W05',
          2,
          lineOf(0),
        ],
      ],
    );
  });

  it('rejects a W01 without its unit of measure, at W0102 of that line', () => {
    const body = ORDER.map((s) => (s === 'W01*10*EA**VN*SLB-20F' ? 'W01*10***VN*SLB-20F' : s));
    const at = body.indexOf('W01*10***VN*SLB-20F');
    const result = mapBody('940', body);
    assert.equal(result.document, undefined);
    assert.deepEqual(
      result.issues.map((i) => [
        i.code,
        i.location.tag,
        i.location.element,
        i.location.line,
        i.location.position,
      ]),
      [['required-value-missing', 'W01', 2, lineOf(at), positionOf(at)]],
    );
  });

  it('rejects an order without any W01 line', () => {
    const result = mapBody('940', ['W05*N*ORD-1', 'LX*1', 'W76*0']);
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.message]),
      [
        [
          'required-segment-missing',
          'no W01 segment, so no order line; the warehouse shipping order needs it',
        ],
      ],
    );
  });
});
