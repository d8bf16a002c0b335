// X12 846 -> InventoryAdvice. The heading (BIA, CUR, DTM, REF, N1 loops) runs to the first LIN; one LIN loop
// per item; CTT counts them. Inside a LIN loop the QTY loops (QTY, its DTMs and SCHs) give the quantities:
// those before any N1 are the item's own, those after an N1 are that location's (the N1 loops of the item
// name warehouses or stores). SLN subline loops and the LS…LE loops inside a QTY loop are not read.
import type { SetSegment, TransactionSetSegments } from '../../x12/set-segments.ts';
import type { QualifiedDate, Reference } from '../common.ts';
import type {
  InventoryAdvice,
  InventoryAdviceTotals,
  InventoryItem,
  InventoryLocation,
  InventoryQuantity,
  InventorySchedule,
} from '../inventory-advice.ts';
import type { MapResult } from '../issues.ts';
import {
  compact,
  readDate,
  readDescription,
  readDestinationQuantities,
  readParties,
  readProductIds,
  readReference,
  splitTable,
} from './common-segments.ts';
import { MapContext, traceOf, type MapOptions } from './context.ts';

export function mapInventoryAdvice(
  set: TransactionSetSegments,
  options: MapOptions,
): MapResult<InventoryAdvice> {
  const ctx = new MapContext(set, options);
  const st = set.segments[0]!;
  const { heading, loops, summary } = splitTable(set, 'LIN', 'CTT');

  const bia = heading.find((s) => s.tag === 'BIA');
  if (!bia) ctx.missingSegment('BIA', 'inventory advice number or date', st);
  const reportNumber = bia && ctx.required(bia, 3, 'inventory advice number');
  const reportDate = bia && ctx.date(bia, 4, 'inventory advice date', true);
  const reportTime = bia && ctx.time(bia, 5, 'inventory advice time');

  const references: Reference[] = [];
  const dates: QualifiedDate[] = [];
  let currency: string | undefined;
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
      case 'CUR':
        currency ??= ctx.currency(seg, 2);
        break;
      default:
        break;
    }
  }
  if (loops.length === 0) ctx.missingSegment('LIN', 'item', bia ?? st);
  const items = loops.map((loop) => readItem(ctx, loop));

  const ctt = summary.find((s) => s.tag === 'CTT');
  const totals = compact<InventoryAdviceTotals>({
    lineCount: ctt && ctx.integer(ctt, 1, 'number of line items'),
    quantityTotal: ctt && ctx.decimal(ctt, 2, 'hash total'),
    trace: ctt && traceOf(ctt),
  });

  if (ctx.failed || !bia || reportNumber === undefined || reportDate === undefined)
    return { issues: ctx.issues };
  const advice = compact<InventoryAdvice>({
    type: 'inventory-advice',
    schemaVersion: 1,
    partnerId: options.partnerId,
    reportNumber,
    reportDate,
    reportTime,
    purposeCode: ctx.text(bia, 1),
    reportTypeCode: ctx.text(bia, 2),
    actionCode: ctx.text(bia, 6),
    currency,
    parties: readParties(ctx, heading),
    references,
    dates,
    items,
    totals,
    source: ctx.source(),
  });
  return { document: advice, issues: ctx.issues };
}

