// X12 940 -> WarehouseShippingOrder. The heading (W05, N1 loops, N9, G62, NTE, W66) runs to the first LX;
// each LX loop holds one or more W01 loops, one line each; W76 totals the order. The LS…LE loops inside a
// W01 (which carry LX segments of their own) are left out before the table is split.
import type { SetSegment, TransactionSetSegments } from '../../x12/set-segments.ts';
import type { Carrier, Measure, QualifiedDate, Reference } from '../common.ts';
import type { MapResult } from '../issues.ts';
import type { Note } from '../transport.ts';
import type {
  WarehouseShippingOrder,
  WarehouseShippingOrderLine,
  WarehouseShippingOrderTotals,
} from '../warehouse-shipping-order.ts';
import {
  compact,
  readG62Date,
  readMeasure,
  readParties,
  readProductIds,
  readReference,
  splitTable,
  withoutBoundedLoops,
} from './common-segments.ts';
import { MapContext, traceOf, type MapOptions } from './context.ts';
import { readNote } from './transport-segments.ts';
import { readWarehouseHeading } from './warehouse-segments.ts';

/** W0104/05, W0106/07 and W0115/16: the product id pairs between W01's other elements. */
const W01_ID_PAIRS = [4, 6, 15];

export function mapWarehouseShippingOrder(
  set: TransactionSetSegments,
  options: MapOptions,
): MapResult<WarehouseShippingOrder> {
  const ctx = new MapContext(set, options);
  const st = set.segments[0]!;
  const { heading, loops, summary } = splitTable(withoutBoundedLoops(set), 'LX', 'W76');

  const w05 = heading.find((s) => s.tag === 'W05');
  if (!w05) ctx.missingSegment('W05', 'depositor order number', st);
  const depositorOrderNumber = w05 && ctx.required(w05, 2, 'depositor order number');

  const { references, dates, notes, carrier: w66 } = readWarehouseHeading(ctx, heading, 'W66');

  const lines = loops.flatMap((loop) => readLxLoop(ctx, loop));
  if (!loops.some((loop) => loop.some((s) => s.tag === 'W01')))
    ctx.missingSegment('W01', 'order line', w05 ?? st);

  const w76 = summary.find((s) => s.tag === 'W76');
  const totals = compact<WarehouseShippingOrderTotals>({
    quantityOrdered: w76 && ctx.decimal(w76, 1, 'total quantity ordered'),
    weight: w76 && readMeasure(ctx, w76, 2, 3, 'total weight'),
    volume: w76 && readMeasure(ctx, w76, 4, 5, 'total volume'),
    trace: w76 && traceOf(w76),
  });

  if (ctx.failed || !w05 || depositorOrderNumber === undefined) return { issues: ctx.issues };
  const poNumbers: string[] = [];
  const addPo = (po: string | undefined) => {
    if (po !== undefined && !poNumbers.includes(po)) poNumbers.push(po);
  };
  addPo(ctx.text(w05, 3));
  for (const ref of [...references, ...lines.flatMap((l) => l.references)])
    if (ref.qualifier === 'PO') addPo(ref.value);

  const order = compact<WarehouseShippingOrder>({
    type: 'warehouse-shipping-order',
    schemaVersion: 1,
    partnerId: options.partnerId,
    depositorOrderNumber,
    poNumbers,
    orderStatusCode: ctx.text(w05, 1),
    transactionTypeCode: ctx.text(w05, 6),
    billOfLading: references.find((r) => r.qualifier === 'BM')?.value,
    requestedShipDate: dates.find((d) => d.qualifier === '10')?.date,
    requestedDeliveryDate: dates.find((d) => d.qualifier === '02')?.date,
    carrier:
      w66 &&
      compact<Carrier>({
        scac: ctx.text(w66, 10),
        name: ctx.text(w66, 5),
        transportMethod: ctx.text(w66, 2),
        trace: traceOf(w66),
      }),
    paymentMethod: w66 && ctx.text(w66, 1),
    parties: readParties(ctx, heading),
    references,
    dates,
    notes,
    lines,
    totals,
    source: ctx.source(),
  });
  return { document: order, issues: ctx.issues };
}

