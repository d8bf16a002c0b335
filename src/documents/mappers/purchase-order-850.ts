// X12 850 -> PurchaseOrder. Like the 810: the heading (BEG to the first PO1), one PO1 loop per line, and the
// summary from CTT on; SAC, DTM and N1 in a PO1 loop belong to that line.
import type { SetSegment, TransactionSetSegments } from '../../x12/set-segments.ts';
import type { Carrier, ChargeAllowance, PaymentTerms, QualifiedDate, Reference, Tax } from '../common.ts';
import { multiplyDecimals } from '../decimal.ts';
import type { MapResult } from '../issues.ts';
import type { PurchaseOrder, PurchaseOrderLine, PurchaseOrderTotals } from '../purchase-order.ts';
import {
  compact,
  readCarrier,
  readChargeAllowance,
  splitTable,
  readDate,
  readDescription,
  readParties,
  readProductIds,
  readReference,
  readTax,
  readTerms,
} from './common-segments.ts';
import { MapContext, traceOf, type MapOptions } from './context.ts';

export function mapPurchaseOrder(set: TransactionSetSegments, options: MapOptions): MapResult<PurchaseOrder> {
  const ctx = new MapContext(set, options);
  const st = set.segments[0]!;
  const { heading, loops, summary } = splitTable(set, 'PO1', 'CTT');

  const beg = heading.find((s) => s.tag === 'BEG');
  if (!beg) ctx.missingSegment('BEG', 'purchase order number or date', st);
  const poNumber = beg && ctx.required(beg, 3, 'purchase order number');
  const poDate = beg && ctx.date(beg, 5, 'purchase order date', true);

  const references: Reference[] = [];
  const dates: QualifiedDate[] = [];
  const terms: PaymentTerms[] = [];
  const charges: ChargeAllowance[] = [];
  const taxes: Tax[] = [];
  let currency: string | undefined;
  let carrier: Carrier | undefined;
  let paymentMethod: string | undefined;
  for (const seg of heading) {
    switch (seg.tag) {
      case 'REF': {
        const ref = readReference(ctx, seg);
        if (ref) references.push(ref);
        break;
      }
      case 'DTM': {
        const date = readDate(ctx, seg);
        if (date) dates.push(date);
        break;
      }
      case 'ITD':
        terms.push(readTerms(ctx, seg));
        break;
      case 'SAC': {
        const c = readChargeAllowance(ctx, seg);
        if (c) charges.push(c);
        break;
      }
      case 'TXI': {
        const t = readTax(ctx, seg);
        if (t) taxes.push(t);
        break;
      }
      case 'CUR':
        currency ??= ctx.currency(seg, 2);
        break;
      case 'TD5': {
        const c = readCarrier(ctx, seg);
        if ((c.scac ?? c.name) !== undefined) carrier ??= c;
        break;
      }
      case 'FOB':
        paymentMethod ??= ctx.text(seg, 1);
        break;
      default:
        break;
    }
  }
  if (loops.length === 0) ctx.missingSegment('PO1', 'order line', beg ?? st);
  const lines = loops.map((loop) => readLine(ctx, loop)).filter((l) => l !== undefined);

  const ctt = summary.find((s) => s.tag === 'CTT');
  const amt = summary.find((s) => s.tag === 'AMT' && ctx.text(s, 1) === 'TT');
  const totals = compact<PurchaseOrderTotals>({
    lineCount: ctt && ctx.integer(ctt, 1, 'number of line items'),
    quantityTotal: ctt && ctx.decimal(ctt, 2, 'hash total'),
    totalAmount: amt && ctx.decimal(amt, 2, 'total amount'),
    trace: ctt && traceOf(ctt),
  });

  if (ctx.failed || !beg || poNumber === undefined || poDate === undefined) return { issues: ctx.issues };
  const order = compact<PurchaseOrder>({
    type: 'purchase-order',
    schemaVersion: 1,
    partnerId: options.partnerId,
    poNumber,
    poDate,
    purposeCode: ctx.text(beg, 1),
    orderTypeCode: ctx.text(beg, 2),
    releaseNumber: ctx.text(beg, 4),
    currency,
    requestedDeliveryDate: dates.find((d) => d.qualifier === '002')?.date,
    requestedShipDate: dates.find((d) => d.qualifier === '010')?.date,
    carrier,
    paymentMethod,
    parties: readParties(ctx, heading),
    references,
    dates,
    terms,
    charges,
    taxes,
    lines,
    totals,
    source: ctx.source(),
  });
  return { document: order, issues: ctx.issues };
}

function readLine(ctx: MapContext, loop: SetSegment[]): PurchaseOrderLine | undefined {
  const po1 = loop[0]!;
  const quantity = ctx.decimal(po1, 2, 'quantity ordered', true);
  const unit = ctx.required(po1, 3, 'unit of measure');
  const unitPrice = ctx.decimal(po1, 4, 'unit price');
  let description: string | undefined;
  let packSize: string | undefined;
  let innerPack: string | undefined;
  const destinations: PurchaseOrderLine['destinations'] = [];
  const dates: QualifiedDate[] = [];
  const charges: ChargeAllowance[] = [];
  for (const seg of loop.slice(1)) {
    switch (seg.tag) {
      case 'PID':
        description ??= readDescription(ctx, seg);
        break;
      case 'PO4':
        packSize ??= ctx.decimal(seg, 1, 'units per pack');
        innerPack ??= ctx.decimal(seg, 14, 'inner pack');
        break;
      case 'SDQ':
        destinations.push(...readDestinations(ctx, seg));
        break;
      case 'DTM': {
        const date = readDate(ctx, seg);
        if (date) dates.push(date);
        break;
      }
      case 'SAC': {
        const c = readChargeAllowance(ctx, seg);
        if (c) charges.push(c);
        break;
      }
      default:
        break;
    }
  }
  if (quantity === undefined || unit === undefined) return undefined;
  return compact<PurchaseOrderLine>({
    lineNumber: ctx.text(po1, 1),
    ...readProductIds(ctx, po1, 6),
    quantityOrdered: quantity,
    unit,
    unitPrice,
    priceBasis: ctx.text(po1, 5),
    lineAmount: unitPrice === undefined ? undefined : multiplyDecimals(quantity, unitPrice),
    description,
    packSize,
    innerPack,
    destinations,
    dates,
    charges,
    trace: traceOf(po1),
  });
}

/** SDQ: after the unit (01) and the location qualifier (02), up to ten location/quantity pairs (03/04…21/22). */
function readDestinations(ctx: MapContext, seg: SetSegment): PurchaseOrderLine['destinations'] {
  const out: PurchaseOrderLine['destinations'] = [];
  const locationQualifier = ctx.text(seg, 2);
  for (let n = 3; n <= 21; n += 2) {
    const location = ctx.text(seg, n);
    const quantity = ctx.decimal(seg, n + 1, `quantity for location ${location ?? ''}`.trim());
    if (location === undefined || quantity === undefined) continue;
    out.push(compact({ locationQualifier, location, quantity }));
  }
  return out;
}
