// Three-way match: the ERP's purchase order against the partner's ship notices and invoices. Pure — the caller
// passes the documents, the partner's tolerances and the time — and deterministic: the same input, in any
// order, gives the same mismatches in the same order. docs/reconciliation.md states every rule.
import type { AdvanceShipNotice, ShipmentItem } from '../documents/advance-ship-notice.ts';
import type { Invoice, InvoiceLine } from '../documents/invoice.ts';
import type { PurchaseOrder, PurchaseOrderLine } from '../documents/purchase-order.ts';
import {
  abs,
  addDecimals,
  compareDecimals,
  decimalFromNumber,
  isPositive,
  multiplyDecimals,
  percentOf,
  positivePart,
  subtract,
  sum,
} from './decimal-math.ts';
import type { ReceivedDocument, ReconcileInput } from './inputs.ts';
import {
  computedTotal,
  extendedAmount,
  lineExtensionOff,
  linesForPo,
  totalOff,
} from './invoice-arithmetic.ts';
import { identityOf, itemLabel, matchPoLine } from './item-match.ts';
import type { DocumentRef, Mismatch, MismatchSeverity, MismatchType } from './mismatch.ts';
import { mismatchKey } from './mismatch.ts';
import { byArrival, sameCode, samePoNumber } from './ordering.ts';
import { itemsForPo, selectNotices } from './shipments.ts';
import type { DuplicateNotice } from './shipments.ts';
import { compareTerms } from './terms.ts';

type Notice = ReceivedDocument<AdvanceShipNotice>;
type ReceivedInvoice = ReceivedDocument<Invoice>;

const DAY_MS = 86_400_000;

interface Finding {
  type: MismatchType;
  severity: MismatchSeverity;
  expected: string;
  actual: string;
  amountAtRisk: string;
  currency?: string;
  /** The subject first: the key is made from it. */
  documents: DocumentRef[];
  message: string;
}

/** What one ship notice ships of one item in one unit, wherever the item sits in its packs. */
interface ShippedGroup {
  ref: DocumentRef;
  poLine: number | undefined;
  unit: string;
  quantity: string;
}

interface LineTally {
  shipped: string;
  shippedBy: DocumentRef[];
  invoiced: string;
  invoicedBy: DocumentRef[];
  /** The unit price on the last invoice (in arrival order) that billed the line. */
  lastInvoicedPrice?: string;
}

