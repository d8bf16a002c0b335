// Which ship notices count. A notice that repeats a shipment already noticed (same shipment id or same bill
// of lading) is a duplicate and counts once; a replacement (BSN01 "05") takes the place of the notice it
// replaces, and a cancellation (BSN01 "01") withdraws it, as X12 intends — neither is a duplicate.
import type { AdvanceShipNotice, ShipmentItem, ShipmentPack } from '../documents/advance-ship-notice.ts';
import type { PurchaseOrder, PurchaseOrderLine } from '../documents/purchase-order.ts';
import { addDecimals, multiplyDecimals, sum } from './decimal-math.ts';
import type { ReceivedDocument } from './inputs.ts';
import { matchPoLine } from './item-match.ts';
import type { DocumentRef } from './mismatch.ts';
import { byArrival, sameCode, samePoNumber } from './ordering.ts';
import { lineRef } from './refs.ts';

type Notice = ReceivedDocument<AdvanceShipNotice>;

const CANCELLATION = '01';
const REPLACEMENT = '05';

export interface DuplicateNotice {
  duplicate: Notice;
  original: Notice;
  /** What they share. */
  field: 'shipmentId' | 'billOfLading';
  value: string;
}

export interface NoticeSelection {
  /** The notices that count, in arrival order. */
  effective: Notice[];
  duplicates: DuplicateNotice[];
}

function present(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v === undefined || v === '' ? undefined : v;
}

export function selectNotices(notices: readonly Notice[]): NoticeSelection {
  let effective: Notice[] = [];
  const duplicates: DuplicateNotice[] = [];
  // Shipments a replacement or cancellation has the last word on: an original that arrives after it (a
  // delayed file) is superseded, not a duplicate.
  const settled = new Set<string>();
  for (const notice of byArrival(notices)) {
    const shipmentId = present(notice.document.shipmentId);
    const purpose = notice.document.purposeCode?.trim();
    if ((purpose === CANCELLATION || purpose === REPLACEMENT) && shipmentId !== undefined) {
      effective = effective.filter((e) => present(e.document.shipmentId) !== shipmentId);
      settled.add(shipmentId);
      if (purpose === REPLACEMENT) effective.push(notice);
      continue;
    }
    if (shipmentId !== undefined && settled.has(shipmentId)) continue;
    const bol = present(notice.document.billOfLading);
    const sameShipment = effective.find(
      (e) => shipmentId !== undefined && present(e.document.shipmentId) === shipmentId,
    );
    const sameBol = effective.find((e) => bol !== undefined && present(e.document.billOfLading) === bol);
    if (sameShipment !== undefined && shipmentId !== undefined) {
      duplicates.push({ duplicate: notice, original: sameShipment, field: 'shipmentId', value: shipmentId });
    } else if (sameBol !== undefined && bol !== undefined) {
      duplicates.push({ duplicate: notice, original: sameBol, field: 'billOfLading', value: bol });
    } else {
      effective.push(notice);
    }
  }
  return { effective, duplicates };
}

export function noticeNamesPo(notice: AdvanceShipNotice, poNumber: string): boolean {
  return (
    notice.orders.some((o) => samePoNumber(o.poNumber, poNumber)) ||
    notice.poNumbers.some((p) => samePoNumber(p, poNumber))
  );
}

function* packItems(pack: ShipmentPack): Generator<ShipmentItem> {
  yield* pack.items;
  for (const inner of pack.packs) yield* packItems(inner);
}

/** Every item the notice ships against the PO, wherever it sits in the hierarchy: loose items first, then packs. */
export function itemsForPo(notice: AdvanceShipNotice, poNumber: string): ShipmentItem[] {
  const items: ShipmentItem[] = [];
  for (const order of notice.orders) {
    if (!samePoNumber(order.poNumber, poNumber)) continue;
    items.push(...order.items);
    for (const pack of order.packs) items.push(...packItems(pack));
  }
  return items;
}

/** What one notice ships of one item in one unit, wherever the item sits in its packs. */
export interface ShippedGroup {
  ref: DocumentRef;
  /** Index of the PO line the item matched, if any. */
  poLine: number | undefined;
  unit: string;
  quantity: string;
}

/** A notice's items for the PO, summed per PO line (or per unknown item) and unit, in first-seen order. */
export function shippedGroups(
  notice: Notice,
  poNumber: string,
  poLines: readonly PurchaseOrderLine[],
): ShippedGroup[] {
  const groups = new Map<string, ShippedGroup>();
  itemsForPo(notice.document, poNumber).forEach((item, i) => {
    const poLine = matchPoLine(item, poLines);
    const ref = lineRef({ documentType: 'advance-ship-notice', documentId: notice.id }, item, i + 1);
    const unit = item.unit.trim();
    const who = poLine !== undefined ? `po:${poLine}` : (ref.item ?? ref.lineNumber ?? `#${i + 1}`);
    const key = JSON.stringify([who, unit.toUpperCase()]);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { ref, poLine, unit, quantity: item.quantityShipped });
    else group.quantity = addDecimals(group.quantity, item.quantityShipped);
  });
  return [...groups.values()];
}

/** The value of what a notice ships of the PO at the PO's prices (items off the PO or in another unit: 0). */
export function shippedValue(notice: Notice, poNumber: string, po: PurchaseOrder): string {
  return sum(
    shippedGroups(notice, poNumber, po.lines).map((g) => {
      const line = g.poLine === undefined ? undefined : po.lines[g.poLine];
      if (line?.unitPrice === undefined || !sameCode(line.unit, g.unit)) return '0';
      return multiplyDecimals(g.quantity, line.unitPrice);
    }),
  );
}
