import assert from 'node:assert/strict';
import type { AdvanceShipNotice } from '../../../src/documents/index.ts';
import { ASN_BODY, lineOf, mapBody, positionOf } from './edi.ts';

function replace(body: string[], from: string, to: string | undefined): string[] {
  const at = body.indexOf(from);
  assert.ok(at >= 0, `${from} is not in the body`);
  const out = [...body];
  if (to === undefined) out.splice(at, 1);
  else out[at] = to;
  return out;
}

function notice(body: string[]): AdvanceShipNotice {
  const result = mapBody('856', body);
  assert.deepEqual(result.issues, []);
  assert.ok(result.document?.type === 'advance-ship-notice');
  return result.document;
}

describe('mapShipNotice (856)', () => {
  it('maps a shipment, its order, pack and item with their business keys', () => {
    const doc = notice(ASN_BODY);
    assert.equal(doc.shipmentId, 'SHP1');
    assert.equal(doc.billOfLading, 'BOL1');
    assert.deepEqual(doc.poNumbers, ['PO1']);
    assert.equal(doc.shipment.carrier?.scac, 'ODFL');
    assert.equal(doc.shipment.shipDate, '2026-11-20');
    const pack = doc.orders[0]!.packs[0]!;
    assert.equal(pack.sscc, '006141410000000111');
    assert.deepEqual(
      {
        upc: pack.items[0]!.upc,
        vendor: pack.items[0]!.vendorPartNumber,
        qty: pack.items[0]!.quantityShipped,
      },
      { upc: '012345678905', vendor: 'AW-1001', qty: '24' },
    );
    assert.deepEqual(pack.items[0]!.trace, {
      line: lineOf(ASN_BODY.indexOf('HL*4*3*I*0')),
      position: positionOf(ASN_BODY.indexOf('HL*4*3*I*0')),
    });
  });

  it('rejects an order whose PRF has no purchase order number, naming PRF01', () => {
    const body = replace(ASN_BODY, 'PRF*PO1***20261116', 'PRF****20261116');
    const result = mapBody('856', body);
    assert.equal(result.document, undefined);
    assert.deepEqual(result.issues, [
      {
        code: 'required-value-missing',
        severity: 'error',
        message: 'PRF01 (purchase order number) is empty; the ship notice needs it',
        location: {
          line: lineOf(body.indexOf('PRF****20261116')),
          offset: result.issues[0]!.location.offset,
          segment: lineOf(body.indexOf('PRF****20261116')),
          tag: 'PRF',
          position: positionOf(body.indexOf('PRF****20261116')),
          element: 1,
        },
      },
    ]);
  });

  it('rejects an order level without a PRF', () => {
    const result = mapBody('856', replace(ASN_BODY, 'PRF*PO1***20261116', undefined));
    assert.equal(result.document, undefined);
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.message, i.location.tag, i.location.position]),
      [
        [
          'required-segment-missing',
          'order HL 2 has no PRF segment, so no purchase order number; the ship notice needs it',
          'HL',
          positionOf(ASN_BODY.indexOf('HL*2*1*O*1')),
        ],
      ],
    );
  });

  it('rejects an HL whose parent id no HL carries, at HL02', () => {
    const body = replace(ASN_BODY, 'HL*4*3*I*0', 'HL*4*9*I*0');
    const result = mapBody('856', body);
    assert.equal(result.document, undefined);
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.message, i.location.line, i.location.element, i.data]),
      [
        [
          'hl-parent-unknown',
          'HL 4 names parent HL 9, which no HL in this set carries',
          lineOf(body.indexOf('HL*4*9*I*0')),
          2,
          '9',
        ],
      ],
    );
  });

  it('rebuilds the hierarchy from the links when a child comes before its parent', () => {
    // The item's HL first, then the pack it names, then the order: the same tree as in order.
    const shuffled = [
      ...ASN_BODY.slice(0, 5),
      'HL*4*3*I*0',
      'LIN**UP*012345678905*VN*AW-1001',
      'SN1**24*EA',
      'HL*3*2*P*1',
      'MAN*GM*00006141410000000111',
      'HL*2*1*O*1',
      'PRF*PO1***20261116',
    ];
    const a = notice(ASN_BODY);
    const b = notice(shuffled);
    assert.equal(b.orders[0]!.packs[0]!.items[0]!.vendorPartNumber, 'AW-1001');
    assert.equal(b.orders[0]!.packs[0]!.sscc, a.orders[0]!.packs[0]!.sscc);
    assert.equal(b.orders[0]!.packs[0]!.items[0]!.trace?.line, lineOf(5));
  });

  it('rejects two HLs with the same id', () => {
    const body = [...ASN_BODY, 'HL*4*3*I*0', 'LIN**UP*012345678912', 'SN1**1*EA'];
    const result = mapBody('856', body);
    assert.equal(result.document, undefined);
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.location.line]),
      [['hl-duplicate-id', lineOf(ASN_BODY.length)]],
    );
    assert.match(result.issues[0]!.message, /^HL01 4 is used again \(first by the HL on line \d+\)/);
  });

  it('rejects HLs whose parents form a loop that never reaches the shipment', () => {
    const body = [...ASN_BODY, 'HL*5*6*P*1', 'HL*6*5*P*1'];
    const result = mapBody('856', body);
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.message]),
      [
        ['hl-cycle', "HL 5's parents lead back to itself and never to the shipment"],
        ['hl-cycle', "HL 6's parents lead back to itself and never to the shipment"],
      ],
    );
  });

  it('rejects an item hung directly under the shipment', () => {
    const body = [...ASN_BODY, 'HL*5*1*I*0', 'LIN**UP*012345678912', 'SN1**1*EA'];
    const result = mapBody('856', body);
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.message]),
      [
        [
          'hl-structure',
          'HL 5 (level I, item) hangs under HL 1 (level S, shipment), which may only have orders (O) under it',
        ],
      ],
    );
  });

  it('rejects a notice with two shipment levels', () => {
    const result = mapBody('856', [...ASN_BODY, 'HL*5**S*0']);
    assert.deepEqual(
      result.issues.map((i) => i.code),
      ['hl-shipment-count'],
    );
    assert.match(result.issues[0]!.message, /^2 shipment levels/);
  });

  it('rejects an item without an SN1, since it has no quantity shipped', () => {
    const result = mapBody('856', replace(ASN_BODY, 'SN1**24*EA', undefined));
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.message]),
      [['required-segment-missing', 'item HL 4 has no SN1 segment, so no quantity shipped']],
    );
  });

  it('rejects a quantity that is not a number, quoting it', () => {
    const result = mapBody('856', replace(ASN_BODY, 'SN1**24*EA', 'SN1**2X*EA'));
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.message, i.data, i.location.element]),
      [['invalid-value', 'SN102 (quantity shipped) is "2X", which is not a decimal number', '2X', 2]],
    );
  });

  it('rejects a notice without a shipment identification (BSN02)', () => {
    const result = mapBody(
      '856',
      replace(ASN_BODY, 'BSN*00*SHP1*20261120*1430*0001', 'BSN*00**20261120*1430'),
    );
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.message, i.location.position, i.location.element]),
      [
        [
          'required-value-missing',
          'BSN02 (shipment identification) is empty; the ship notice needs it',
          2,
          2,
        ],
      ],
    );
  });

  it('keeps a mark whose SSCC check digit is wrong but does not use it as the SSCC, with a warning', () => {
    const result = mapBody(
      '856',
      replace(ASN_BODY, 'MAN*GM*00006141410000000111', 'MAN*GM*00006141410000000112'),
    );
    assert.ok(result.document?.type === 'advance-ship-notice');
    const pack = result.document.orders[0]!.packs[0]!;
    assert.equal(pack.sscc, undefined);
    assert.deepEqual(pack.marks, [{ qualifier: 'GM', value: '00006141410000000112' }]);
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.severity, i.message]),
      [
        [
          'sscc-check-digit',
          'warning',
          'MAN02 00006141410000000112 looks like an SSCC but its check digit should be 1; kept as a mark only',
        ],
      ],
    );
  });

  it('puts subpacks (Q) inside their pack and packs inside their tare', () => {
    const body = [
      ...ASN_BODY.slice(0, 7),
      'HL*3*2*T*1',
      'MAN*GM*00108501230000044019',
      'HL*4*3*P*1',
      'HL*5*4*Q*1',
      'HL*6*5*I*0',
      'LIN**UP*012345678905',
      'SN1**6*EA',
    ];
    const doc = notice(body);
    const tare = doc.orders[0]!.packs[0]!;
    assert.equal(tare.level, 'tare');
    assert.equal(tare.packs[0]!.level, 'pack');
    assert.equal(tare.packs[0]!.packs[0]!.level, 'subpack');
    assert.equal(tare.packs[0]!.packs[0]!.items[0]!.quantityShipped, '6');
  });

  it('lists each purchase order once, in the order of the orders', () => {
    const body = [
      ...ASN_BODY.slice(0, 5),
      'HL*2*1*O*1',
      'PRF*PO-B',
      'HL*3*2*I*0',
      'LIN**VN*A',
      'SN1**1*EA',
      'HL*4*1*O*1',
      'PRF*PO-A',
      'HL*5*4*I*0',
      'LIN**VN*B',
      'SN1**2*EA',
      'HL*6*1*O*1',
      'PRF*PO-B',
      'HL*7*6*I*0',
      'LIN**VN*C',
      'SN1**3*EA',
    ];
    const doc = notice(body);
    assert.deepEqual(doc.poNumbers, ['PO-B', 'PO-A']);
    assert.equal(doc.orders.length, 3);
  });
});

describe('mapShipNotice (856) reporting', () => {
  it('reports every problem of a notice at once, not only the first', () => {
    const body = ASN_BODY.map((s) =>
      s.startsWith('BSN') ? 'BSN*00**20261131*1430' : s.startsWith('PRF') ? 'PRF****20261116' : s,
    );
    const result = mapBody('856', body);
    assert.deepEqual(
      result.issues.map((i) => `${i.location.tag}${String(i.location.element).padStart(2, '0')} ${i.code}`),
      ['BSN02 required-value-missing', 'BSN03 invalid-value', 'PRF01 required-value-missing'],
    );
  });
});
