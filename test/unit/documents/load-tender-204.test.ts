import assert from 'node:assert/strict';
import type { LoadTender } from '../../../src/documents/index.ts';
import { lineOf, mapBody, positionOf } from './edi.ts';

const TENDER = [
  'B2**MWTL**LT-1**PP',
  'B2A*00*LT',
  'L11*BOL-1*BM',
  'L11*PO-1*PO',
  'G62*64*20261120*1*1400*CT',
  'N1*BT*Buyer Co*93*B1',
  'S5*1*LD*1000*L*40*CA',
  'G62*37*20261121*I*0800*CT',
  'OID*ORD-1*PO-2**CA*40*L*1000',
  'G62*53*20261122*G*0900*ET',
  'N7**TRL1',
  'G62*54*20261123*L*1700*ET',
  'S5*2*UL',
  'L11*PO-1*PO',
  'OID*ORD-2*PO-3',
  'L3*1000*G***50000',
];

function tender(body: string[], version = '004010'): LoadTender {
  const result = mapBody('204', body, version);
  assert.deepEqual(result.issues, []);
  assert.ok(result.document?.type === 'load-tender');
  return result.document;
}

function issuesOf(body: string[]) {
  return mapBody('204', body).issues.map((i) => [
    i.code,
    i.message,
    i.location.tag,
    i.location.element,
    i.location.line,
  ]);
}

describe('mapLoadTender (204)', () => {
  it('names every purchase order of the tender once: heading and stop L11 PO, then each OID02', () => {
    const doc = tender(TENDER);
    assert.equal(doc.shipmentId, 'LT-1');
    assert.equal(doc.billOfLading, 'BOL-1');
    assert.deepEqual(doc.poNumbers, ['PO-1', 'PO-2', 'PO-3']);
  });

  it('gives a G62 after an OID to that order, and none after the N7 that ends the order', () => {
    const doc = tender(TENDER);
    const [first, second] = doc.stops;
    assert.deepEqual(
      first!.dates.map((d) => [d.qualifier, d.date, d.timeQualifier, d.time, d.timeZoneCode]),
      [['37', '2026-11-21', 'I', '08:00', 'CT']],
    );
    assert.deepEqual(first!.orders[0], {
      referenceId: 'ORD-1',
      poNumber: 'PO-2',
      quantity: { value: '40', unit: 'CA' },
      weight: { value: '1000', unit: 'L' },
      dates: [
        {
          qualifier: '53',
          date: '2026-11-22',
          timeQualifier: 'G',
          time: '09:00',
          timeZoneCode: 'ET',
          trace: { line: lineOf(9), position: positionOf(9) },
        },
      ],
      lading: [],
      trace: { line: lineOf(8), position: positionOf(8) },
    });
    assert.deepEqual(
      [second!.sequence, second!.reasonCode, second!.orders.map((o) => o.poNumber)],
      [2, 'UL', ['PO-3']],
    );
  });

  it('reads the L3 charge with its two implied decimals', () => {
    assert.deepEqual(tender(TENDER).totals, {
      weight: '1000',
      weightQualifier: 'G',
      charge: '500',
      trace: { line: lineOf(15), position: positionOf(15) },
    });
  });

  it('takes the currency from the C3 of the heading, not from the C3 of a rate in an AT5 loop (005010)', () => {
    const body = ['B2**MWTL**LT-1**PP', 'B2A*00*LT', 'AT5*TEM', 'RTT*FC*12', 'C3*CAD', 'S5*1*LD'];
    assert.equal(tender(body, '005010').currency, undefined);
    assert.equal(
      tender(['B2**MWTL**LT-1**PP', 'B2A*00*LT', 'C3*USD', ...body.slice(2)], '005010').currency,
      'USD',
    );
  });

  it('rejects a tender without a shipment id, at B204', () => {
    assert.deepEqual(issuesOf(['B2**MWTL****PP', ...TENDER.slice(1)]), [
      [
        'required-value-missing',
        'B204 (shipment identification) is empty; the load tender needs it',
        'B2',
        4,
        lineOf(0),
      ],
    ]);
  });

  it('rejects a stop without a reason code, at S502, and one whose sequence is not a number, at S501', () => {
    const body = TENDER.map((s) => (s === 'S5*2*UL' ? 'S5*X' : s));
    assert.deepEqual(issuesOf(body), [
      [
        'invalid-value',
        'S501 (stop sequence number) is "X", which is not a whole number',
        'S5',
        1,
        lineOf(12),
      ],
      [
        'required-value-missing',
        'S502 (stop reason code) is empty; the load tender needs it',
        'S5',
        2,
        lineOf(12),
      ],
    ]);
  });

  it('rejects a tender without stops or without a purpose', () => {
    assert.deepEqual(issuesOf(TENDER.slice(0, 6)), [
      [
        'required-segment-missing',
        'no S5 segment, so no stop; the load tender needs it',
        'B2A',
        undefined,
        lineOf(1),
      ],
    ]);
    assert.deepEqual(
      issuesOf(TENDER.filter((s) => !s.startsWith('B2A'))).map((i) => i.slice(0, 3)),
      [['required-segment-missing', 'no B2A segment, so no purpose code; the load tender needs it', 'B2']],
    );
  });
});
