// A purchase order's lines side by side with what the ship notices shipped and the invoices billed of each,
// for people reading a mismatch. Items are put on PO lines by matchPoLine and the notices and invoices that
// count are chosen by selectNotices and selectInvoices, exactly as reconciliation does, so the console never
// lines up an item differently from the match that raised the mismatch. Pure: the caller passes documents.
import type { AdvanceShipNotice } from '../documents/advance-ship-notice.ts';
import type { ProductIds } from '../documents/common.ts';
import type { Invoice } from '../documents/invoice.ts';
import type { PurchaseOrder } from '../documents/purchase-order.ts';
import type { ReconciliationTolerances } from '../partners/partner.ts';
import { addDecimals, compareDecimals, subtract } from './decimal-math.ts';
import type { ReceivedDocument } from './inputs.ts';
import { linesForPo } from './invoice-arithmetic.ts';
import { selectInvoices } from './invoices.ts';
import { identityOf, itemLabel, matchPoLine, type NumberedItem } from './item-match.ts';
import type { DocumentRef } from './mismatch.ts';
import { sameCode } from './ordering.ts';
import { invoiceLineRef, lineRef, poLineRef } from './refs.ts';
import { itemsForPo, selectNotices } from './shipments.ts';
import { decimalTolerances, priceWithin, quantityWithin, type DecimalTolerances } from './tolerance.ts';

/** No tolerance at all: what the view compares with when it is not given the partner's. */
const EXACT: ReconciliationTolerances = {
  quantityPercent: 0,
  unitPriceAbsolute: 0,
  unitPricePercent: 0,
  invoiceGraceDays: 0,
};

/** BIG07 of a credit memo: its quantities count against what was billed. */
const CREDIT_MEMO = 'CR';

export const LINE_DIFFERENCES = [
  'quantity',
  'uom',
  'unit-price',
  'not-on-po',
  'not-shipped',
  'not-invoiced',
] as const;
export type LineDifference = (typeof LINE_DIFFERENCES)[number];

export interface ShippedEntry {
  documentId: string;
  /** What the notice ships of the line in this unit, summed over its packs. */
  quantity: string;
  uom: string;
  /** False for a notice reconciliation does not count (a duplicate, or one replaced or cancelled). */
  counted: boolean;
}

export interface InvoicedEntry {
  documentId: string;
  quantity: string;
  uom: string;
  unitPrice: string;
  /** False for an invoice reconciliation does not count (a repeated invoice number). */
  counted: boolean;
  /** A credit memo: its quantity is returned, not billed. */
  credit: boolean;
}

export interface LineView {
  /** Stable within one view: "po:<n>" for the n-th PO line, "item:<label>" for an item not on the PO. */
  key: string;
  /** The PO line number, for a line of the PO. */
  lineNumber?: string;
  /** The item's identifiers by X12 qualifier: BP, VP, UP, EN (GTIN), SK, then any other sent. */
  itemIds: Record<string, string>;
  description?: string;
  ordered: { quantity: string; uom: string; unitPrice: string | null } | null;
  shipped: ShippedEntry[];
  invoiced: InvoicedEntry[];
  /** Differences beyond the partner's tolerances: what reconciliation calls a mismatch. */
  differences: LineDifference[];
  /** Quantity or price differences the partner's tolerances allow: real, but not a mismatch. */
  withinTolerance: LineDifference[];
  mismatchIds: number[];
}

export interface LineViewInput {
  poNumber: string;
  /** The ERP's order; undefined when it does not know the PO or could not be asked. */
  purchaseOrder: PurchaseOrder | undefined;
  /** True when the ERP answered (a PO it does not know makes every item "not on the PO"). */
  erpAnswered: boolean;
  shipNotices: readonly ReceivedDocument<AdvanceShipNotice>[];
  invoices: readonly ReceivedDocument<Invoice>[];
  /** The stored mismatches of the PO with the documents and lines they are about. */
  mismatches: readonly { id: number; documents: readonly DocumentRef[] }[];
  /** The partner's tolerances; without them every quantity and price difference counts. */
  tolerances?: ReconciliationTolerances;
}

interface Line {
  view: LineView;
  /** What items are matched against: the PO line, or the first item seen of an item off the PO. */
  item: NumberedItem;
  onPo: boolean;
  refs: DocumentRef[];
}