export function reconcile(input: ReconcileInput): Mismatch[] {
  const findings: Finding[] = [];
  const po = input.purchaseOrder;
  const poNumber = input.poNumber;

  const { effective, duplicates } = selectNotices(input.shipNotices);
  const { invoices, duplicateInvoices } = selectInvoices(input.invoices, poNumber);

  for (const d of duplicates) findings.push(duplicateNotice(d, poNumber, po));
  for (const d of duplicateInvoices) findings.push(duplicateInvoice(d.duplicate, d.original, po));

  for (const inv of invoices) findings.push(...invoiceArithmetic(inv, poNumber, po));

  if (po === undefined) {
    for (const n of effective) findings.push(unknownPo(noticeRef(n), poNumber, '0', undefined));
    for (const inv of invoices) {
      const d = inv.document;
      findings.push(unknownPo(invoiceRef(inv), poNumber, abs(d.totals.totalAmount), d.currency));
    }
    return finish(findings, poNumber);
  }

  const tallies = po.lines.map<LineTally>(() => ({
    shipped: '0',
    shippedBy: [],
    invoiced: '0',
    invoicedBy: [],
  }));

  for (const notice of effective) {
    for (const group of shippedGroups(notice, poNumber, po.lines)) {
      const poLine = group.poLine === undefined ? undefined : po.lines[group.poLine];
      if (group.poLine === undefined || poLine === undefined) {
        findings.push(itemNotOnPo(group.ref, '0', 'warning', po, `${group.quantity} ${group.unit}`));
      } else if (!sameCode(group.unit, poLine.unit)) {
        findings.push(uomMismatch(group.ref, poRef(po, group.poLine), poLine.unit, group.unit, '0', po));
      } else {
        const tally = tallies[group.poLine]!;
        tally.shipped = addDecimals(tally.shipped, group.quantity);
        tally.shippedBy.push(group.ref);
      }
    }
  }

  for (const inv of invoices) {
    const d = inv.document;
    const currencyDiffers =
      d.currency !== undefined && po.currency !== undefined && !sameCode(d.currency, po.currency);
    if (currencyDiffers) findings.push(currencyMismatch(inv, po));
    const terms = compareTerms(po.terms, d.terms);
    if (terms !== undefined) {
      findings.push({
        type: 'terms-mismatch',
        severity: 'warning',
        expected: terms.expected,
        actual: terms.actual,
        amountAtRisk: currencyDiffers ? '0' : percentOf(abs(d.totals.totalAmount), terms.discountLost),
        ...currencyOf(po, d),
        documents: [invoiceRef(inv), poDocRef(po)],
        message: `invoice ${d.invoiceNumber} states terms ${terms.actual}; the order's are ${terms.expected}`,
      });
    }
    const coverage = shipNoticeCoverage(
      inv,
      effective,
      poNumber,
      input.tolerances.invoiceGraceDays,
      input.now,
    );
    if (coverage === 'overdue') findings.push(invoiceWithoutAsn(inv, po, input.tolerances.invoiceGraceDays));

    for (const { line, ordinal } of linesForPo(d, poNumber)) {
      const ref = invoiceLineRef(inv, line, ordinal);
      const index = matchPoLine(line, po.lines);
      const poLine = index === undefined ? undefined : po.lines[index];
      if (index === undefined || poLine === undefined) {
        findings.push(
          itemNotOnPo(
            ref,
            positivePart(line.lineAmount),
            'error',
            po,
            `${line.quantityInvoiced} ${line.unit}`,
          ),
        );
        continue;
      }
      if (!sameCode(line.unit, poLine.unit)) {
        findings.push(
          uomMismatch(ref, poRef(po, index), poLine.unit, line.unit, positivePart(line.lineAmount), po),
        );
        continue;
      }
      if (poLine.unitPrice !== undefined && !currencyDiffers) {
        const variance = priceVariance(ref, poRef(po, index), line, poLine.unitPrice, input, po);
        if (variance !== undefined) findings.push(variance);
      }
      if (coverage === 'covered') {
        const tally = tallies[index]!;
        tally.invoiced = addDecimals(tally.invoiced, line.quantityInvoiced);
        tally.invoicedBy.push(ref);
        tally.lastInvoicedPrice = line.unitPrice;
      }
    }
  }

  const quantityPercent = decimalFromNumber(input.tolerances.quantityPercent);
  po.lines.forEach((line, i) => {
    const tally = tallies[i]!;
    const subject = poRef(po, i);
    if (tally.shippedBy.length > 0) {
      const allowed = percentOf(line.quantityOrdered, quantityPercent);
      const over = subtract(tally.shipped, line.quantityOrdered);
      if (compareDecimals(over, allowed) > 0) {
        findings.push(
          quantityFinding('over-shipment', 'error', subject, line, tally, over, quantityPercent, po),
        );
      } else if (compareDecimals(subtract(line.quantityOrdered, tally.shipped), allowed) > 0) {
        const short = subtract(line.quantityOrdered, tally.shipped);
        findings.push(
          quantityFinding('short-shipment', 'warning', subject, line, tally, short, quantityPercent, po),
        );
      }
    }
    const excess = subtract(tally.invoiced, tally.shipped);
    if (tally.invoicedBy.length > 0 && isPositive(excess)) {
      const price = tally.lastInvoicedPrice ?? '0';
      findings.push({
        type: 'invoiced-over-shipped',
        severity: 'error',
        expected: `${tally.shipped} ${line.unit}`,
        actual: `${tally.invoiced} ${line.unit}`,
        amountAtRisk: positivePart(multiplyDecimals(excess, price)),
        ...currencyOf(po),
        documents: [subject, ...tally.invoicedBy, ...tally.shippedBy],
        message: `${tally.invoiced} ${line.unit} invoiced but ${tally.shipped} ${line.unit} shipped on ${describeLine(subject)}`,
      });
    }
  });

  return finish(findings, poNumber);
}

