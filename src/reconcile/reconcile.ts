// Three-way match: the ERP's purchase order against the partner's ship notices and invoices. Pure — the caller
// passes the documents, the partner's tolerances and the time — and deterministic: the same input, in any
// order, gives the same mismatches in the same order. docs/reconciliation.md states every rule.
import type { AdvanceShipNotice } from '../documents/advance-ship-notice.ts';
import type { Invoice } from '../documents/invoice.ts';
import type { PurchaseOrder, PurchaseOrderLine } from '../documents/purchase-order.ts';
import {
  abs,
  addDecimals,
  compareDecimals,
  decimalFromNumber,
  isPositive,
  percentOf,
  positivePart,
  subtract,
} from './decimal-math.ts';
import type { Finding, QuantityTotal } from './findings.ts';
import {
  currencyMismatch,
  duplicateInvoice,
  duplicateNotice,
  invoicedOverShipped,
  invoiceTotal,
  invoiceWithoutAsn,
  itemNotOnPo,
  lineExtension,
  quantityVariance,
  termsMismatch,
  toMismatches,
  unitPriceVariance,
  unknownPo,
  uomMismatch,
} from './findings.ts';
import type { ReceivedDocument, ReconcileInput } from './inputs.ts';
import { lineExtensionOff, linesForPo, totalOff } from './invoice-arithmetic.ts';
import { coverage, graceEnds, selectInvoices } from './invoices.ts';
import { matchPoLine } from './item-match.ts';
import type { Mismatch } from './mismatch.ts';
import { sameCode } from './ordering.ts';
import { invoiceLineRef, invoiceRef, noticeRef, poLineRef } from './refs.ts';
import { noticeNamesPo, selectNotices, shippedGroups, shippedValue } from './shipments.ts';
import { compareTerms } from './terms.ts';
import { priceWithin } from './tolerance.ts';

/** BIG07 transaction type code of a credit memo. */
const CREDIT_MEMO = 'CR';

interface LineTally {
  shipped: QuantityTotal;
  invoiced: QuantityTotal;
  /** The unit price on the last invoice (in arrival order) that billed the line. */
  lastInvoicedPrice?: string;
  /** The latest end of a grace period among the invoices that billed the line (ms since the epoch). */
  invoicesSettleAt: number;
}

/** One run against a known purchase order: what the checks share. */
interface Run {
  input: ReconcileInput;
  po: PurchaseOrder;
  /** Per PO line, in PO order. */
  tallies: LineTally[];
  findings: Finding[];
}

export function reconcile(input: ReconcileInput): Mismatch[] {
  const { poNumber, purchaseOrder: po } = input;
  const findings: Finding[] = [];

  const notices = selectNotices(input.shipNotices);
  const invoices = selectInvoices(input.invoices, poNumber);
  for (const d of notices.duplicates) {
    findings.push(duplicateNotice(d, po, po === undefined ? '0' : shippedValue(d.duplicate, poNumber, po)));
  }
  for (const d of invoices.duplicates) findings.push(duplicateInvoice(d.duplicate, d.original, po));
  for (const inv of invoices.invoices) findings.push(...invoiceArithmetic(inv, poNumber, po));

  if (po === undefined) {
    for (const n of notices.effective) {
      if (noticeNamesPo(n.document, poNumber)) findings.push(unknownPo(noticeRef(n), poNumber, '0'));
    }
    for (const inv of invoices.invoices) {
      const d = inv.document;
      findings.push(unknownPo(invoiceRef(inv), poNumber, abs(d.totals.totalAmount), d.currency));
    }
    return toMismatches(findings, poNumber);
  }

  const run: Run = {
    input,
    po,
    findings,
    tallies: po.lines.map<LineTally>(() => ({
      shipped: { quantity: '0', by: [] },
      invoiced: { quantity: '0', by: [] },
      invoicesSettleAt: Number.NEGATIVE_INFINITY,
    })),
  };
  for (const notice of notices.effective) tallyNotice(run, notice);
  for (const inv of invoices.invoices) checkInvoice(run, inv, notices.effective);
  po.lines.forEach((line, i) => checkLineTotals(run, line, i));
  return toMismatches(findings, poNumber);
}

/** A counted notice's items: off the PO, in another unit, or added to the PO line's shipped total. */
function tallyNotice(
  { input, po, tallies, findings }: Run,
  notice: ReceivedDocument<AdvanceShipNotice>,
): void {
  for (const group of shippedGroups(notice, input.poNumber, po.lines)) {
    const poLine = group.poLine === undefined ? undefined : po.lines[group.poLine];
    if (group.poLine === undefined || poLine === undefined) {
      findings.push(itemNotOnPo(group.ref, 'warning', '0', `${group.quantity} ${group.unit}`, po));
    } else if (!sameCode(group.unit, poLine.unit)) {
      findings.push(uomMismatch(group.ref, poLineRef(po, group.poLine), poLine.unit, group.unit, '0', po));
    } else {
      const { shipped } = tallies[group.poLine]!;
      shipped.quantity = addDecimals(shipped.quantity, group.quantity);
      shipped.by.push(group.ref);
    }
  }
}