const ID_FIELDS = [
  ['buyerPartNumber', 'BP'],
  ['vendorPartNumber', 'VP'],
  ['upc', 'UP'],
  ['gtin', 'EN'],
  ['sku', 'SK'],
] as const;

/** The identifiers as qualifier → value: the canonical fields first, then pairs sent under other qualifiers. */
export function itemIdsOf(item: ProductIds): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, qualifier] of ID_FIELDS) {
    const v = item[field]?.trim();
    if (v) out[qualifier] = v;
  }
  const known = new Set(Object.values(out));
  for (const { qualifier, value } of item.ids ?? []) {
    const v = value.trim();
    if (v === '' || known.has(v) || out[qualifier] !== undefined) continue;
    out[qualifier] = v;
    known.add(v);
  }
  return out;
}

function refKey(ref: DocumentRef): string {
  return JSON.stringify([
    ref.documentType,
    ref.documentType === 'purchase-order' ? '' : ref.documentId,
    ref.lineNumber ?? `#${ref.ordinal ?? ''}`,
  ]);
}

function sameRef(a: DocumentRef, b: DocumentRef): boolean {
  return refKey(a) === refKey(b) && (a.item === undefined || b.item === undefined || a.item === b.item);
}

export function alignLines(input: LineViewInput): LineView[] {
  const { poNumber, purchaseOrder: po } = input;
  const lines: Line[] = (po?.lines ?? []).map((l, i) => {
    const view: LineView = {
      key: `po:${i + 1}`,
      itemIds: itemIdsOf(l),
      ordered: { quantity: l.quantityOrdered, uom: l.unit.trim(), unitPrice: l.unitPrice ?? null },
      shipped: [],
      invoiced: [],
      differences: [],
      withinTolerance: [],
      mismatchIds: [],
    };
    if (l.lineNumber?.trim()) view.lineNumber = l.lineNumber.trim();
    if (l.description !== undefined) view.description = l.description;
    return { view, item: l, onPo: true, refs: [poLineRef(po!, i)] };
  });
  const extras: Line[] = [];

  /** The line an item goes on: its PO line, else the line of the same item off the PO, else a new one. */
  const lineOf = (item: NumberedItem & { description?: string }, ref: DocumentRef): Line => {
    const onPo = po === undefined ? undefined : matchPoLine(item, po.lines);
    if (onPo !== undefined) return lines[onPo]!;
    // Line numbers of different documents say nothing about each other: off the PO only identifiers count.
    const { lineNumber: _number, ...ids } = item;
    const found = matchPoLine(
      ids,
      extras.map((e) => e.item),
    );
    if (found !== undefined) return extras[found]!;
    const label =
      itemLabel(identityOf(item)) ?? `${ref.documentType}:${ref.documentId}#${ref.ordinal ?? ref.lineNumber}`;
    let key = `item:${label}`;
    for (let n = 2; [...lines, ...extras].some((l) => l.view.key === key); n++) key = `item:${label}~${n}`;
    const view: LineView = {
      key,
      itemIds: itemIdsOf(item),
      ordered: null,
      shipped: [],
      invoiced: [],
      differences: [],
      withinTolerance: [],
      mismatchIds: [],
    };
    if (item.description !== undefined) view.description = item.description;
    const line: Line = { view, item: ids, onPo: false, refs: [] };
    extras.push(line);
    return line;
  };

  const countedNotices = new Set(selectNotices(input.shipNotices).effective.map((n) => n.id));
  for (const notice of input.shipNotices) {
    const counted = countedNotices.has(notice.id);
    itemsForPo(notice.document, poNumber).forEach((item, i) => {
      const ref = lineRef({ documentType: 'advance-ship-notice', documentId: notice.id }, item, i + 1);
      const line = lineOf(item, ref);
      line.refs.push(ref);
      const uom = item.unit.trim();
      const same = line.view.shipped.find((s) => s.documentId === notice.id && sameCode(s.uom, uom));
      if (same) same.quantity = addDecimals(same.quantity, item.quantityShipped);
      else line.view.shipped.push({ documentId: notice.id, quantity: item.quantityShipped, uom, counted });
    });
  }

  const countedInvoices = new Set(selectInvoices(input.invoices, poNumber).invoices.map((i) => i.id));
  for (const inv of input.invoices) {
    const credit = sameCode(inv.document.transactionTypeCode, CREDIT_MEMO);
    for (const { line: il, ordinal } of linesForPo(inv.document, poNumber)) {
      const ref = invoiceLineRef(inv, il, ordinal);
      const line = lineOf(il, ref);
      line.refs.push(ref);
      line.view.invoiced.push({
        documentId: inv.id,
        quantity: il.quantityInvoiced,
        uom: il.unit.trim(),
        unitPrice: il.unitPrice,
        counted: countedInvoices.has(inv.id),
        credit,
      });
    }
  }

  const all = [...lines, ...extras];
  const anyNotice = all.some((l) => l.view.shipped.some((s) => s.counted));
  const anyInvoice = all.some((l) => l.view.invoiced.some((s) => s.counted));
  const tolerances = decimalTolerances(input.tolerances ?? EXACT);
  for (const line of all) {
    const found = differencesOf(
      line,
      po !== undefined || input.erpAnswered,
      anyNotice,
      anyInvoice,
      tolerances,
    );
    line.view.differences = found.beyond;
    line.view.withinTolerance = found.within;
    line.view.mismatchIds = input.mismatches
      .filter((m) => m.documents.some((d) => line.refs.some((r) => sameRef(r, d))))
      .map((m) => m.id)
      .sort((a, b) => a - b);
  }
  return all.map((l) => l.view);
}