function readItem(ctx: MapContext, loop: SetSegment[]): InventoryItem {
  const lin = loop[0]!;
  let description: string | undefined;
  const prices: InventoryItem['prices'] = [];
  const quantities: InventoryQuantity[] = [];
  const destinations: InventoryItem['destinations'] = [];
  const references: Reference[] = [];
  const dates: QualifiedDate[] = [];
  const locations: { n1: SetSegment[]; quantities: InventoryQuantity[] }[] = [];
  // Where the segment stands: the item itself, a subline, a QTY loop, an LS…LE loop inside one, or the N1,
  // N2, N3, N4 of a location. The QTY loops after a location's N1 loop are that location's.
  let part: 'item' | 'subline' | 'quantity' | 'bounded' | 'location' = 'item';
  let location: { n1: SetSegment[]; quantities: InventoryQuantity[] } | undefined;
  let quantity: InventoryQuantity | undefined;
  for (const seg of loop.slice(1)) {
    if (part === 'bounded') {
      if (seg.tag === 'LE') part = 'quantity';
      continue;
    }
    switch (seg.tag) {
      case 'SLN':
        part = 'subline';
        quantity = undefined;
        break;
      case 'QTY':
        part = 'quantity';
        quantity = readQuantity(ctx, seg);
        if (quantity) (location?.quantities ?? quantities).push(quantity);
        break;
      case 'LS':
        if (part === 'quantity') part = 'bounded';
        break;
      case 'N1':
        part = 'location';
        quantity = undefined;
        location = { n1: [seg], quantities: [] };
        locations.push(location);
        break;
      case 'N2':
      case 'N3':
      case 'N4':
        if (part === 'location') location?.n1.push(seg);
        break;
      case 'SCH': {
        const schedule = part === 'quantity' ? readSchedule(ctx, seg) : undefined;
        if (schedule) quantity?.schedules.push(schedule);
        break;
      }
      case 'DTM': {
        if (part !== 'item' && part !== 'quantity') break;
        const date = readDate(ctx, seg);
        if (date && part === 'item') dates.push(date);
        else if (date) quantity?.dates.push(date);
        break;
      }
      case 'PID':
        if (part === 'item') description ??= readDescription(ctx, seg);
        break;
      case 'CTP': {
        const unitPrice = part === 'item' ? ctx.decimal(seg, 3, 'unit price') : undefined;
        if (unitPrice !== undefined)
          prices.push(compact({ code: ctx.text(seg, 2), unitPrice, trace: traceOf(seg) }));
        break;
      }
      case 'SDQ':
        if (part === 'item') {
          const unit = ctx.text(seg, 1);
          for (const d of readDestinationQuantities(ctx, seg)) destinations.push(compact({ unit, ...d }));
        }
        break;
      case 'REF':
        if (part === 'item') {
          const ref = readReference(ctx, seg);
          if (ref) references.push(ref);
        }
        break;
      default:
        break;
    }
  }
  // In the standard's order the N1 loops come after the QTY loops: one N1 then names where the item's
  // quantities are, and they move to it, so each quantity is in exactly one place.
  const [only] = locations;
  if (locations.length === 1 && only!.quantities.length === 0) only!.quantities.push(...quantities.splice(0));
  // LIN02/03 is the one product id the standard requires: an item nobody can name is no inventory.
  ctx.required(lin, 2, 'product id qualifier');
  ctx.required(lin, 3, 'product id');
  return compact<InventoryItem>({
    lineNumber: ctx.text(lin, 1),
    ...readProductIds(ctx, lin, 2),
    description,
    prices,
    quantities,
    destinations,
    locations: locations.map((l): InventoryLocation => ({
      party: readParties(ctx, l.n1)[0]!,
      quantities: l.quantities,
    })),
    references,
    dates,
    trace: traceOf(lin),
  });
}

/** QTY: the qualifier (01), the quantity (02) and the unit (first component of 03), all three needed. */
function readQuantity(ctx: MapContext, seg: SetSegment): InventoryQuantity | undefined {
  const qualifier = ctx.required(seg, 1, 'quantity qualifier');
  const quantity = ctx.decimal(seg, 2, `quantity ${qualifier ?? ''}`.trim(), true);
  const unit = ctx.components(seg, 3)[0]?.trim();
  if (qualifier === undefined || quantity === undefined) return undefined;
  return compact<InventoryQuantity>({
    qualifier,
    quantity,
    unit: unit === '' ? undefined : unit,
    schedules: [],
    dates: [],
    trace: traceOf(seg),
  });
}

/** SCH: quantity (01) and unit (02) required; the date (05/06, time 07) when sent. */
function readSchedule(ctx: MapContext, seg: SetSegment): InventorySchedule | undefined {
  const quantity = ctx.decimal(seg, 1, 'scheduled quantity', true);
  const unit = ctx.required(seg, 2, 'unit of measure');
  const dateQualifier = ctx.text(seg, 5);
  const date = ctx.date(seg, 6, `date ${dateQualifier ?? ''}`.trim());
  if (quantity === undefined || unit === undefined) return undefined;
  return compact<InventorySchedule>({
    quantity,
    unit,
    dateQualifier,
    date,
    time: ctx.time(seg, 7, `time ${dateQualifier ?? ''}`.trim()),
    trace: traceOf(seg),
  });
}
