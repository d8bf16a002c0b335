// X12 855 -> PurchaseOrderAck. Like the 850: the heading (BAK to the first PO1), one PO1 loop per line, and
// the summary from CTT on. In a PO1 loop the ACK loops (ACK and its DTMs) say what became of the line; the
// SCH, N9, N1 and SLN loops that may follow them are not read (a subline's ACK is not the line's).
import type { SetSegment, TransactionSetSegments } from '../../x12/set-segments.ts';
import type { Carrier, QualifiedDate, Reference } from '../common.ts';
import { multiplyDecimals } from '../decimal.ts';
import type { MapResult } from '../issues.ts';
import type {
  LineAck,
  LineAckStatus,
  PurchaseOrderAck,
  PurchaseOrderAckLine,
  PurchaseOrderAckTotals,
} from '../purchase-order-ack.ts';
import {
  compact,
  readCarrier,
  readDate,
  readDescription,
  readParties,
  readProductIds,
  readReference,
  splitTable,
} from './common-segments.ts';
import { MapContext, traceOf, type MapOptions } from './context.ts';

/** ACK01 line item status codes, by what they mean for the line (see LineAckStatus). */
const STATUSES: Record<string, LineAckStatus> = {
  IA: 'accepted',
  AC: 'accepted',
  AR: 'accepted',
  AA: 'accepted',
  IE: 'accepted',
  SP: 'accepted',
  IC: 'changed',
  IS: 'changed',
  IQ: 'quantity-changed',
  IP: 'price-changed',
  DR: 'date-changed',
  IB: 'backordered',
  BP: 'backordered',
  IR: 'rejected',
  ID: 'rejected',
  R1: 'rejected',
  R2: 'rejected',
  R3: 'rejected',
  R4: 'rejected',
  R5: 'rejected',
  R6: 'rejected',
  R7: 'rejected',
  R8: 'rejected',
  IH: 'on-hold',
  IF: 'on-hold',
  IW: 'on-hold',
};

/** ACK07/08 … ACK25/26; ACK27–29 (agency, source, industry code) are not pairs. */
const ACK_ID_PAIRS = [7, 9, 11, 13, 15, 17, 19, 21, 23, 25];

/** Loops of a PO1 loop that come after the ACK loops and are not read. */
const LATER_LOOPS = new Set(['SCH', 'N9', 'N1', 'SLN']);