function differencesOf(
  line: Line,
  erpAnswered: boolean,
  anyNotice: boolean,
  anyInvoice: boolean,
  tolerances: DecimalTolerances,
): { beyond: LineDifference[]; within: LineDifference[] } {
  const { ordered } = line.view;
  const shipped = line.view.shipped.filter((s) => s.counted);
  const invoiced = line.view.invoiced.filter((i) => i.counted);
  const out = new Set<LineDifference>();
  const within = new Set<LineDifference>();
  if (!line.onPo && erpAnswered) out.add('not-on-po');
  // The unit everything is compared in: the order's, else the first one shipped or billed.
  const uom = ordered?.uom ?? shipped[0]?.uom ?? invoiced[0]?.uom;
  if (uom !== undefined && [...shipped, ...invoiced].some((e) => !sameCode(e.uom, uom))) out.add('uom');
  // Quantities in another unit are not added in: the uom difference already says they cannot be compared.
  const shippedInUnit = shipped.filter((e) => sameCode(e.uom, uom));
  const invoicedInUnit = invoiced.filter((e) => sameCode(e.uom, uom));
  const shippedTotal =
    shippedInUnit.length > 0 ? addDecimals('0', ...shippedInUnit.map((s) => s.quantity)) : undefined;
  const invoicedTotal =
    invoicedInUnit.length > 0
      ? invoicedInUnit.reduce(
          (t, i) => (i.credit ? subtract(t, i.quantity) : addDecimals(t, i.quantity)),
          '0',
        )
      : undefined;
  const quantities = [shippedTotal, invoicedTotal].filter((q): q is string => q !== undefined);
  const reference = ordered?.quantity ?? quantities[0];
  const differing = quantities.filter((q) => reference !== undefined && compareDecimals(q, reference) !== 0);
  if (differing.length > 0) {
    // Against an order, the partner's quantity tolerance applies; billing more than was shipped never
    // passes (reconciliation's invoiced-over-shipped). Without an order there is nothing to be tolerant of.
    const billedOverShipped =
      shippedTotal !== undefined &&
      invoicedTotal !== undefined &&
      compareDecimals(invoicedTotal, shippedTotal) > 0;
    const tolerated =
      ordered !== null &&
      !billedOverShipped &&
      differing.every((q) => quantityWithin(q, ordered.quantity, tolerances.quantityPercent));
    (tolerated ? within : out).add('quantity');
  }
  const price = ordered?.unitPrice;
  if (price !== null && price !== undefined) {
    const billed = invoiced.filter((i) => !i.credit && compareDecimals(i.unitPrice, price) !== 0);
    const priceTolerance = { absolute: tolerances.unitPriceAbsolute, percent: tolerances.unitPricePercent };
    if (billed.length > 0) {
      (billed.every((i) => priceWithin(i.unitPrice, price, priceTolerance)) ? within : out).add('unit-price');
    }
  }
  if (shipped.length === 0 && (anyNotice || invoiced.length > 0)) out.add('not-shipped');
  if (invoiced.length === 0 && anyInvoice) out.add('not-invoiced');
  return {
    beyond: LINE_DIFFERENCES.filter((d) => out.has(d)),
    within: LINE_DIFFERENCES.filter((d) => within.has(d)),
  };
}
