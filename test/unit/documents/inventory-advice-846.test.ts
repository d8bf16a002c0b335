import assert from 'node:assert/strict';
import type { InventoryAdvice, InventoryQuantity } from '../../../src/documents/index.ts';
import { lineOf, mapBody, positionOf } from './edi.ts';

const HEADER = ['BIA*00*MM*INV-1*20261201*0500', 'N1*SU*ACME*92*V1'];

function advice(body: string[]): InventoryAdvice {
  const result = mapBody('846', body);
  assert.deepEqual(result.issues, []);
  assert.ok(result.document?.type === 'inventory-advice');
  return result.document;
}

const brief = (q: InventoryQuantity[]) => q.map((x) => [x.qualifier, x.quantity, x.unit]);

describe('mapInventoryAdvice (846)', () => {
  it('gives each location the QTY loops that follow its N1, when a partner interleaves them', () => {
    const doc = advice([
      ...HEADER,
      'LIN*1*UP*012345678905',
      'N1*WH*DAYTON*92*DAY',
      'QTY*17*1200*EA',
      'QTY*33*1100*EA',
      'N1*WH*RENO*92*RNO',
      'N4*RENO*NV*89502*US',
      'QTY*33*0*EA',
      'SCH*500*EA***017*20261215',
    ]);
    const item = doc.items[0]!;
    assert.deepEqual(item.quantities, []);
    assert.deepEqual(
      item.locations.map((l) => [l.party.id, brief(l.quantities)]),
      [
        [
          'DAY',
          [
            ['17', '1200', 'EA'],
            ['33', '1100', 'EA'],
          ],
        ],
        ['RNO', [['33', '0', 'EA']]],
      ],
    );
    assert.equal(item.locations[1]!.party.address?.city, 'RENO');
    assert.deepEqual(
      item.locations[1]!.quantities[0]!.schedules.map((s) => [s.quantity, s.date]),
      [['500', '2026-12-15']],
    );
  });

  it("moves the item's quantities to its only N1 when the N1 follows them, as the standard orders it", () => {
    const doc = advice([...HEADER, 'LIN*1*UP*012345678905', 'QTY*33*75*EA', 'N1*WH*RENO*92*RNO']);
    const item = doc.items[0]!;
    assert.deepEqual(item.quantities, []);
    assert.deepEqual(brief(item.locations[0]!.quantities), [['33', '75', 'EA']]);
  });

  it('leaves the quantities on the item when several N1 follow them and none says whose they are', () => {
    const doc = advice([
      ...HEADER,
      'LIN*1*UP*012345678905',
      'QTY*33*75*EA',
      'N1*WH*DAYTON*92*DAY',
      'N1*WH*RENO*92*RNO',
    ]);
    const item = doc.items[0]!;
    assert.deepEqual(brief(item.quantities), [['33', '75', 'EA']]);
    assert.deepEqual(
      item.locations.map((l) => [l.party.id, l.quantities]),
      [
        ['DAY', []],
        ['RNO', []],
      ],
    );
  });

  it('puts DTM and SCH of a QTY loop in that quantity, skips its LS…LE loop and the SLN sublines', () => {
    const doc = advice([
      ...HEADER,
      'LIN*1*UP*012345678905*VN*AW-1',
      'PID*F****WIDGET',
      'DTM*018*20261203',
      'SDQ*EA*92*0412*40*0413*25',
      'SLN*1**O*4*EA',
      'PID*F****SUBLINE',
      'QTY*33*10*EA',
      'DTM*018*20261205',
      'LS*A',
      'REF*ZZ*INSIDE',
      'DTM*018*20261299',
      'LE*A',
      'SCH*5*EA***017*20261210*1230',
    ]);
    const item = doc.items[0]!;
    assert.equal(item.description, 'WIDGET');
    assert.deepEqual(
      item.dates.map((d) => d.date),
      ['2026-12-03'],
    );
    assert.deepEqual(item.destinations, [
      { unit: 'EA', locationQualifier: '92', location: '0412', quantity: '40' },
      { unit: 'EA', locationQualifier: '92', location: '0413', quantity: '25' },
    ]);
    const quantity = item.quantities[0]!;
    assert.deepEqual(
      quantity.dates.map((d) => d.date),
      ['2026-12-05'],
    );
    assert.deepEqual(
      quantity.schedules.map((s) => [s.quantity, s.unit, s.dateQualifier, s.date, s.time]),
      [['5', 'EA', '017', '2026-12-10', '12:30']],
    );
    assert.deepEqual(item.references, []);
  });

  it('rejects a QTY without its quantity, at QTY02', () => {
    const body = [...HEADER, 'LIN*1*UP*012345678905', 'QTY*33**EA'];
    const result = mapBody('846', body);
    assert.equal(result.document, undefined);
    assert.deepEqual(
      result.issues.map((i) => [
        i.code,
        i.message,
        i.location.tag,
        i.location.element,
        i.location.line,
        i.location.position,
      ]),
      [
        [
          'required-value-missing',
          'QTY02 (quantity 33) is empty; the inventory advice needs it',
          'QTY',
          2,
          lineOf(3),
          positionOf(3),
        ],
      ],
    );
  });

  it('rejects an advice without its reference number, at BIA03', () => {
    const result = mapBody('846', ['BIA*00*MM**20261201', 'LIN*1*UP*012345678905', 'QTY*33*1*EA']);
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.location.tag, i.location.element, i.location.line]),
      [['required-value-missing', 'BIA', 3, lineOf(0)]],
    );
  });

  it('rejects an item that names no product, at LIN03', () => {
    const result = mapBody('846', [...HEADER, 'LIN*1*UP', 'QTY*33*1*EA']);
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.location.tag, i.location.element]),
      [['required-value-missing', 'LIN', 3]],
    );
  });

  it('rejects an advice without items', () => {
    const result = mapBody('846', [...HEADER, 'CTT*0']);
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.message]),
      [['required-segment-missing', 'no LIN segment, so no item; the inventory advice needs it']],
    );
  });
});
