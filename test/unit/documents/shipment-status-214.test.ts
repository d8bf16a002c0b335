import assert from 'node:assert/strict';
import type { ShipmentStatus } from '../../../src/documents/index.ts';
import { lineOf, mapBody, positionOf } from './edi.ts';

const STATUS = [
  'B10*PRO-1*SHP-1*MWTL',
  'L11*PO-1*PO',
  'N1*CN*Consignee*93*C1',
  'LX*1',
  'AT7*X3*NS***20261120*0655*CT',
  'MS1*Kaukauna*WI*US',
  'MS2*MWTL*TRL1*TL',
  'AT7*AF*NS***20261120*0940*CT',
  'L11*PO-2*PO',
  'MS1*Elsewhere*WI*US',
  'LX*2',
  'AT7*D1*NS***20261121*1115*ET',
  'PRF*PO-1',
];

function status(body: string[], version = '004010'): ShipmentStatus {
  const result = mapBody('214', body, version);
  assert.deepEqual(result.issues, []);
  assert.ok(result.document?.type === 'shipment-status');
  return result.document;
}

function issuesOf(body: string[]) {
  return mapBody('214', body).issues.map((i) => [
    i.code,
    i.message,
    i.location.tag,
    i.location.element,
    i.location.line,
  ]);
}

describe('mapShipmentStatus (214)', () => {
  it('gives each AT7 the MS1 and MS2 that follow it, and no MS1 that stands after another segment', () => {
    const [first, second] = status(STATUS).statuses;
    assert.deepEqual(first!.events[0], {
      statusCode: 'X3',
      reasonCode: 'NS',
      date: '2026-11-20',
      time: '06:55',
      timeZoneCode: 'CT',
      location: {
        city: 'Kaukauna',
        region: 'WI',
        country: 'US',
        trace: { line: lineOf(5), position: positionOf(5) },
      },
      equipment: {
        scac: 'MWTL',
        equipmentNumber: 'TRL1',
        equipmentCode: 'TL',
        trace: { line: lineOf(6), position: positionOf(6) },
      },
      trace: { line: lineOf(4), position: positionOf(4) },
    });
    assert.equal(first!.events[1]!.location, undefined);
    assert.deepEqual(
      second!.events.map((e) => [e.statusCode, e.date, e.time, e.timeZoneCode]),
      [['D1', '2026-11-21', '11:15', 'ET']],
    );
  });

  it('names every purchase order once, from the heading and loop L11 and from PRF', () => {
    assert.deepEqual(status(STATUS).poNumbers, ['PO-1', 'PO-2']);
  });

  it('takes the bill of lading from an L11 BM, else from B1006 when B1005 is BM', () => {
    assert.equal(
      status(['B10*PRO-1*SHP-1*MWTL*1*BM*BOL-B10', 'LX*1', 'L11*BOL-L11*BM']).billOfLading,
      'BOL-L11',
    );
    assert.equal(status(['B10*PRO-1*SHP-1*MWTL*1*BM*BOL-B10', 'LX*1']).billOfLading, 'BOL-B10');
    assert.equal(status(['B10*PRO-1*SHP-1*MWTL*1*CN*X', 'LX*1']).billOfLading, undefined);
  });

  it('reads the parties and dates where 005010 puts them, inside the LX loop', () => {
    const doc = status(
      [
        'B10*PRO-1*SHP-1*HPLX',
        'LX*1',
        'AT7*D1*NS***20261121*1005*CT',
        'N1*CN*Store 31*92*S31',
        'G62*35*20261121',
      ],
      '005010',
    );
    assert.deepEqual(doc.parties, []);
    assert.deepEqual(
      doc.statuses[0]!.parties.map((p) => [p.role, p.id]),
      [['consignee', 'S31']],
    );
    assert.deepEqual(
      doc.statuses[0]!.dates.map((d) => [d.qualifier, d.date]),
      [['35', '2026-11-21']],
    );
  });

  it('leaves the statuses of a carton (CD3 loop, 004010) out of the shipment, but counts the order of a PRF loop', () => {
    const doc = status([
      'B10*PRO-1*SHP-1*MWTL',
      'LX*1',
      'AT7*AF*NS***20261120*0940*CT',
      'CD3*CT*1*C-1',
      'AT7*X1*NS***20261121*0850*CT',
      'PRF*PO-9',
      'N1*ST*Store 9*92*S9',
    ]);
    assert.deepEqual(
      doc.statuses[0]!.events.map((e) => e.statusCode),
      ['AF'],
    );
    assert.deepEqual(doc.statuses[0]!.parties, []);
    assert.deepEqual(doc.poNumbers, ['PO-9']);
  });

  it('rejects a status event without a date, at AT705', () => {
    const body = STATUS.map((s) => (s.startsWith('AT7*D1') ? 'AT7*D1*NS****1115*ET' : s));
    assert.deepEqual(issuesOf(body), [
      [
        'required-value-missing',
        'AT705 (status date) is empty; the shipment status needs it',
        'AT7',
        5,
        lineOf(11),
      ],
    ]);
  });

  it('rejects a status event with neither a status nor an appointment status code, at AT701', () => {
    const body = STATUS.map((s) => (s.startsWith('AT7*D1') ? 'AT7*****20261121*1115*ET' : s));
    assert.deepEqual(issuesOf(body), [
      [
        'required-value-missing',
        'AT701 (shipment status code) and AT703 (appointment status code) are both empty; a status event needs one',
        'AT7',
        1,
        lineOf(11),
      ],
    ]);
  });

  it('rejects a message without the carrier, at B1003', () => {
    assert.deepEqual(issuesOf(['B10*PRO-1*SHP-1', ...STATUS.slice(1)]), [
      [
        'required-value-missing',
        'B1003 (standard carrier alpha code) is empty; the shipment status needs it',
        'B10',
        3,
        lineOf(0),
      ],
    ]);
  });
});