/** An LX loop: the G62 and N9 before its first W01 belong to every line of the loop. */
function readLxLoop(ctx: MapContext, loop: SetSegment[]): WarehouseShippingOrderLine[] {
  const lineNumber = ctx.text(loop[0]!, 1);
  const shared: { dates: QualifiedDate[]; references: Reference[] } = { dates: [], references: [] };
  const w01Loops: SetSegment[][] = [];
  for (const seg of loop.slice(1)) {
    if (seg.tag === 'W01') w01Loops.push([seg]);
    else if (w01Loops.length > 0) w01Loops[w01Loops.length - 1]!.push(seg);
    else if (seg.tag === 'G62') {
      const date = readG62Date(ctx, seg);
      if (date) shared.dates.push(date);
    } else if (seg.tag === 'N9') {
      const ref = readReference(ctx, seg);
      if (ref) shared.references.push(ref);
    }
  }
  return w01Loops.map((w01Loop) => readLine(ctx, w01Loop, lineNumber, shared)).filter((l) => l !== undefined);
}

function readLine(
  ctx: MapContext,
  loop: SetSegment[],
  lineNumber: string | undefined,
  shared: { dates: QualifiedDate[]; references: Reference[] },
): WarehouseShippingOrderLine | undefined {
  const w01 = loop[0]!;
  const quantity = ctx.decimal(w01, 1, 'quantity ordered', true);
  const unit = ctx.required(w01, 2, 'unit of measure');
  let description: string | undefined;
  const references: Reference[] = [...shared.references];
  const dates: QualifiedDate[] = [...shared.dates];
  const notes: Note[] = [];
  const packed: {
    packSize?: string;
    grossWeight?: Measure;
    netWeight?: Measure;
    unitWeight?: Measure;
    volume?: Measure;
  } = {};
  for (const seg of loop.slice(1)) {
    switch (seg.tag) {
      case 'G69':
        description ??= ctx.text(seg, 1);
        break;
      case 'N9': {
        const ref = readReference(ctx, seg);
        if (ref) references.push(ref);
        break;
      }
      case 'G62': {
        const date = readG62Date(ctx, seg);
        if (date) dates.push(date);
        break;
      }
      case 'NTE': {
        const note = readNote(ctx, seg);
        if (note) notes.push(note);
        break;
      }
      case 'W20':
        readW20(ctx, seg, packed);
        break;
      default:
        break;
    }
  }
  if (quantity === undefined || unit === undefined) return undefined;
  return compact<WarehouseShippingOrderLine>({
    lineNumber,
    ...readProductIds(ctx, w01, W01_ID_PAIRS),
    quantityOrdered: quantity,
    unit,
    upcCaseCode: ctx.text(w01, 3),
    lotNumber: ctx.text(w01, 13),
    description,
    packSize: packed.packSize,
    grossWeight: packed.grossWeight,
    netWeight: packed.netWeight,
    unitWeight: packed.unitWeight,
    volume: packed.volume,
    references,
    dates,
    notes,
    trace: traceOf(w01),
  });
}

/** W20: the pack (01), the weight (04, gross unless 05 is N, unit 06), the unit weight (07) and volume (08/09). */
function readW20(
  ctx: MapContext,
  seg: SetSegment,
  into: {
    packSize?: string;
    grossWeight?: Measure;
    netWeight?: Measure;
    unitWeight?: Measure;
    volume?: Measure;
  },
): void {
  into.packSize ??= ctx.decimal(seg, 1, 'pack');
  const weight = readMeasure(ctx, seg, 4, 6, 'weight');
  if (weight && ctx.text(seg, 5) === 'N') into.netWeight ??= weight;
  else if (weight) into.grossWeight ??= weight;
  into.unitWeight ??= readMeasure(ctx, seg, 7, 6, 'unit weight');
  into.volume ??= readMeasure(ctx, seg, 8, 9, 'volume');
}
