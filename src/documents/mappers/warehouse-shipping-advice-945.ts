// X12 945 -> WarehouseShippingAdvice. The heading (W06, N1 loops, N9, G62, NTE, W27) runs to the first LX;
// each LX loop (MAN and N9 for its cartons, then one or more W12 loops) gives one line per W12; W03 totals
// the shipment. The LS…LE loops inside a W12 are left out before the table is split, as for the 940.
import type { SetSegment, TransactionSetSegments } from '../../x12/set-segments.ts';
import type { Carrier, Measure, QualifiedDate, Reference } from '../common.ts';
import type { MapResult } from '../issues.ts';
import type {
  WarehouseShippingAdvice,
  WarehouseShippingAdviceLine,
  WarehouseShippingAdviceTotals,
} from '../warehouse-shipping-advice.ts';
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
import { readWarehouseHeading } from './warehouse-segments.ts';

/** W1207/08, W1217/18 and W1221/22: the product id pairs between W12's other elements. */
const W12_ID_PAIRS = [7, 17, 21];

export function mapWarehouseShippingAdvice(
  set: TransactionSetSegments,
  options: MapOptions,
): MapResult<WarehouseShippingAdvice> {
  const ctx = new MapContext(set, options);
  const st = set.segments[0]!;
  const { heading, loops, summary } = splitTable(withoutBoundedLoops(set), 'LX', 'W03');

  const w06 = heading.find((s) => s.tag === 'W06');
  if (!w06) ctx.missingSegment('W06', 'depositor order number', st);
  const depositorOrderNumber = w06 && ctx.required(w06, 2, 'depositor order number');
  const shipDate = w06 && ctx.date(w06, 3, 'shipment date');

  const { references, dates, notes, carrier: w27 } = readWarehouseHeading(ctx, heading, 'W27');

  const lines = loops.flatMap((loop) => readLxLoop(ctx, loop));
  if (!loops.some((loop) => loop.some((s) => s.tag === 'W12')))
    ctx.missingSegment('W12', 'shipped line', w06 ?? st);

  const w03 = summary.find((s) => s.tag === 'W03');
  const totals = compact<WarehouseShippingAdviceTotals>({
    unitsShipped: w03 && ctx.decimal(w03, 1, 'total units shipped'),
    weight: w03 && readMeasure(ctx, w03, 2, 3, 'total weight'),
    volume: w03 && readMeasure(ctx, w03, 4, 5, 'total volume'),
    ladingQuantity: w03 && readMeasure(ctx, w03, 6, 7, 'lading quantity'),
    trace: w03 && traceOf(w03),
  });

  if (ctx.failed || !w06 || depositorOrderNumber === undefined) return { issues: ctx.issues };
  const poNumbers: string[] = [];
  const addPo = (po: string | undefined) => {
    if (po !== undefined && !poNumbers.includes(po)) poNumbers.push(po);
  };
  addPo(ctx.text(w06, 6));
  for (const ref of [...references, ...lines.flatMap((l) => l.references)])
    if (ref.qualifier === 'PO') addPo(ref.value);

  const advice = compact<WarehouseShippingAdvice>({
    type: 'warehouse-shipping-advice',
    schemaVersion: 1,
    partnerId: options.partnerId,
    depositorOrderNumber,
    shipmentId: ctx.text(w06, 4),
    agentShipmentId: ctx.text(w06, 5),
    shipDate,
    poNumbers,
    reportingCode: ctx.text(w06, 1),
    billOfLading: references.find((r) => r.qualifier === 'BM')?.value,
    proNumber: references.find((r) => r.qualifier === 'CN')?.value,
    carrier:
      w27 &&
      compact<Carrier>({
        scac: ctx.text(w27, 2),
        name: ctx.text(w27, 3),
        transportMethod: ctx.text(w27, 1),
        trace: traceOf(w27),
      }),
    paymentMethod: w27 && ctx.text(w27, 4),
    equipmentNumber: w27 && ctx.text(w27, 7),
    parties: readParties(ctx, heading),
    references,
    dates,
    notes,
    lines,
    totals,
    source: ctx.source(),
  });
  return { document: advice, issues: ctx.issues };
}

interface LxShared {
  marks: { qualifier: string; value: string }[];
  references: Reference[];
}

/** An LX loop: its MAN and N9 (before the first W12) belong to every line of the loop. */
function readLxLoop(ctx: MapContext, loop: SetSegment[]): WarehouseShippingAdviceLine[] {
  const lineNumber = ctx.text(loop[0]!, 1);
  const shared: LxShared = { marks: [], references: [] };
  const w12Loops: SetSegment[][] = [];
  for (const seg of loop.slice(1)) {
    if (seg.tag === 'W12') w12Loops.push([seg]);
    else if (w12Loops.length > 0) w12Loops[w12Loops.length - 1]!.push(seg);
    else if (seg.tag === 'MAN') {
      for (const [q, v] of [
        [1, 2],
        [4, 5],
      ] as const) {
        const qualifier = ctx.text(seg, q);
        const value = ctx.text(seg, v);
        if (qualifier !== undefined && value !== undefined) shared.marks.push({ qualifier, value });
      }
    } else if (seg.tag === 'N9') {
      const ref = readReference(ctx, seg);
      if (ref) shared.references.push(ref);
    }
  }
  return w12Loops.map((w12Loop) => readLine(ctx, w12Loop, lineNumber, shared)).filter((l) => l !== undefined);
}

function readLine(
  ctx: MapContext,
  loop: SetSegment[],
  lineNumber: string | undefined,
  shared: LxShared,
): WarehouseShippingAdviceLine | undefined {
  const w12 = loop[0]!;
  const quantityOrdered = ctx.decimal(w12, 2, 'quantity ordered');
  const quantityShipped = ctx.decimal(w12, 3, 'units shipped', true);
  const quantityDifference = ctx.decimal(w12, 4, 'quantity difference');
  const unit = ctx.required(w12, 5, 'unit of measure');
  const weights: { grossWeight?: Measure; netWeight?: Measure } = {};
  for (const [valueAt, qualifierAt, unitAt] of [
    [10, 11, 12],
    [13, 14, 15],
  ] as const) {
    const weight = readMeasure(ctx, w12, valueAt, unitAt, 'weight');
    if (weight && ctx.text(w12, qualifierAt) === 'N') weights.netWeight ??= weight;
    else if (weight) weights.grossWeight ??= weight;
  }
  let description: string | undefined;
  const references: Reference[] = [...shared.references];
  const dates: QualifiedDate[] = [];
  // N1 loops and W27 of a W12 loop end what is read of it: a G62 or N9 after them is not the line's.
  let done = false;
  for (const seg of loop.slice(1)) {
    if (seg.tag === 'N1' || seg.tag === 'W27') done = true;
    if (done) continue;
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
      default:
        break;
    }
  }
  if (quantityShipped === undefined || unit === undefined) return undefined;
  return compact<WarehouseShippingAdviceLine>({
    lineNumber,
    ...readProductIds(ctx, w12, W12_ID_PAIRS),
    statusCode: ctx.text(w12, 1),
    quantityOrdered,
    quantityShipped,
    quantityDifference,
    unit,
    upcCaseCode: ctx.text(w12, 6),
    lotNumber: ctx.text(w12, 9),
    grossWeight: weights.grossWeight,
    netWeight: weights.netWeight,
    description,
    marks: [...shared.marks],
    references,
    dates,
    trace: traceOf(w12),
  });
}