export function mapPurchaseOrderAck(
  set: TransactionSetSegments,
  options: MapOptions,
): MapResult<PurchaseOrderAck> {
  const ctx = new MapContext(set, options);
  const st = set.segments[0]!;
  const { heading, loops, summary } = splitTable(set, 'PO1', 'CTT');

  const bak = heading.find((s) => s.tag === 'BAK');
  if (!bak) ctx.missingSegment('BAK', 'purchase order number, date or acknowledgment type', st);
  const acknowledgmentTypeCode = bak && ctx.required(bak, 2, 'acknowledgment type');
  const poNumber = bak && ctx.required(bak, 3, 'purchase order number');
  const poDate = bak && ctx.date(bak, 4, 'purchase order date', true);
  const acknowledgmentDate = bak && ctx.date(bak, 9, 'acknowledgment date');

  const references: Reference[] = [];
  const dates: QualifiedDate[] = [];
  let currency: string | undefined;
  let carrier: Carrier | undefined;
  for (const seg of heading) {
    switch (seg.tag) {
      case 'REF':
      case 'N9': {
        const ref = readReference(ctx, seg);
        if (ref) references.push(ref);
        break;
      }
      case 'DTM': {
        const date = readDate(ctx, seg);
        if (date) dates.push(date);
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
      default:
        break;
    }
  }
  // An 855 may acknowledge a whole order without detail (BAK02 AK, RJ): no PO1 is then no issue.
  const lines = loops.map((loop) => readLine(ctx, loop)).filter((l) => l !== undefined);

  const ctt = summary.find((s) => s.tag === 'CTT');
  const totals = compact<PurchaseOrderAckTotals>({
    lineCount: ctt && ctx.integer(ctt, 1, 'number of line items'),
    quantityTotal: ctt && ctx.decimal(ctt, 2, 'hash total'),
    trace: ctt && traceOf(ctt),
  });

  if (
    ctx.failed ||
    !bak ||
    poNumber === undefined ||
    poDate === undefined ||
    acknowledgmentTypeCode === undefined
  )
    return { issues: ctx.issues };
  const ack = compact<PurchaseOrderAck>({
    type: 'purchase-order-ack',
    schemaVersion: 1,
    partnerId: options.partnerId,
    poNumber,
    poNumbers: [poNumber],
    poDate,
    purposeCode: ctx.text(bak, 1),
    acknowledgmentTypeCode,
    releaseNumber: ctx.text(bak, 5),
    sellerOrderNumber: ctx.text(bak, 8),
    acknowledgmentDate,
    currency,
    carrier,
    parties: readParties(ctx, heading),
    references,
    dates,
    lines,
    totals,
    source: ctx.source(),
  });
  return { document: ack, issues: ctx.issues };
}

function readLine(ctx: MapContext, loop: SetSegment[]): PurchaseOrderAckLine | undefined {
  const po1 = loop[0]!;
  const quantity = ctx.decimal(po1, 2, 'quantity ordered', true);
  const unit = ctx.required(po1, 3, 'unit of measure');
  const unitPrice = ctx.decimal(po1, 4, 'unit price');
  let description: string | undefined;
  const acknowledgments: LineAck[] = [];
  const references: Reference[] = [];
  const dates: QualifiedDate[] = [];
  // 'line' until the first ACK; 'ack' inside an ACK loop; 'later' once a loop that is not read has begun.
  let part: 'line' | 'ack' | 'later' = 'line';
  for (const seg of loop.slice(1)) {
    if (LATER_LOOPS.has(seg.tag)) part = 'later';
    if (part === 'later') continue;
    switch (seg.tag) {
      case 'ACK': {
        part = 'ack';
        const a = readAck(ctx, seg);
        if (a) acknowledgments.push(a);
        break;
      }
      case 'DTM': {
        const date = readDate(ctx, seg);
        if (!date) break;
        if (part === 'line') dates.push(date);
        else acknowledgments[acknowledgments.length - 1]?.dates.push(date);
        break;
      }
      case 'PID':
        description ??= readDescription(ctx, seg);
        break;
      case 'REF': {
        const ref = readReference(ctx, seg);
        if (ref) references.push(ref);
        break;
      }
      default:
        break;
    }
  }
  if (quantity === undefined || unit === undefined) return undefined;
  return compact<PurchaseOrderAckLine>({
    lineNumber: ctx.text(po1, 1),
    ...readProductIds(ctx, po1, 6),
    quantityOrdered: quantity,
    unit,
    unitPrice,
    priceBasis: ctx.text(po1, 5),
    lineAmount: unitPrice === undefined ? undefined : multiplyDecimals(quantity, unitPrice),
    description,
    acknowledgments,
    references,
    dates,
    trace: traceOf(po1),
  });
}

function readAck(ctx: MapContext, seg: SetSegment): LineAck | undefined {
  const statusCode = ctx.required(seg, 1, 'line item status');
  const quantity = ctx.decimal(seg, 2, 'acknowledged quantity');
  const dateQualifier = ctx.text(seg, 4);
  const date = ctx.date(seg, 5, `date ${dateQualifier ?? ''}`.trim());
  if (statusCode === undefined) return undefined;
  return compact<LineAck>({
    status: STATUSES[statusCode] ?? 'other',
    statusCode,
    quantity,
    unit: ctx.text(seg, 3),
    dateQualifier,
    date,
    ids: readProductIds(ctx, seg, ACK_ID_PAIRS).ids,
    dates: [],
    trace: traceOf(seg),
  });
}
