// The rows of one invoice -> Invoice. Each row is a line; invoice fields come from the first row. A line's
// amount is quantity × unit price, exactly; an amount the file carries is checked against it. Without a
// total column, the total is the sum of the lines: a CSV has no place for charges and taxes.
import { addDecimals, multiplyDecimals } from '../documents/decimal.ts';
import type { PaymentTerms, QualifiedDate, Reference } from '../documents/common.ts';
import type { Invoice, InvoiceLine } from '../documents/invoice.ts';
import { defined, partiesOf, productIdsOf, text, type BuildContext, type CsvRow } from './build.ts';

export function buildInvoice(ctx: BuildContext, rows: CsvRow[]): Invoice {
  const first = rows[0]!;
  const d = first.document;
  const line = first.line;

  const lines: InvoiceLine[] = rows.map((row) => {
    const v = row.values;
    const quantityInvoiced = String(v.quantityInvoiced);
    const unitPrice = String(v.unitPrice);
    const lineAmount = multiplyDecimals(quantityInvoiced, unitPrice);
    const sent = text(v.lineAmount);
    if (sent !== undefined && sent !== lineAmount) {
      ctx.issue(
        'amount-mismatch',
        `the line amount ${sent} is not quantity ${quantityInvoiced} × unit price ${unitPrice} = ${lineAmount}; ` +
          `${lineAmount} is kept`,
        row.line,
        'lineAmount',
        sent,
      );
    }
    // Object.assign rather than a spread: this runs once per row, and the spread costs several times more.
    return Object.assign(
      productIdsOf(v),
      defined({
        lineNumber: text(v.lineNumber),
        quantityInvoiced,
        unit: String(v.unit),
        unitPrice,
        priceBasis: text(v.priceBasis),
        lineAmount,
        poNumber: text(v.poNumber),
        description: text(v.description),
        charges: [],
        taxes: [],
        trace: { line: row.line },
      }),
    );
  });

  const poNumbers: string[] = [];
  for (const po of [text(d.poNumber), ...lines.map((l) => l.poNumber)]) {
    if (po !== undefined && !poNumbers.includes(po)) poNumbers.push(po);
  }
  const references: Reference[] = [];
  const billOfLading = text(d.billOfLading);
  const shipmentId = text(d.shipmentId);
  if (billOfLading !== undefined) references.push({ qualifier: 'BM', value: billOfLading, trace: { line } });
  if (shipmentId !== undefined) references.push({ qualifier: 'SI', value: shipmentId, trace: { line } });
  const dates: QualifiedDate[] = [];
  const shipDate = text(d.shipDate);
  if (shipDate !== undefined) dates.push({ qualifier: '011', date: shipDate, trace: { line } });
  const terms: PaymentTerms = defined({
    netDays: d.netDays as number | undefined,
    netDueDate: text(d.netDueDate),
    discountPercent: text(d.discountPercent),
    discountDays: d.discountDays as number | undefined,
    discountDueDate: text(d.discountDueDate),
  });

  return defined({
    type: 'invoice',
    schemaVersion: 1,
    partnerId: ctx.partnerId,
    invoiceNumber: String(d.invoiceNumber),
    invoiceDate: String(d.invoiceDate),
    poNumbers,
    poDate: text(d.poDate),
    transactionTypeCode: text(d.transactionTypeCode),
    purposeCode: text(d.purposeCode),
    currency: text(d.currency),
    billOfLading,
    shipmentId,
    shipDate,
    parties: partiesOf(d, ['billTo', 'remitTo', 'shipTo'], line),
    references,
    dates,
    terms: Object.keys(terms).length > 0 ? [{ ...terms, trace: { line } }] : [],
    lines,
    charges: [],
    taxes: [],
    totals: {
      totalAmount: text(d.totalAmount) ?? addDecimals(...lines.map((l) => l.lineAmount)),
      trace: { line },
    },
    source: {
      kind: 'csv',
      fileName: ctx.fileName,
      lines: rows.map((r) => r.line),
      mapping: ctx.mapping.name,
    },
  });
}
