// X12 810 -> Invoice. The set has three parts: the heading (BIG to the first IT1), the IT1 loops (one per
// line, with their own SAC, TXI and REF), and the summary from TDS on. SAC and TXI mean a line's charges and
// taxes inside an IT1 loop and the invoice's outside, so where a segment stands decides what it belongs to.
import type { SetSegment, TransactionSetSegments } from '../../x12/set-segments.ts';
import type { ChargeAllowance, PaymentTerms, QualifiedDate, Reference, Tax } from '../common.ts';
import { multiplyDecimals } from '../decimal.ts';
import type { Invoice, InvoiceLine, InvoiceTotals } from '../invoice.ts';
import type { MapResult } from '../issues.ts';
import {
  compact,
  readChargeAllowance,
  splitTable,
  readDate,
  readDescription,
  readParties,
  readProductIds,
  readReference,
  readTax,
  readTerms,
} from './common-segments.ts';
import { locate, MapContext, traceOf, type MapOptions } from './context.ts';

export function mapInvoice(set: TransactionSetSegments, options: MapOptions): MapResult<Invoice> {
  const ctx = new MapContext(set, options);
  const st = set.segments[0]!;
  const { heading, loops, summary } = splitTable(set, 'IT1', 'TDS');

  const big = heading.find((s) => s.tag === 'BIG');
  if (!big) ctx.missingSegment('BIG', 'invoice number or date', st);
  const invoiceDate = big && ctx.date(big, 1, 'invoice date', true);
  const invoiceNumber = big && ctx.required(big, 2, 'invoice number');
  const headerPo = big && ctx.text(big, 4);
  const poDate = big && ctx.date(big, 3, 'purchase order date');

  const references: Reference[] = [];
  const dates: QualifiedDate[] = [];
  const terms: PaymentTerms[] = [];
  let currency: string | undefined;
  for (const seg of heading) {
    if (seg.tag === 'REF') {
      const ref = readReference(ctx, seg);
      if (ref) references.push(ref);
    } else if (seg.tag === 'DTM') {
      const date = readDate(ctx, seg);
      if (date) dates.push(date);
    } else if (seg.tag === 'ITD') {
      terms.push(readTerms(ctx, seg));
    } else if (seg.tag === 'CUR') {
      currency ??= ctx.currency(seg, 2);
    }
  }
  // ITD and DTM may also stand in the summary of some partners' 810s; they mean the same there.
  for (const seg of summary) {
    if (seg.tag === 'ITD') terms.push(readTerms(ctx, seg));
  }

  const lines = loops.map((loop) => readLine(ctx, loop)).filter((l) => l !== undefined);
  const poNumbers = [...new Set([headerPo, ...lines.map((l) => l.poNumber)].filter((p) => p !== undefined))];
  if (big && poNumbers.length === 0) {
    ctx.issue(
      'required-value-missing',
      'BIG04 (purchase order number) is empty and no line names a purchase order (REF PO); the invoice needs one to be matched',
      locate(big, 4),
    );
  }
  if (loops.length === 0) ctx.missingSegment('IT1', 'invoice line', big ?? st);

  const charges: ChargeAllowance[] = [];
  const taxes: Tax[] = [];
  for (const seg of summary) {
    if (seg.tag === 'SAC') {
      const c = readChargeAllowance(ctx, seg);
      if (c) charges.push(c);
    } else if (seg.tag === 'TXI') {
      const t = readTax(ctx, seg);
      if (t) taxes.push(t);
    }
  }
  const tds = summary.find((s) => s.tag === 'TDS');
  const ctt = summary.find((s) => s.tag === 'CTT');
  if (!tds) ctx.missingSegment('TDS', 'invoice total', set.segments[set.segments.length - 1] ?? st);
  const totalAmount = tds && ctx.implied(tds, 1, 2, 'total invoice amount', true);
  const totals =
    tds &&
    totalAmount !== undefined &&
    compact<InvoiceTotals>({
      totalAmount,
      amountSubjectToDiscount: ctx.implied(tds, 2, 2, 'amount subject to terms discount'),
      discountedAmount: ctx.implied(tds, 3, 2, 'amount after terms discount'),
      termsDiscountAmount: ctx.implied(tds, 4, 2, 'terms discount amount'),
      lineCount: ctt && ctx.integer(ctt, 1, 'number of line items'),
      trace: traceOf(tds),
    });

  if (ctx.failed || !big || invoiceNumber === undefined || invoiceDate === undefined || !totals) {
    return { issues: ctx.issues };
  }
  const invoice = compact<Invoice>({
    type: 'invoice',
    schemaVersion: 1,
    partnerId: options.partnerId,
    invoiceNumber,
    invoiceDate,
    poNumbers,
    poDate,
    transactionTypeCode: ctx.text(big, 7),
    purposeCode: ctx.text(big, 8),
    currency,
    billOfLading: references.find((r) => r.qualifier === 'BM')?.value,
    shipmentId: references.find((r) => r.qualifier === 'SI')?.value,
    shipDate: dates.find((d) => d.qualifier === '011')?.date,
    parties: readParties(ctx, heading),
    references,
    dates,
    terms,
    lines,
    charges,
    taxes,
    totals,
    source: ctx.source(),
  });
  return { document: invoice, issues: ctx.issues };
}

function readLine(ctx: MapContext, loop: SetSegment[]): InvoiceLine | undefined {
  const it1 = loop[0]!;
  const quantity = ctx.decimal(it1, 2, 'quantity invoiced', true);
  const unit = ctx.required(it1, 3, 'unit of measure');
  const unitPrice = ctx.decimal(it1, 4, 'unit price', true);
  let poNumber: string | undefined;
  let description: string | undefined;
  const charges: ChargeAllowance[] = [];
  const taxes: Tax[] = [];
  for (const seg of loop.slice(1)) {
    if (seg.tag === 'REF' && ctx.text(seg, 1) === 'PO') poNumber ??= ctx.text(seg, 2);
    else if (seg.tag === 'PID') description ??= readDescription(ctx, seg);
    else if (seg.tag === 'SAC') {
      const c = readChargeAllowance(ctx, seg);
      if (c) charges.push(c);
    } else if (seg.tag === 'TXI') {
      const t = readTax(ctx, seg);
      if (t) taxes.push(t);
    }
  }
  if (quantity === undefined || unit === undefined || unitPrice === undefined) return undefined;
  return compact<InvoiceLine>({
    lineNumber: ctx.text(it1, 1),
    ...readProductIds(ctx, it1, 6),
    quantityInvoiced: quantity,
    unit,
    unitPrice,
    priceBasis: ctx.text(it1, 5),
    lineAmount: multiplyDecimals(quantity, unitPrice),
    poNumber,
    description,
    charges,
    taxes,
    trace: traceOf(it1),
  });
}
