import assert from 'node:assert/strict';
import type { LoadTenderResponse } from '../../../src/documents/index.ts';
import { lineOf, mapBody } from './edi.ts';

function response(body: string[], version = '004010'): LoadTenderResponse {
  const result = mapBody('990', body, version);
  assert.deepEqual(result.issues, []);
  assert.ok(result.document?.type === 'load-tender-response');
  return result.document;
}

function issuesOf(body: string[]) {
  return mapBody('990', body).issues.map((i) => [
    i.code,
    i.message,
    i.location.tag,
    i.location.element,
    i.location.line,
    i.data,
  ]);
}

describe('mapLoadTenderResponse (990)', () => {
  it('reads B104 A, D and R as accepted, declined and deleted, keeping the code as sent', () => {
    for (const [code, action] of [
      ['A', 'accepted'],
      ['D', 'declined'],
      ['R', 'deleted'],
    ]) {
      const doc = response([`B1*MWTL*LT-1*20261120*${code}`]);
      assert.deepEqual(
        [doc.shipmentId, doc.scac, doc.responseDate, doc.actionCode, doc.action],
        ['LT-1', 'MWTL', '2026-11-20', code, action],
      );
    }
  });

  it('reads the references of either version: N9 (004010) and L11 (005010), with BM and PO as keys', () => {
    const a = response(['B1*MWTL*LT-1*20261120*A', 'N9*BM*BOL-1', 'N9*PO*PO-1', 'N9*PO*PO-1']);
    assert.deepEqual([a.billOfLading, a.poNumbers], ['BOL-1', ['PO-1']]);
    const b = response(['B1*HPLX*LT-2*20261120*D**PRC', 'L11*PRO-9*CN'], '005010');
    assert.deepEqual(
      [b.declineReasonCode, b.references.map((r) => [r.qualifier, r.value])],
      ['PRC', [['CN', 'PRO-9']]],
    );
  });

  it('reads only the heading: the N9 of an S5 loop answers for that stop, not for the tender', () => {
    const doc = response(['B1*MWTL*LT-1*20261120*A', 'N9*CN*PRO-1', 'S5*1*LD', 'N9*BM*STOP-BOL']);
    assert.deepEqual(
      doc.references.map((r) => r.value),
      ['PRO-1'],
    );
    assert.equal(doc.billOfLading, undefined);
  });

  it('rejects an answer that names no tender, at B102', () => {
    assert.deepEqual(issuesOf(['B1*MWTL**20261120*A']), [
      [
        'required-value-missing',
        'B102 (shipment identification) is empty; the load tender response needs it',
        'B1',
        2,
        lineOf(0),
        undefined,
      ],
    ]);
  });

  it('rejects an answer that is neither accept, decline nor delete, at B104', () => {
    assert.deepEqual(issuesOf(['B1*MWTL*LT-1*20261120*X']), [
      [
        'invalid-value',
        'B104 is "X"; a reservation action code is A (accepted), D (declined) or R (deleted)',
        'B1',
        4,
        lineOf(0),
        'X',
      ],
    ]);
    assert.deepEqual(issuesOf(['B1*MWTL*LT-1*20261120'])[0]!.slice(0, 4), [
      'required-value-missing',
      'B104 (reservation action code) is empty; the load tender response needs it',
      'B1',
      4,
    ]);
  });

  it('rejects a set without B1', () => {
    assert.deepEqual(issuesOf(['N9*CN*PRO-1'])[0]!.slice(0, 3), [
      'required-segment-missing',
      'no B1 segment, so no shipment identification or answer; the load tender response needs it',
      'ST',
    ]);
  });
});
