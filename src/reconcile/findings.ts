// One builder per mismatch type: what it expects, what it found, how much is at risk, which documents it is
// about. The rules for each are in docs/reconciliation.md; reconcile.ts decides when each fires.
import type { Invoice, InvoiceLine } from '../documents/invoice.ts';
import type { PurchaseOrder, PurchaseOrderLine } from '../documents/purchase-order.ts';
import { abs, isPositive, multiplyDecimals, percentOf, positivePart, subtract } from './decimal-math.ts';
import type { ReceivedDocument } from './inputs.ts';
import { computedTotal, extendedAmount } from './invoice-arithmetic.ts';
import type { DocumentRef, Mismatch, MismatchSeverity, MismatchType } from './mismatch.ts';
import { mismatchKey } from './mismatch.ts';
import { describeLine, invoiceRef, noticeRef, poDocRef } from './refs.ts';
import type { DuplicateNotice } from './shipments.ts';
import type { TermsDifference } from './terms.ts';

type ReceivedInvoice = ReceivedDocument<Invoice>;

export interface Finding {
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

/** The currency amounts are stated in: the order's, else the invoice's. */
export function currencyOf(po: PurchaseOrder | undefined, invoice?: Invoice): { currency?: string } {
  const currency = (po?.currency ?? invoice?.currency)?.trim();
  return currency === undefined ? {} : { currency };
}

/** Keys made, and the result sorted by them so any order of input gives the same output. */
export function toMismatches(findings: readonly Finding[], poNumber: string): Mismatch[] {
  const seen = new Map<string, number>();
  const out = findings.map<Mismatch>((f) => {
    let key = mismatchKey(poNumber, f.type, f.documents[0]!);
    // Two findings of one type about one line (the same item shipped in two foreign units) stay apart.
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

function kindOf(ref: DocumentRef): string {
  return ref.documentType === 'invoice' ? 'invoice' : 'ship notice';
}

export function unknownPo(
  subject: DocumentRef,
  poNumber: string,
  amount: string,
  currency?: string,
): Finding {
  return {
    type: 'unknown-po',
    severity: 'error',
    expected: `purchase order ${poNumber} in the ERP`,
    actual: 'not found',
    amountAtRisk: amount,
    ...(currency === undefined ? {} : { currency: currency.trim() }),
    documents: [subject],
    message: `${kindOf(subject)} ${subject.documentId} names purchase order ${poNumber}, which the ERP does not know`,
  };
}

export function duplicateNotice(d: DuplicateNotice, po: PurchaseOrder | undefined, value: string): Finding {
  const what = d.field === 'shipmentId' ? 'shipment' : 'bill of lading';
  return {
    type: 'duplicate-asn',
    severity: 'warning',
    expected: `${what} ${d.value} noticed once`,
    actual: `noticed again after ${d.original.id}`,
    amountAtRisk: value,
    ...currencyOf(po),
    documents: [noticeRef(d.duplicate), noticeRef(d.original)],
    message: `ship notice ${d.duplicate.id} repeats ${what} ${d.value} of ${d.original.id}; it is not counted`,
  };
}

export function duplicateInvoice(
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

export function lineExtension(
  ref: DocumentRef,
  invoice: Invoice,
  line: InvoiceLine,
  po: PurchaseOrder | undefined,
): Finding {
  const expected = extendedAmount(line);
  return {
    type: 'line-extension',
    severity: 'error',
    expected,
    actual: line.lineAmount,
    amountAtRisk: positivePart(subtract(line.lineAmount, expected)),
    ...currencyOf(po, invoice),
    documents: [ref],
    message: `${describeLine(ref)} of invoice ${invoice.invoiceNumber}: ${line.quantityInvoiced} × ${line.unitPrice} is ${expected}, not ${line.lineAmount}`,
  };
}

export function invoiceTotal(inv: ReceivedInvoice, po: PurchaseOrder | undefined): Finding {
  const d = inv.document;
  const expected = computedTotal(d);
  return {
    type: 'invoice-total',
    severity: 'error',
    expected,
    actual: d.totals.totalAmount,
    amountAtRisk: positivePart(subtract(d.totals.totalAmount, expected)),
    ...currencyOf(po, d),
    documents: [invoiceRef(inv)],
    message: `invoice ${d.invoiceNumber} totals ${d.totals.totalAmount}; its lines, charges, allowances and taxes add up to ${expected}`,
  };
}

export function currencyMismatch(
  inv: ReceivedInvoice,
  po: PurchaseOrder,
  expected: string,
  actual: string,
): Finding {
  return {
    type: 'currency-mismatch',
    severity: 'error',
    expected,
    actual,
    amountAtRisk: abs(inv.document.totals.totalAmount),
    currency: actual,
    documents: [invoiceRef(inv), poDocRef(po)],
    message: `invoice ${inv.document.invoiceNumber} is in ${actual}; purchase order ${po.poNumber} is in ${expected}`,
  };
}

export function termsMismatch(
  inv: ReceivedInvoice,
  po: PurchaseOrder,
  terms: TermsDifference,
  comparable: boolean,
): Finding {
  const d = inv.document;
  return {
    type: 'terms-mismatch',
    severity: 'warning',
    expected: terms.expected,
    actual: terms.actual,
    // In another currency the lost discount cannot be stated in the order's; the currency mismatch says so.
    amountAtRisk: comparable ? percentOf(abs(d.totals.totalAmount), terms.discountLost) : '0',
    ...currencyOf(po, d),
    documents: [invoiceRef(inv), poDocRef(po)],
    message: `invoice ${d.invoiceNumber} states terms ${terms.actual}; the order's are ${terms.expected}`,
  };
}

export function invoiceWithoutAsn(inv: ReceivedInvoice, po: PurchaseOrder, graceDays: number): Finding {
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

export function itemNotOnPo(
  subject: DocumentRef,
  severity: MismatchSeverity,
  amount: string,
  quantity: string,
  po: PurchaseOrder,
): Finding {
  const what = subject.item ?? describeLine(subject);
  return {
    type: 'item-not-on-po',
    severity,
    expected: `an item of purchase order ${po.poNumber}`,
    actual: what,
    amountAtRisk: amount,
    ...currencyOf(po),
    documents: [subject],
    message: `${kindOf(subject)} ${subject.documentId} has ${quantity} of ${what}, which purchase order ${po.poNumber} does not order`,
  };
}

export function uomMismatch(
  subject: DocumentRef,
  poLine: DocumentRef,
  expected: string,
  actual: string,
  amount: string,
  po: PurchaseOrder,
): Finding {
  return {
    type: 'uom-mismatch',
    severity: 'error',
    expected: expected.trim(),
    actual: actual.trim(),
    amountAtRisk: amount,
    ...currencyOf(po),
    documents: [subject, poLine],
    message: `${kindOf(subject)} ${subject.documentId} counts ${describeLine(subject)} in ${actual.trim()}; the order counts it in ${expected.trim()}`,
  };
}

export function unitPriceVariance(
  subject: DocumentRef,
  poLine: DocumentRef,
  line: InvoiceLine,
  poPrice: string,
  tolerance: { absolute: string; percent: string },
  po: PurchaseOrder,
): Finding {
  const difference = subtract(line.unitPrice, poPrice);
  const over = isPositive(difference);
  return {
    type: 'unit-price-variance',
    severity: over ? 'error' : 'warning',
    expected: poPrice,
    actual: line.unitPrice,
    amountAtRisk: positivePart(multiplyDecimals(difference, line.quantityInvoiced)),
    ...currencyOf(po),
    documents: [subject, poLine],
    message: `${describeLine(subject)} of invoice ${subject.documentId} is priced ${line.unitPrice}; the order says ${poPrice} (tolerance ${tolerance.absolute} or ${tolerance.percent}%)`,
  };
}

/** A quantity summed over several documents' lines, and those lines. */
export interface QuantityTotal {
  quantity: string;
  by: DocumentRef[];
}

export function quantityVariance(
  type: 'over-shipment' | 'short-shipment',
  subject: DocumentRef,
  line: PurchaseOrderLine,
  shipped: QuantityTotal,
  difference: string,
  percent: string,
  po: PurchaseOrder,
): Finding {
  const word = type === 'over-shipment' ? 'more' : 'less';
  return {
    type,
    severity: type === 'over-shipment' ? 'error' : 'warning',
    expected: `${line.quantityOrdered} ${line.unit}`,
    actual: `${shipped.quantity} ${line.unit}`,
    amountAtRisk: line.unitPrice === undefined ? '0' : multiplyDecimals(difference, line.unitPrice),
    ...currencyOf(po),
    documents: [subject, ...shipped.by],
    message: `${shipped.quantity} ${line.unit} shipped of ${line.quantityOrdered} ordered on ${describeLine(subject)}: ${difference} ${word} than ordered, beyond the ${percent}% tolerance`,
  };
}

export function invoicedOverShipped(
  subject: DocumentRef,
  line: PurchaseOrderLine,
  shipped: QuantityTotal,
  invoiced: QuantityTotal,
  price: string,
  po: PurchaseOrder,
): Finding {
  const excess = subtract(invoiced.quantity, shipped.quantity);
  return {
    type: 'invoiced-over-shipped',
    severity: 'error',
    expected: `${shipped.quantity} ${line.unit}`,
    actual: `${invoiced.quantity} ${line.unit}`,
    amountAtRisk: positivePart(multiplyDecimals(excess, price)),
    ...currencyOf(po),
    documents: [subject, ...invoiced.by, ...shipped.by],
    message: `${invoiced.quantity} ${line.unit} invoiced but ${shipped.quantity} ${line.unit} shipped on ${describeLine(subject)}`,
  };
}
