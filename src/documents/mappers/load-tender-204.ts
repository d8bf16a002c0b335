// X12 204 -> LoadTender. The heading (B2 to the first S5) describes the load and who tenders it; each S5
// loop is a stop, and the OID loops inside a stop are the orders loaded or unloaded there; L3 closes the set
// with the totals. Within a stop, what stands before its first OID is the stop's, what follows an OID is
// that order's, and an N7 loop (equipment) ends both.
import type { SetSegment, TransactionSetSegments } from '../../x12/set-segments.ts';
import type { Party, Reference } from '../common.ts';
import type { MapResult } from '../issues.ts';
import type { LoadTender, Stop, StopOrder } from '../load-tender.ts';
import type {
  HandlingRequirement,
  LadingDescription,
  Note,
  ShipmentWeight,
  TransportDate,
} from '../transport.ts';
import { compact, readMeasure, readParties, splitTable } from './common-segments.ts';
import { MapContext, traceOf, type MapOptions } from './context.ts';
import {
  purchaseOrderNumbers,
  readFreightTotals,
  readHandling,
  readLading,
  readNote,
  readShipmentWeight,
  readTransportDate,
  readTransportReference,
} from './transport-segments.ts';

export function mapLoadTender(set: TransactionSetSegments, options: MapOptions): MapResult<LoadTender> {
  const ctx = new MapContext(set, options);
  const st = set.segments[0]!;
  const { heading, loops, summary } = splitTable(set, 'S5', 'L3');

  const b2 = heading.find((s) => s.tag === 'B2');
  if (!b2) ctx.missingSegment('B2', 'shipment identification', st);
  const shipmentId = b2 && ctx.required(b2, 4, 'shipment identification');
  const b2a = heading.find((s) => s.tag === 'B2A');
  if (!b2a) ctx.missingSegment('B2A', 'purpose code', b2 ?? st);
  const purposeCode = b2a && ctx.required(b2a, 1, 'transaction set purpose code');

  const references: Reference[] = [];
  const dates: TransportDate[] = [];
  const handling: HandlingRequirement[] = [];
  const notes: Note[] = [];
  let currency: string | undefined;
  let seenAt5 = false;
  for (const seg of heading) {
    if (seg.tag === 'L11') {
      const ref = readTransportReference(ctx, seg);
      if (ref) references.push(ref);
    } else if (seg.tag === 'G62') {
      const date = readTransportDate(ctx, seg);
      if (date) dates.push(date);
    } else if (seg.tag === 'AT5') {
      seenAt5 = true;
      handling.push(readHandling(ctx, seg));
    } else if (seg.tag === 'NTE') {
      const note = readNote(ctx, seg);
      if (note) notes.push(note);
    } else if (seg.tag === 'C3' && !seenAt5) {
      // A C3 after an AT5 (005010) is the currency of that handling's rate, not of the tender.
      currency ??= ctx.currency(seg, 1);
    }
  }

  if (loops.length === 0) ctx.missingSegment('S5', 'stop', b2a ?? b2 ?? st);
  const stops = loops.map((loop) => readStop(ctx, loop)).filter((s) => s !== undefined);
  const l3 = summary.find((s) => s.tag === 'L3');
  const totals = l3 && readFreightTotals(ctx, l3);

  if (ctx.failed || !b2 || shipmentId === undefined || purposeCode === undefined) {
    return { issues: ctx.issues };
  }
  const tender = compact<LoadTender>({
    type: 'load-tender',
    schemaVersion: 1,
    partnerId: options.partnerId,
    shipmentId,
    scac: ctx.text(b2, 2),
    paymentMethod: ctx.text(b2, 6),
    purposeCode,
    applicationTypeCode: b2a && ctx.text(b2a, 2),
    currency,
    billOfLading: references.find((r) => r.qualifier === 'BM')?.value,
    poNumbers: purchaseOrderNumbers(ctx, set.segments),
    references,
    dates,
    handling,
    notes,
    parties: readParties(ctx, heading),
    stops,
    totals,
    source: ctx.source(),
  });
  return { document: tender, issues: ctx.issues };
}

function readStop(ctx: MapContext, loop: SetSegment[]): Stop | undefined {
  const s5 = loop[0]!;
  const sequence =
    ctx.required(s5, 1, 'stop sequence number') === undefined
      ? undefined
      : ctx.integer(s5, 1, 'stop sequence number');
  const reasonCode = ctx.required(s5, 2, 'stop reason code');
  const own: SetSegment[] = [];
  const orders: StopOrder[] = [];
  let order: StopOrder | undefined;
  let inEquipment = false;
  for (const seg of loop.slice(1)) {
    if (seg.tag === 'OID') {
      order = readOrder(ctx, seg);
      orders.push(order);
      inEquipment = false;
    } else if (seg.tag === 'N7') {
      inEquipment = true;
    } else if (inEquipment) {
      continue;
    } else if (order) {
      if (seg.tag === 'G62') {
        const date = readTransportDate(ctx, seg);
        if (date) order.dates.push(date);
      } else if (seg.tag === 'L5') {
        order.lading.push(readLading(ctx, seg));
      }
    } else {
      own.push(seg);
    }
  }

  const references: Reference[] = [];
  const dates: TransportDate[] = [];
  const handling: HandlingRequirement[] = [];
  const notes: Note[] = [];
  const lading: LadingDescription[] = [];
  let shipmentWeight: ShipmentWeight | undefined;
  for (const seg of own) {
    if (seg.tag === 'L11') {
      const ref = readTransportReference(ctx, seg);
      if (ref) references.push(ref);
    } else if (seg.tag === 'G62') {
      const date = readTransportDate(ctx, seg);
      if (date) dates.push(date);
    } else if (seg.tag === 'AT8') {
      shipmentWeight ??= readShipmentWeight(ctx, seg);
    } else if (seg.tag === 'AT5') {
      handling.push(readHandling(ctx, seg));
    } else if (seg.tag === 'NTE') {
      const note = readNote(ctx, seg);
      if (note) notes.push(note);
    } else if (seg.tag === 'L5') {
      lading.push(readLading(ctx, seg));
    }
  }
  const parties: Party[] = readParties(ctx, own);
  if (sequence === undefined || reasonCode === undefined) return undefined;
  return compact<Stop>({
    sequence,
    reasonCode,
    weight: readMeasure(ctx, s5, 3, 4, 'stop weight'),
    quantity: readMeasure(ctx, s5, 5, 6, 'number of units shipped'),
    volume: readMeasure(ctx, s5, 7, 8, 'stop volume'),
    description: ctx.text(s5, 9),
    references,
    dates,
    shipmentWeight,
    handling,
    notes,
    parties,
    lading,
    orders,
    trace: traceOf(s5),
  });
}

function readOrder(ctx: MapContext, oid: SetSegment): StopOrder {
  return compact<StopOrder>({
    referenceId: ctx.text(oid, 1),
    poNumber: ctx.text(oid, 2),
    additionalReference: ctx.text(oid, 3),
    quantity: readMeasure(ctx, oid, 5, 4, 'order quantity'),
    weight: readMeasure(ctx, oid, 7, 6, 'order weight'),
    volume: readMeasure(ctx, oid, 9, 8, 'order volume'),
    dates: [],
    lading: [],
    trace: traceOf(oid),
  });
}
