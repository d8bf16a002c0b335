// X12 214 -> ShipmentStatus. B10 names the shipment; each LX loop holds status events (AT7, each followed
// by its location MS1 and equipment MS2) with the references, parties and weights of that part of the
// shipment. 004010 puts the references and parties in the heading, 005010 inside the LX loops: both are read
// where they stand. The 004010 loops nested in an LX (CD3 cartons, PRF orders, SPO, EFI) carry the statuses
// of a carton or an order, not of the shipment, and are not mapped (their PRF01 still counts as a PO number).
import type { SetSegment, TransactionSetSegments } from '../../x12/set-segments.ts';
import type { Reference } from '../common.ts';
import type { MapResult } from '../issues.ts';
import type {
  ShipmentStatus,
  StatusEvent,
  StatusLine,
  StatusLocation,
  StatusEquipment,
} from '../shipment-status.ts';
import type { ShipmentWeight, TransportDate } from '../transport.ts';
import { compact, readParties, splitTable } from './common-segments.ts';
import { locate, MapContext, traceOf, type MapOptions } from './context.ts';
import {
  purchaseOrderNumbers,
  readShipmentWeight,
  readTransportDate,
  readTransportReference,
} from './transport-segments.ts';

export function mapShipmentStatus(
  set: TransactionSetSegments,
  options: MapOptions,
): MapResult<ShipmentStatus> {
  const ctx = new MapContext(set, options);
  const st = set.segments[0]!;
  // No summary table: SE ends the last LX loop.
  const { heading, loops } = splitTable(set, 'LX', 'SE');

  const b10 = heading.find((s) => s.tag === 'B10');
  if (!b10) ctx.missingSegment('B10', 'carrier or shipment identification', st);
  const scac = b10 && ctx.required(b10, 3, 'standard carrier alpha code');

  const references: Reference[] = [];
  for (const seg of heading) {
    if (seg.tag === 'L11') {
      const ref = readTransportReference(ctx, seg);
      if (ref) references.push(ref);
    }
  }
  const statuses = loops.map((loop) => readStatusLine(ctx, loop));
  const billOfLading =
    [...references, ...statuses.flatMap((s) => s.references)].find((r) => r.qualifier === 'BM')?.value ??
    (b10 && ctx.text(b10, 5) === 'BM' ? ctx.text(b10, 6) : undefined);

  if (ctx.failed || !b10 || scac === undefined) return { issues: ctx.issues };
  const status = compact<ShipmentStatus>({
    type: 'shipment-status',
    schemaVersion: 1,
    partnerId: options.partnerId,
    scac,
    referenceId: ctx.text(b10, 1),
    shipmentId: ctx.text(b10, 2),
    billOfLading,
    poNumbers: purchaseOrderNumbers(ctx, set.segments),
    references,
    parties: readParties(ctx, heading),
    statuses,
    source: ctx.source(),
  });
  return { document: status, issues: ctx.issues };
}

/** Tags that open the 004010 loops nested in an LX: from the first of them on, the segments are not the LX's. */
const NESTED_LOOPS = new Set(['CD3', 'PRF', 'SPO', 'EFI']);

function readStatusLine(ctx: MapContext, loop: SetSegment[]): StatusLine {
  const lx = loop[0]!;
  const nested = loop.findIndex((s) => NESTED_LOOPS.has(s.tag));
  const own = nested < 0 ? loop : loop.slice(0, nested);
  const events: StatusEvent[] = [];
  const references: Reference[] = [];
  const dates: TransportDate[] = [];
  const weights: ShipmentWeight[] = [];
  // MS1 and MS2 describe the AT7 they follow; any other segment ends that AT7 loop.
  const groups: { at7: SetSegment; ms1?: SetSegment; ms2?: SetSegment }[] = [];
  let group: (typeof groups)[number] | undefined;
  for (const seg of own.slice(1)) {
    if (seg.tag === 'AT7') {
      group = { at7: seg };
      groups.push(group);
    } else if (seg.tag === 'MS1' && group) {
      group.ms1 ??= seg;
    } else if (seg.tag === 'MS2' && group) {
      group.ms2 ??= seg;
    } else {
      group = undefined;
      if (seg.tag === 'L11') {
        const ref = readTransportReference(ctx, seg);
        if (ref) references.push(ref);
      } else if (seg.tag === 'G62') {
        const date = readTransportDate(ctx, seg);
        if (date) dates.push(date);
      } else if (seg.tag === 'AT8') {
        weights.push(readShipmentWeight(ctx, seg));
      }
    }
  }
  for (const g of groups) {
    const event = readEvent(ctx, g.at7, g.ms1, g.ms2);
    if (event) events.push(event);
  }
  return compact<StatusLine>({
    assignedNumber: ctx.integer(lx, 1, 'assigned number'),
    events,
    references,
    parties: readParties(ctx, own),
    dates,
    weights,
    trace: traceOf(lx),
  });
}

function readEvent(
  ctx: MapContext,
  at7: SetSegment,
  ms1: SetSegment | undefined,
  ms2: SetSegment | undefined,
): StatusEvent | undefined {
  const statusCode = ctx.text(at7, 1);
  const appointmentStatusCode = ctx.text(at7, 3);
  if (statusCode === undefined && appointmentStatusCode === undefined) {
    ctx.issue(
      'required-value-missing',
      'AT701 (shipment status code) and AT703 (appointment status code) are both empty; a status event needs one',
      locate(at7, 1),
    );
  }
  const date = ctx.date(at7, 5, 'status date', true);
  if (date === undefined) return undefined;
  return compact<StatusEvent>({
    statusCode,
    reasonCode: ctx.text(at7, 2),
    appointmentStatusCode,
    appointmentReasonCode: ctx.text(at7, 4),
    date,
    time: ctx.time(at7, 6, 'status time'),
    timeZoneCode: ctx.text(at7, 7),
    location:
      ms1 &&
      compact<StatusLocation>({
        city: ctx.text(ms1, 1),
        region: ctx.text(ms1, 2),
        country: ctx.text(ms1, 3),
        trace: traceOf(ms1),
      }),
    equipment:
      ms2 &&
      compact<StatusEquipment>({
        scac: ctx.text(ms2, 1),
        equipmentNumber: ctx.text(ms2, 2),
        equipmentCode: ctx.text(ms2, 3),
        trace: traceOf(ms2),
      }),
    trace: traceOf(at7),
  });
}
