import assert from 'node:assert/strict';
import type { WarehouseShippingAdvice } from '../../../src/documents/index.ts';
import { lineOf, mapBody, positionOf } from './edi.ts';

const ADVICE = [
  'W06*F*ORD-1*20240315*SHP-1*WH-88*PO-1',
  'N1*ST*STORE 114*9*0614392110114',
  'N9*BM*BOL-1',
  'N9*CN*PRO-1',
  'G62*11*20240315*8*1415',
  'W27*M*HPLX*HPLX GROUND*PP**TRLR*5531',
  'LX*1',
  'MAN*GM*00008401553000012345',
  'N9*PO*PO-2',
  'W12*CC*24*24**CA**VN*TNT-2P*LOT-1*40.5*N*LB',
  'G69*Dome Tent',
  'N9*LT*L24A',
  'W12*CP*36*30*6*EA**VN*HDL-200',
  'N1*ST*OTHER STORE*92*7',
  'G62*11*20240316',
  'W03*54*398.4*LB*12*CF*3*PLT',
];

function advice(body: string[]): WarehouseShippingAdvice {
  const result = mapBody('945', body);
  assert.deepEqual(result.issues, []);
  assert.ok(result.document?.type === 'warehouse-shipping-advice');
  return result.document;
}

describe('mapWarehouseShippingAdvice (945)', () => {
  it('maps the business keys: depositor order, shipment id, bill of lading and every PO once', () => {
    const doc = advice(ADVICE);
    assert.deepEqual(
      [
        doc.depositorOrderNumber,
        doc.shipmentId,
        doc.agentShipmentId,
        doc.shipDate,
        doc.billOfLading,
        doc.proNumber,
      ],
      ['ORD-1', 'SHP-1', 'WH-88', '2024-03-15', 'BOL-1', 'PRO-1'],
    );
    assert.deepEqual(doc.poNumbers, ['PO-1', 'PO-2']);
    assert.deepEqual(
      [doc.carrier?.scac, doc.carrier?.name, doc.paymentMethod, doc.equipmentNumber],
      ['HPLX', 'HPLX GROUND', 'PP', '5531'],
    );
    assert.deepEqual(doc.dates, [
      {
        qualifier: '11',
        date: '2024-03-15',
        time: '14:15',
        trace: { line: lineOf(4), position: positionOf(4) },
      },
    ]);
  });

  it('keeps ordered, shipped and difference quantities as sent, one line per W12', () => {
    const doc = advice(ADVICE);
    assert.deepEqual(
      doc.lines.map((l) => [
        l.lineNumber,
        l.statusCode,
        l.quantityOrdered,
        l.quantityShipped,
        l.quantityDifference,
        l.unit,
      ]),
      [
        ['1', 'CC', '24', '24', undefined, 'CA'],
        ['1', 'CP', '36', '30', '6', 'EA'],
      ],
    );
  });

  it('gives the MAN and N9 of an LX to each of its lines, and reads no G62 of a W12 N1 loop', () => {
    const [first, second] = advice(ADVICE).lines;
    assert.deepEqual(first!.marks, [{ qualifier: 'GM', value: '00008401553000012345' }]);
    assert.deepEqual(second!.marks, first!.marks);
    assert.deepEqual(
      first!.references.map((r) => r.value),
      ['PO-2', 'L24A'],
    );
    assert.deepEqual(second!.dates, []);
    assert.deepEqual([first!.lotNumber, first!.netWeight], ['LOT-1', { value: '40.5', unit: 'LB' }]);
  });

  it('maps the W03 totals', () => {
    assert.deepEqual(advice(ADVICE).totals, {
      unitsShipped: '54',
      weight: { value: '398.4', unit: 'LB' },
      volume: { value: '12', unit: 'CF' },
      ladingQuantity: { value: '3', unit: 'PLT' },
      trace: { line: lineOf(ADVICE.length - 1), position: positionOf(ADVICE.length - 1) },
    });
  });

  it('rejects a W12 without the units shipped, at W1203 of that line', () => {
    const body = ADVICE.map((s) => (s.startsWith('W12*CP') ? 'W12*CP*36**6*EA**VN*HDL-200' : s));
    const at = body.indexOf('W12*CP*36**6*EA**VN*HDL-200');
    const result = mapBody('945', body);
    assert.equal(result.document, undefined);
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.message, i.location.element, i.location.line, i.location.position]),
      [
        [
          'required-value-missing',
          'W1203 (units shipped) is empty; the warehouse shipping advice needs it',
          3,
          lineOf(at),
          positionOf(at),
        ],
      ],
    );
  });

  it('rejects an advice without W06 as a missing segment', () => {
    const result = mapBody('945', ADVICE.slice(1));
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.location.tag]),
      [['required-segment-missing', 'ST']],
    );
  });

  it('rejects an advice without any W12 line', () => {
    const result = mapBody('945', ['W06*F*ORD-1', 'W03*0']);
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.message]),
      [
        [
          'required-segment-missing',
          'no W12 segment, so no shipped line; the warehouse shipping advice needs it',
        ],
      ],
    );
  });
});