function finish(findings: Finding[], poNumber: string): Mismatch[] {
  const seen = new Map<string, number>();
  const out = findings.map<Mismatch>((f) => {
    const subject = f.documents[0]!;
    let key = mismatchKey(poNumber, f.type, subject);
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    if (n > 1) key = `${key}|${n}`;
    const m: Mismatch = {
      key,
      type: f.type,
      severity: f.severity,
      poNumber,
      expected: f.expected,
      actual: f.actual,
      amountAtRisk: f.amountAtRisk,
      documents: f.documents,
      message: f.message,
    };
    if (f.currency !== undefined) m.currency = f.currency;
    return m;
  });
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function currencyOf(po: PurchaseOrder | undefined, invoice?: Invoice): { currency?: string } {
  const currency = po?.currency ?? invoice?.currency;
  return currency === undefined ? {} : { currency };
}

function invoiceNamesPo(invoice: Invoice, poNumber: string): boolean {
  return (
    invoice.poNumbers.some((p) => samePoNumber(p, poNumber)) ||
    invoice.lines.some((l) => samePoNumber(l.poNumber, poNumber))
  );
}

function selectInvoices(
  all: readonly ReceivedInvoice[],
  poNumber: string,
): {
  invoices: ReceivedInvoice[];
  duplicateInvoices: { duplicate: ReceivedInvoice; original: ReceivedInvoice }[];
} {
  const first = new Map<string, ReceivedInvoice>();
  const invoices: ReceivedInvoice[] = [];
  const duplicateInvoices: { duplicate: ReceivedInvoice; original: ReceivedInvoice }[] = [];
  for (const inv of byArrival(all)) {
    const key = JSON.stringify([inv.document.partnerId, inv.document.invoiceNumber.trim()]);
    const original = first.get(key);
    const forThisPo = invoiceNamesPo(inv.document, poNumber);
    if (original === undefined) {
      first.set(key, inv);
      if (forThisPo) invoices.push(inv);
    } else if (forThisPo) {
      duplicateInvoices.push({ duplicate: inv, original });
    }
  }
  return { invoices, duplicateInvoices };
}

function noticeRef(n: Notice): DocumentRef {
  const ref: DocumentRef = { documentType: 'advance-ship-notice', documentId: n.id };
  const trace = n.document.shipment.trace;
  if (trace !== undefined) ref.trace = trace;
  return ref;
}

function invoiceRef(inv: ReceivedInvoice): DocumentRef {
  const ref: DocumentRef = { documentType: 'invoice', documentId: inv.id };
  const trace = inv.document.totals.trace;
  if (trace !== undefined) ref.trace = trace;
  return ref;
}

function poDocRef(po: PurchaseOrder): DocumentRef {
  return { documentType: 'purchase-order', documentId: po.poNumber };
}

function lineRef(
  base: DocumentRef,
  line: { lineNumber?: string; trace?: { line: number; position?: number } } & Parameters<
    typeof identityOf
  >[0],
  ordinal: number,
): DocumentRef {
  const ref: DocumentRef = { documentType: base.documentType, documentId: base.documentId };
  const lineNumber = line.lineNumber?.trim();
  const item = itemLabel(identityOf(line));
  if (lineNumber !== undefined && lineNumber !== '') ref.lineNumber = lineNumber;
  else ref.ordinal = ordinal;
  if (item !== undefined) ref.item = item;
  if (line.trace !== undefined) ref.trace = line.trace;
  return ref;
}

function poRef(po: PurchaseOrder, index: number): DocumentRef {
  return lineRef(poDocRef(po), po.lines[index]!, index + 1);
}

function invoiceLineRef(inv: ReceivedInvoice, line: InvoiceLine, ordinal: number): DocumentRef {
  return lineRef({ documentType: 'invoice', documentId: inv.id }, line, ordinal);
}

function describeLine(ref: DocumentRef): string {
  const where = ref.lineNumber !== undefined ? `line ${ref.lineNumber}` : `line #${ref.ordinal ?? '?'}`;
  return ref.item !== undefined ? `${where} (${ref.item})` : where;
}

/** A notice's items for the PO, summed per PO line (or unknown item) and unit, in first-seen order. */
function shippedGroups(
  notice: Notice,
  poNumber: string,
  poLines: readonly PurchaseOrderLine[],
): ShippedGroup[] {
  const groups = new Map<string, ShippedGroup>();
  itemsForPo(notice.document, poNumber).forEach((item: ShipmentItem, i) => {
    const poLine = matchPoLine(item, poLines);
    const ref = lineRef({ documentType: 'advance-ship-notice', documentId: notice.id }, item, i + 1);
    const unit = item.unit.trim().toUpperCase();
    const who = poLine !== undefined ? `po:${poLine}` : (ref.item ?? ref.lineNumber ?? `#${i + 1}`);
    const key = JSON.stringify([who, unit]);
    const group = groups.get(key);
    if (group === undefined)
      groups.set(key, { ref, poLine, unit: item.unit.trim(), quantity: item.quantityShipped });
    else group.quantity = addDecimals(group.quantity, item.quantityShipped);
  });
  return [...groups.values()];
}

/** The value of what a notice ships of the PO at the PO's prices (items off the PO or in another unit: 0). */
function shippedValue(notice: Notice, po: PurchaseOrder): string {
  return sum(
    shippedGroups(notice, po.poNumber, po.lines).map((g) => {
      const line = g.poLine === undefined ? undefined : po.lines[g.poLine];
      if (line?.unitPrice === undefined || !sameCode(line.unit, g.unit)) return '0';
      return multiplyDecimals(g.quantity, line.unitPrice);
    }),
  );
}

function duplicateNotice(d: DuplicateNotice, poNumber: string, po: PurchaseOrder | undefined): Finding {
  const what = d.field === 'shipmentId' ? 'shipment' : 'bill of lading';
  return {
    type: 'duplicate-asn',
    severity: 'warning',
    expected: `${what} ${d.value} noticed once`,
    actual: `noticed again after ${d.original.id}`,
    amountAtRisk: po === undefined ? '0' : shippedValue(d.duplicate, po),
    ...currencyOf(po),
    documents: [noticeRef(d.duplicate), noticeRef(d.original)],
    message: `ship notice ${d.duplicate.id} repeats ${what} ${d.value} of ${d.original.id} (PO ${poNumber}); it is not counted`,
  };
}

function duplicateInvoice(
  dup: ReceivedInvoice,
  original: ReceivedInvoice,
  po: PurchaseOrder | undefined,
): Finding {
  const number = dup.document.invoiceNumber;
  return {
    type: 'duplicate-invoice',
    severity: 'error',
    expected: `invoice ${number} billed once`,
    actual: `billed again after ${original.id}`,
    amountAtRisk: abs(dup.document.totals.totalAmount),
    ...currencyOf(po, dup.document),
    documents: [invoiceRef(dup), invoiceRef(original)],
    message: `invoice ${dup.id} repeats invoice number ${number} of ${original.id}; it is not counted`,
  };
}

function unknownPo(
  subject: DocumentRef,
  poNumber: string,
  amount: string,
  currency: string | undefined,
): Finding {
  const kind = subject.documentType === 'invoice' ? 'invoice' : 'ship notice';
  return {
    type: 'unknown-po',
    severity: 'error',
    expected: `purchase order ${poNumber} in the ERP`,
    actual: 'not found',
    amountAtRisk: amount,
    ...(currency === undefined ? {} : { currency }),
    documents: [subject],
    message: `${kind} ${subject.documentId} names purchase order ${poNumber}, which the ERP does not know`,
  };
}

function invoiceArithmetic(inv: ReceivedInvoice, poNumber: string, po: PurchaseOrder | undefined): Finding[] {
  const out: Finding[] = [];
  const d = inv.document;
  for (const { line, ordinal } of linesForPo(d, poNumber)) {
    if (!lineExtensionOff(line)) continue;
    const expected = extendedAmount(line);
    const ref = invoiceLineRef(inv, line, ordinal);
    out.push({
      type: 'line-extension',
      severity: 'error',
      expected,
      actual: line.lineAmount,
      amountAtRisk: positivePart(subtract(line.lineAmount, expected)),
      ...currencyOf(po, d),
      documents: [ref],
      message: `${describeLine(ref)} of invoice ${d.invoiceNumber}: ${line.quantityInvoiced} × ${line.unitPrice} is ${expected}, not ${line.lineAmount}`,
    });
  }
  if (totalOff(d)) {
    const expected = computedTotal(d);
    out.push({
      type: 'invoice-total',
      severity: 'error',
      expected,
      actual: d.totals.totalAmount,
      amountAtRisk: positivePart(subtract(d.totals.totalAmount, expected)),
      ...currencyOf(po, d),
      documents: [invoiceRef(inv)],
      message: `invoice ${d.invoiceNumber} totals ${d.totals.totalAmount}; its lines, charges, allowances and taxes add up to ${expected}`,
    });
  }
  return out;
}

function currencyMismatch(inv: ReceivedInvoice, po: PurchaseOrder): Finding {
  const d = inv.document;
  const currency = d.currency!.trim();
  return {
    type: 'currency-mismatch',
    severity: 'error',
    expected: po.currency!.trim(),
    actual: currency,
    amountAtRisk: abs(d.totals.totalAmount),
    currency,
    documents: [invoiceRef(inv), poDocRef(po)],
    message: `invoice ${d.invoiceNumber} is in ${currency}; purchase order ${po.poNumber} is in ${po.currency!.trim()}`,
  };
}

/**
 * 'covered' when a ship notice that counts covers the invoice — the one it names by shipment id or bill of
 * lading, or, when it names none, any notice of the PO; otherwise 'waiting' within the grace period and
 * 'overdue' after it.
 */
function shipNoticeCoverage(
  inv: ReceivedInvoice,
  notices: readonly Notice[],
  poNumber: string,
  graceDays: number,
  now: Date,
): 'covered' | 'waiting' | 'overdue' {
  const d = inv.document;
  const shipmentId = d.shipmentId?.trim() || undefined;
  const bol = d.billOfLading?.trim() || undefined;
  const covered = notices.some((n) =>
    shipmentId !== undefined || bol !== undefined
      ? (shipmentId !== undefined && n.document.shipmentId.trim() === shipmentId) ||
        (bol !== undefined && n.document.billOfLading?.trim() === bol)
      : n.document.orders.some((o) => samePoNumber(o.poNumber, poNumber)) ||
        n.document.poNumbers.some((p) => samePoNumber(p, poNumber)),
  );
  if (covered) return 'covered';
  return now.getTime() > inv.receivedAt.getTime() + graceDays * DAY_MS ? 'overdue' : 'waiting';
}

function invoiceWithoutAsn(inv: ReceivedInvoice, po: PurchaseOrder, graceDays: number): Finding {
  const d = inv.document;
  const named =
    d.shipmentId !== undefined
      ? `shipment ${d.shipmentId}`
      : d.billOfLading !== undefined
        ? `bill of lading ${d.billOfLading}`
        : `purchase order ${po.poNumber}`;
  return {
    type: 'invoice-without-asn',
    severity: 'error',
    expected: `a ship notice for ${named} within ${graceDays} days`,
    actual: 'none',
    amountAtRisk: abs(d.totals.totalAmount),
    ...currencyOf(po, d),
    documents: [invoiceRef(inv)],
    message: `invoice ${d.invoiceNumber} has had no ship notice for ${named} for more than ${graceDays} days`,
  };
}

function itemNotOnPo(
  subject: DocumentRef,
  amount: string,
  severity: MismatchSeverity,
  po: PurchaseOrder,
  quantity: string,
): Finding {
  const kind = subject.documentType === 'invoice' ? 'invoice' : 'ship notice';
  const what = subject.item ?? describeLine(subject);
  return {
    type: 'item-not-on-po',
    severity,
    expected: `an item of purchase order ${po.poNumber}`,
    actual: what,
    amountAtRisk: amount,
    ...currencyOf(po),
    documents: [subject],
    message: `${kind} ${subject.documentId} has ${quantity} of ${what}, which purchase order ${po.poNumber} does not order`,
  };
}

function uomMismatch(
  subject: DocumentRef,
  poLine: DocumentRef,
  expected: string,
  actual: string,
  amount: string,
  po: PurchaseOrder,
): Finding {
  const kind = subject.documentType === 'invoice' ? 'invoice' : 'ship notice';
  return {
    type: 'uom-mismatch',
    severity: 'error',
    expected: expected.trim(),
    actual: actual.trim(),
    amountAtRisk: amount,
    ...currencyOf(po),
    documents: [subject, poLine],
    message: `${kind} ${subject.documentId} counts ${describeLine(subject)} in ${actual.trim()}; the order counts it in ${expected.trim()}`,
  };
}

function priceVariance(
  subject: DocumentRef,
  poLine: DocumentRef,
  line: InvoiceLine,
  poPrice: string,
  input: ReconcileInput,
  po: PurchaseOrder,
): Finding | undefined {
  const difference = subtract(line.unitPrice, poPrice);
  const size = abs(difference);
  const absolute = decimalFromNumber(input.tolerances.unitPriceAbsolute);
  const percent = decimalFromNumber(input.tolerances.unitPricePercent);
  if (compareDecimals(size, absolute) <= 0) return undefined;
  if (compareDecimals(size, percentOf(abs(poPrice), percent)) <= 0) return undefined;
  const over = isPositive(difference);
  return {
    type: 'unit-price-variance',
    severity: over ? 'error' : 'warning',
    expected: poPrice,
    actual: line.unitPrice,
    amountAtRisk: positivePart(multiplyDecimals(difference, line.quantityInvoiced)),
    ...currencyOf(po),
    documents: [subject, poLine],
    message: `${describeLine(subject)} of invoice ${subject.documentId} is priced ${line.unitPrice}; the order says ${poPrice} (tolerance ${absolute} or ${percent}%)`,
  };
}

function quantityFinding(
  type: 'over-shipment' | 'short-shipment',
  severity: MismatchSeverity,
  subject: DocumentRef,
  line: PurchaseOrderLine,
  tally: LineTally,
  difference: string,
  percent: string,
  po: PurchaseOrder,
): Finding {
  const word = type === 'over-shipment' ? 'more' : 'less';
  return {
    type,
    severity,
    expected: `${line.quantityOrdered} ${line.unit}`,
    actual: `${tally.shipped} ${line.unit}`,
    amountAtRisk: line.unitPrice === undefined ? '0' : multiplyDecimals(difference, line.unitPrice),
    ...currencyOf(po),
    documents: [subject, ...tally.shippedBy],
    message: `${tally.shipped} ${line.unit} shipped of ${line.quantityOrdered} ordered on ${describeLine(subject)}: ${difference} ${word} than ordered, beyond the ${percent}% tolerance`,
  };
}
