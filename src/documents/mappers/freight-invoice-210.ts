// X12 210 -> FreightInvoice. The heading (B3 to the first LX) names the invoice, the shipment and the
// parties; each LX loop is one billed item: what was carried (L5), how much (L0) and what it costs (L1); L3
// closes the set with the totals. Charges are N2 elements (implied two decimals: L104 "163625" is 1636.25),
// rates and weights R elements (as sent). The heading's S5 loops (stop-off details) are not mapped.
import type { SetSegment, TransactionSetSegments } from '../../x12/set-segments.ts';
import type { Reference } from '../common.ts';
import type {
  FreightCharge,
  FreightInvoice,
  FreightInvoiceLine,
  LadingQuantity,
} from '../freight-invoice.ts';
import type { MapResult } from '../issues.ts';
import type { LadingDescription, TransportDate } from '../transport.ts';
import { compact, readMeasure, readParties, splitTable } from './common-segments.ts';
import { MapContext, traceOf, type MapOptions } from './context.ts';
import {
  purchaseOrderNumbers,
  readFreightTotals,
  readLading,
  readTransportDate,
  readTransportReference,
} from './transport-segments.ts';

export function mapFreightInvoice(
  set: TransactionSetSegments,
  options: MapOptions,
): MapResult<FreightInvoice> {
  const ctx = new MapContext(set, options);
  const st = set.segments[0]!;
  const { heading: all, loops, summary } = splitTable(set, 'LX', 'L3');
  const firstStop = all.findIndex((s) => s.tag === 'S5');
  const heading = firstStop < 0 ? all : all.slice(0, firstStop);

  const b3 = heading.find((s) => s.tag === 'B3');
  if (!b3) ctx.missingSegment('B3', 'invoice number, date or amount', st);
  const invoiceNumber = b3 && ctx.required(b3, 2, 'invoice number');
  const billingDate = b3 && ctx.date(b3, 6, 'billing date', true);
  const netAmountDue = b3 && ctx.implied(b3, 7, 2, 'net amount due', true);
  const scac = b3 && ctx.required(b3, 11, 'standard carrier alpha code');
  const deliveryDate = b3 && ctx.date(b3, 9, 'delivery date');

  const references: Reference[] = [];
  const dates: TransportDate[] = [];
  let currency: string | undefined;
  for (const seg of heading) {
    if (seg.tag === 'N9' || seg.tag === 'L11') {
      const ref = readTransportReference(ctx, seg);
      if (ref) references.push(ref);
    } else if (seg.tag === 'G62') {
      const date = readTransportDate(ctx, seg);
      if (date) dates.push(date);
    } else if (seg.tag === 'C3') {
      currency ??= ctx.currency(seg, 1);
    }
  }
  const lines = loops.map((loop) => readLine(ctx, loop));
  const l3 = summary.find((s) => s.tag === 'L3');
  const totals = l3 && readFreightTotals(ctx, l3);

  if (
    ctx.failed ||
    !b3 ||
    invoiceNumber === undefined ||
    billingDate === undefined ||
    netAmountDue === undefined ||
    scac === undefined
  ) {
    return { issues: ctx.issues };
  }
  const invoice = compact<FreightInvoice>({
    type: 'freight-invoice',
    schemaVersion: 1,
    partnerId: options.partnerId,
    invoiceNumber,
    shipmentId: ctx.text(b3, 3),
    scac,
    shipmentQualifier: ctx.text(b3, 1),
    paymentMethod: ctx.text(b3, 4),
    weightUnit: ctx.text(b3, 5),
    billingDate,
    netAmountDue,
    correctionIndicator: ctx.text(b3, 8),
    deliveryDate,
    deliveryDateQualifier: ctx.text(b3, 10),
    currency,
    billOfLading: references.find((r) => r.qualifier === 'BM')?.value,
    poNumbers: purchaseOrderNumbers(ctx, set.segments),
    references,
    dates,
    parties: readParties(ctx, heading),
    lines,
    totals,
    source: ctx.source(),
  });
  return { document: invoice, issues: ctx.issues };
}

function readLine(ctx: MapContext, loop: SetSegment[]): FreightInvoiceLine {
  const lx = loop[0]!;
  const descriptions: LadingDescription[] = [];
  const quantities: LadingQuantity[] = [];
  const charges: FreightCharge[] = [];
  const references: Reference[] = [];
  for (const seg of loop.slice(1)) {
    // An N1 loop inside the LX (with its CD3 details) is another party's; its N9/L11 are not the line's.
    if (seg.tag === 'N1') break;
    if (seg.tag === 'L5') descriptions.push(readLading(ctx, seg));
    else if (seg.tag === 'L0') quantities.push(readQuantity(ctx, seg));
    else if (seg.tag === 'L1') charges.push(readCharge(ctx, seg));
    else if (seg.tag === 'N9' || seg.tag === 'L11') {
      const ref = readTransportReference(ctx, seg);
      if (ref) references.push(ref);
    }
  }
  return compact<FreightInvoiceLine>({
    assignedNumber: ctx.integer(lx, 1, 'assigned number'),
    descriptions,
    quantities,
    charges,
    references,
    trace: traceOf(lx),
  });
}

function readQuantity(ctx: MapContext, l0: SetSegment): LadingQuantity {
  return compact<LadingQuantity>({
    lineNumber: ctx.integer(l0, 1, 'lading line item number'),
    billedQuantity: readMeasure(ctx, l0, 2, 3, 'billed or rated-as quantity'),
    weight: ctx.decimal(l0, 4, 'weight'),
    weightQualifier: ctx.text(l0, 5),
    weightUnit: ctx.text(l0, 11),
    volume: readMeasure(ctx, l0, 6, 7, 'volume'),
    ladingQuantity: ctx.integer(l0, 8, 'lading quantity'),
    packagingCode: ctx.text(l0, 9),
    trace: traceOf(l0),
  });
}

function readCharge(ctx: MapContext, l1: SetSegment): FreightCharge {
  return compact<FreightCharge>({
    lineNumber: ctx.integer(l1, 1, 'lading line item number'),
    freightRate: ctx.decimal(l1, 2, 'freight rate'),
    rateQualifier: ctx.text(l1, 3),
    charge: ctx.implied(l1, 4, 2, 'charge'),
    advances: ctx.implied(l1, 5, 2, 'advances'),
    prepaidAmount: ctx.implied(l1, 6, 2, 'prepaid amount'),
    specialChargeCode: ctx.text(l1, 8),
    description: ctx.text(l1, 12),
    declaredValue: ctx.implied(l1, 14, 2, 'declared value'),
    billedQuantity: readMeasure(ctx, l1, 17, 18, 'billed or rated-as quantity'),
    percent: ctx.decimal(l1, 19, 'percent'),
    currency: ctx.currency(l1, 20),
    amount: ctx.implied(l1, 21, 2, 'amount'),
    trace: traceOf(l1),
  });
}