/** Currency, terms and ship notice of a counted invoice; then its lines of this PO against the order's. */
function checkInvoice(
  { input, po, tallies, findings }: Run,
  inv: ReceivedDocument<Invoice>,
  notices: readonly ReceivedDocument<AdvanceShipNotice>[],
): void {
  const d = inv.document;
  const { poNumber } = input;
  const { invoiceGraceDays } = input.tolerances;
  const currencyDiffers =
    d.currency !== undefined && po.currency !== undefined && !sameCode(d.currency, po.currency);
  if (currencyDiffers) findings.push(currencyMismatch(inv, po, po.currency!.trim(), d.currency!.trim()));
  const terms = compareTerms(po.terms, d.terms);
  if (terms !== undefined) findings.push(termsMismatch(inv, po, terms, !currencyDiffers));
  // A credit memo returns what an invoice billed: it needs no ship notice and its quantities count against.
  const credit = sameCode(d.transactionTypeCode, CREDIT_MEMO);
  const covered = credit ? 'covered' : coverage(inv, notices, poNumber, invoiceGraceDays, input.now);
  if (covered === 'overdue') findings.push(invoiceWithoutAsn(inv, po, invoiceGraceDays));
  const priceTolerance = {
    absolute: decimalFromNumber(input.tolerances.unitPriceAbsolute),
    percent: decimalFromNumber(input.tolerances.unitPricePercent),
  };

  for (const { line, ordinal } of linesForPo(d, poNumber)) {
    const ref = invoiceLineRef(inv, line, ordinal);
    const index = matchPoLine(line, po.lines);
    const poLine = index === undefined ? undefined : po.lines[index];
    if (index === undefined || poLine === undefined) {
      const quantity = `${line.quantityInvoiced} ${line.unit}`;
      findings.push(itemNotOnPo(ref, 'error', positivePart(line.lineAmount), quantity, po));
      continue;
    }
    if (!sameCode(line.unit, poLine.unit)) {
      findings.push(
        uomMismatch(ref, poLineRef(po, index), poLine.unit, line.unit, positivePart(line.lineAmount), po),
      );
      continue;
    }
    const price = poLine.unitPrice;
    if (
      price !== undefined &&
      !credit &&
      !currencyDiffers &&
      !priceWithin(line.unitPrice, price, priceTolerance)
    ) {
      findings.push(unitPriceVariance(ref, poLineRef(po, index), line, price, priceTolerance, po));
    }
    if (covered !== 'covered') continue;
    const tally = tallies[index]!;
    tally.invoiced.by.push(ref);
    if (credit) {
      tally.invoiced.quantity = subtract(tally.invoiced.quantity, line.quantityInvoiced);
    } else {
      tally.invoiced.quantity = addDecimals(tally.invoiced.quantity, line.quantityInvoiced);
      tally.lastInvoicedPrice = line.unitPrice;
      tally.invoicesSettleAt = Math.max(tally.invoicesSettleAt, graceEnds(inv, invoiceGraceDays));
    }
  }
}

/** A PO line's shipped total against the ordered quantity, and its invoiced total against the shipped. */
function checkLineTotals(
  { input, po, tallies, findings }: Run,
  line: PurchaseOrderLine,
  index: number,
): void {
  const { shipped, invoiced, lastInvoicedPrice, invoicesSettleAt } = tallies[index]!;
  const subject = poLineRef(po, index);
  const percent = decimalFromNumber(input.tolerances.quantityPercent);
  if (shipped.by.length > 0) {
    const allowed = percentOf(line.quantityOrdered, percent);
    const over = subtract(shipped.quantity, line.quantityOrdered);
    const short = subtract(line.quantityOrdered, shipped.quantity);
    if (compareDecimals(over, allowed) > 0) {
      findings.push(quantityVariance('over-shipment', subject, line, shipped, over, percent, po));
    } else if (compareDecimals(short, allowed) > 0) {
      findings.push(quantityVariance('short-shipment', subject, line, shipped, short, percent, po));
    }
  }
  // An invoice covered by one notice may bill a second shipment whose notice is still on its way: the
  // excess is only a mismatch once the grace period of every invoice that billed the line is over.
  const excess = subtract(invoiced.quantity, shipped.quantity);
  if (invoiced.by.length > 0 && isPositive(excess) && input.now.getTime() > invoicesSettleAt) {
    findings.push(invoicedOverShipped(subject, line, shipped, invoiced, lastInvoicedPrice ?? '0', po));
  }
}

function invoiceArithmetic(
  inv: ReceivedDocument<Invoice>,
  poNumber: string,
  po: PurchaseOrder | undefined,
): Finding[] {
  const out: Finding[] = [];
  for (const { line, ordinal } of linesForPo(inv.document, poNumber)) {
    if (lineExtensionOff(line))
      out.push(lineExtension(invoiceLineRef(inv, line, ordinal), inv.document, line, po));
  }
  if (totalOff(inv.document)) out.push(invoiceTotal(inv, po));
  return out;
}
