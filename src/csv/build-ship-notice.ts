// The rows of one shipment -> AdvanceShipNotice. Each row is an item; rows with the same purchase order make
// one order, and within it rows with the same SSCC one carton. Shipment fields come from the first row.
import type {
  AdvanceShipNotice,
  Shipment,
  ShipmentItem,
  ShipmentOrder,
  ShipmentPack,
} from '../documents/advance-ship-notice.ts';
import type { Measure, QualifiedDate, Reference } from '../documents/common.ts';
import { defined, partiesOf, productIdsOf, text, type BuildContext, type CsvRow } from './build.ts';

export function buildShipNotice(ctx: BuildContext, rows: CsvRow[]): AdvanceShipNotice {
  const first = rows[0]!;
  const d = first.document;
  const line = first.line;

  const references: Reference[] = [];
  const billOfLading = text(d.billOfLading);
  const proNumber = text(d.proNumber);
  // Kept as the X12 mapper keeps them, so that a reader of references finds them whatever the source.
  if (billOfLading !== undefined) references.push({ qualifier: 'BM', value: billOfLading, trace: { line } });
  if (proNumber !== undefined) references.push({ qualifier: 'CN', value: proNumber, trace: { line } });
  const dates: QualifiedDate[] = [];
  const shipDate = text(d.shipDate);
  const estimatedDeliveryDate = text(d.estimatedDeliveryDate);
  if (shipDate !== undefined) dates.push({ qualifier: '011', date: shipDate, trace: { line } });
  if (estimatedDeliveryDate !== undefined) {
    dates.push({ qualifier: '017', date: estimatedDeliveryDate, trace: { line } });
  }
  const weightUnit = text(d.weightUnit);
  const measure = (value: string | undefined): Measure | undefined =>
    value !== undefined && weightUnit !== undefined ? { value, unit: weightUnit } : undefined;
  const carrier = defined({
    scac: text(d.carrierScac),
    name: text(d.carrierName),
    transportMethod: text(d.transportMethod),
  });

  const shipment: Shipment = defined({
    shipDate,
    estimatedDeliveryDate,
    carrier: Object.keys(carrier).length > 0 ? { ...carrier, trace: { line } } : undefined,
    packagingCode: text(d.packagingCode),
    ladingQuantity: text(d.ladingQuantity),
    grossWeight: measure(text(d.grossWeight)),
    netWeight: measure(text(d.netWeight)),
    equipmentNumber: text(d.equipmentNumber),
    paymentMethod: text(d.paymentMethod),
    parties: partiesOf(d, ['shipFrom', 'shipTo'], line),
    references,
    dates,
    trace: { line },
  });

  const orders = new Map<string, { order: ShipmentOrder; packs: Map<string, ShipmentPack> }>();
  for (const row of rows) {
    const v = row.values;
    const poNumber = String(v.poNumber);
    let entry = orders.get(poNumber);
    if (!entry) {
      const order: ShipmentOrder = defined({
        poNumber,
        poDate: text(v.poDate),
        releaseNumber: text(v.releaseNumber),
        parties: [],
        references: [],
        packs: [],
        items: [],
        trace: { line: row.line },
      });
      entry = { order, packs: new Map() };
      orders.set(poNumber, entry);
    }
    // Object.assign rather than a spread: this runs once per row, and the spread costs several times more.
    const item: ShipmentItem = Object.assign(
      productIdsOf(v),
      defined({
        lineNumber: text(v.lineNumber),
        quantityShipped: String(v.quantityShipped),
        unit: String(v.unit),
        quantityOrdered: text(v.quantityOrdered),
        packSize: text(v.packSize),
        innerPack: text(v.innerPack),
        description: text(v.description),
        trace: { line: row.line },
      }),
    );
    const sscc = text(v.sscc);
    if (sscc === undefined) {
      entry.order.items.push(item);
      continue;
    }
    let pack = entry.packs.get(sscc);
    if (!pack) {
      pack = {
        level: 'pack',
        sscc,
        marks: [{ qualifier: 'GM', value: sscc }],
        packs: [],
        items: [],
        trace: { line: row.line },
      };
      entry.packs.set(sscc, pack);
      entry.order.packs.push(pack);
    }
    pack.items.push(item);
  }

  return defined({
    type: 'advance-ship-notice',
    schemaVersion: 1,
    partnerId: ctx.partnerId,
    shipmentId: String(d.shipmentId),
    purposeCode: text(d.purposeCode),
    noticeDate: text(d.noticeDate),
    billOfLading,
    proNumber,
    poNumbers: [...orders.keys()],
    shipment,
    orders: [...orders.values()].map((o) => o.order),
    source: {
      kind: 'csv',
      fileName: ctx.fileName,
      lines: rows.map((r) => r.line),
      mapping: ctx.mapping.name,
    },
  });
}
