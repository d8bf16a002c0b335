// X12 990 -> LoadTenderResponse. Only the heading is read: B1 says which tender (B102, the tender's B204) and
// whether the carrier takes it (B104); N9 (004010) or L11 (005010) carry the carrier's references. The
// 004010 S5 loops (per-stop answers) are not mapped.
import type { SetSegment, TransactionSetSegments } from '../../x12/set-segments.ts';
import type { Reference } from '../common.ts';
import type { MapResult } from '../issues.ts';
import type { LoadTenderResponse, Remark } from '../load-tender-response.ts';
import type { TransportDate } from '../transport.ts';
import { compact } from './common-segments.ts';
import { locate, MapContext, traceOf, type MapOptions } from './context.ts';
import { purchaseOrderNumbers, readTransportDate, readTransportReference } from './transport-segments.ts';

/** B104 reservation action codes. */
const ACTIONS: Record<string, LoadTenderResponse['action']> = { A: 'accepted', D: 'declined', R: 'deleted' };

export function mapLoadTenderResponse(
  set: TransactionSetSegments,
  options: MapOptions,
): MapResult<LoadTenderResponse> {
  const ctx = new MapContext(set, options);
  const st = set.segments[0]!;
  const heading: SetSegment[] = [];
  for (const seg of set.segments.slice(1)) {
    if (seg.tag === 'S5' || seg.tag === 'SE') break;
    heading.push(seg);
  }

  const b1 = heading.find((s) => s.tag === 'B1');
  if (!b1) ctx.missingSegment('B1', 'shipment identification or answer', st);
  const shipmentId = b1 && ctx.required(b1, 2, 'shipment identification');
  const actionCode = b1 && ctx.required(b1, 4, 'reservation action code');
  const action = actionCode === undefined ? undefined : ACTIONS[actionCode];
  if (b1 && actionCode !== undefined && action === undefined) {
    ctx.issue(
      'invalid-value',
      `B104 is "${actionCode}"; a reservation action code is A (accepted), D (declined) or R (deleted)`,
      locate(b1, 4),
      actionCode,
    );
  }

  const references: Reference[] = [];
  const dates: TransportDate[] = [];
  const remarks: Remark[] = [];
  for (const seg of heading) {
    if (seg.tag === 'N9' || seg.tag === 'L11') {
      const ref = readTransportReference(ctx, seg);
      if (ref) references.push(ref);
    } else if (seg.tag === 'G62') {
      const date = readTransportDate(ctx, seg);
      if (date) dates.push(date);
    } else if (seg.tag === 'K1') {
      const text = [ctx.text(seg, 1), ctx.text(seg, 2)].filter((t) => t !== undefined).join(' ');
      if (text !== '') remarks.push({ text, trace: traceOf(seg) });
    }
  }
  const responseDate = b1 && ctx.date(b1, 3, 'response date');

  if (ctx.failed || !b1 || shipmentId === undefined || actionCode === undefined || action === undefined) {
    return { issues: ctx.issues };
  }
  const response = compact<LoadTenderResponse>({
    type: 'load-tender-response',
    schemaVersion: 1,
    partnerId: options.partnerId,
    shipmentId,
    scac: ctx.text(b1, 1),
    responseDate,
    actionCode,
    action,
    declineReasonCode: ctx.text(b1, 6),
    billOfLading: references.find((r) => r.qualifier === 'BM')?.value,
    poNumbers: purchaseOrderNumbers(ctx, heading),
    references,
    dates,
    remarks,
    source: ctx.source(),
  });
  return { document: response, issues: ctx.issues };
}
