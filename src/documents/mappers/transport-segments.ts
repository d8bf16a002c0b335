// Readers for the segments the motor carrier sets (204, 990, 214, 210) share: G62 dates with their time
// qualifier and zone, AT8 weights, AT5 handling, NTE notes, L5 lading, L3 totals, and the references they
// carry either as L11 (reference first) or as N9 (qualifier first, like REF).
import type { SetSegment } from '../../x12/set-segments.ts';
import type { Reference } from '../common.ts';
import type {
  FreightTotals,
  HandlingRequirement,
  LadingDescription,
  Note,
  ShipmentWeight,
  TransportDate,
} from '../transport.ts';
import { compact, readG62Date, readL11Reference, readMeasure, readReference } from './common-segments.ts';
import { traceOf, type MapContext } from './context.ts';

/** G62 with its time qualifier (03) and time code (05); a G62 that carries only a time gives none. */
export function readTransportDate(ctx: MapContext, seg: SetSegment): TransportDate | undefined {
  const date = readG62Date(ctx, seg);
  if (date === undefined) return undefined;
  return compact<TransportDate>({
    qualifier: date.qualifier,
    date: date.date,
    timeQualifier: ctx.text(seg, 3),
    time: date.time,
    timeZoneCode: ctx.text(seg, 5),
    trace: date.trace,
  });
}

/** L11 or N9, whichever the set uses (the 004010 990 and 210 use N9, their 005010 versions L11). */
export function readTransportReference(ctx: MapContext, seg: SetSegment): Reference | undefined {
  if (seg.tag === 'L11') return readL11Reference(ctx, seg);
  if (seg.tag === 'N9') return readReference(ctx, seg);
  return undefined;
}

export function readShipmentWeight(ctx: MapContext, seg: SetSegment): ShipmentWeight {
  return compact<ShipmentWeight>({
    weightQualifier: ctx.text(seg, 1),
    weight: readMeasure(ctx, seg, 3, 2, 'weight'),
    ladingQuantity: ctx.integer(seg, 4, 'lading quantity'),
    volume: readMeasure(ctx, seg, 7, 6, 'volume'),
    trace: traceOf(seg),
  });
}

export function readHandling(ctx: MapContext, seg: SetSegment): HandlingRequirement {
  return compact<HandlingRequirement>({
    handlingCode: ctx.text(seg, 1),
    serviceCode: ctx.text(seg, 2),
    description: ctx.text(seg, 3),
    trace: traceOf(seg),
  });
}

/** NTE; one without text (NTE02) says nothing and gives none. */
export function readNote(ctx: MapContext, seg: SetSegment): Note | undefined {
  const text = ctx.text(seg, 2);
  if (text === undefined) return undefined;
  return compact<Note>({ code: ctx.text(seg, 1), text, trace: traceOf(seg) });
}

export function readLading(ctx: MapContext, seg: SetSegment): LadingDescription {
  return compact<LadingDescription>({
    lineNumber: ctx.integer(seg, 1, 'lading line item number'),
    description: ctx.text(seg, 2),
    commodityCode: ctx.text(seg, 3),
    commodityCodeQualifier: ctx.text(seg, 4),
    packagingCode: ctx.text(seg, 5),
    trace: traceOf(seg),
  });
}

/** L3: weights and the rate as sent (R), the charges with their two implied decimals (N2). */
export function readFreightTotals(ctx: MapContext, seg: SetSegment): FreightTotals {
  return compact<FreightTotals>({
    weight: ctx.decimal(seg, 1, 'total weight'),
    weightQualifier: ctx.text(seg, 2),
    weightUnit: ctx.text(seg, 12),
    freightRate: ctx.decimal(seg, 3, 'freight rate'),
    rateQualifier: ctx.text(seg, 4),
    charge: ctx.implied(seg, 5, 2, 'total charge'),
    advances: ctx.implied(seg, 6, 2, 'advances'),
    prepaidAmount: ctx.implied(seg, 7, 2, 'prepaid amount'),
    specialChargeCode: ctx.text(seg, 8),
    volume: readMeasure(ctx, seg, 9, 10, 'volume'),
    ladingQuantity: ctx.integer(seg, 11, 'lading quantity'),
    declaredValue: ctx.implied(seg, 14, 2, 'declared value'),
    trace: traceOf(seg),
  });
}

/**
 * Every purchase order number a transportation set names, each once, in the order of the segments: L11 and
 * N9 with the qualifier PO, OID02 and PRF01, wherever they stand.
 */
export function purchaseOrderNumbers(ctx: MapContext, segments: readonly SetSegment[]): string[] {
  const out = new Set<string>();
  for (const seg of segments) {
    let po: string | undefined;
    if (seg.tag === 'L11') po = ctx.text(seg, 2) === 'PO' ? ctx.text(seg, 1) : undefined;
    else if (seg.tag === 'N9') po = ctx.text(seg, 1) === 'PO' ? ctx.text(seg, 2) : undefined;
    else if (seg.tag === 'OID') po = ctx.text(seg, 2);
    else if (seg.tag === 'PRF') po = ctx.text(seg, 1);
    if (po !== undefined) out.add(po);
  }
  return [...out];
}
