// Does an invoice add up? A line's amount is its quantity times its unit price; the total is the lines plus
// charges, less allowances, plus taxes. Partners round to the cent, so each line may be off by half a cent
// and the total by half a cent per line plus half a cent of its own; anything beyond that is a mismatch.
import type { ChargeAllowance, Tax } from '../documents/common.ts';
import type { Invoice, InvoiceLine } from '../documents/invoice.ts';
import { abs, compareDecimals, multiplyDecimals, negate, subtract, sum } from './decimal-math.ts';
import { samePoNumber } from './ordering.ts';

const HALF_CENT = '0.005';

/**
 * SAC12 method-of-handling codes settled outside the invoice (bill back, vendor check to customer, credit
 * customer account, charge to be paid by vendor): listed on it, not part of its total.
 */
const SETTLED_ELSEWHERE = new Set(['01', '03', '04', '05']);

/** The lines that bill the PO: those that name it, and unnamed lines when it is the invoice's first PO. */
export function linesForPo(invoice: Invoice, poNumber: string): { line: InvoiceLine; ordinal: number }[] {
  const headerPo = invoice.poNumbers[0];
  return invoice.lines
    .map((line, i) => ({ line, ordinal: i + 1 }))
    .filter(({ line }) =>
      line.poNumber === undefined ? samePoNumber(headerPo, poNumber) : samePoNumber(line.poNumber, poNumber),
    );
}

export function extendedAmount(line: InvoiceLine): string {
  return multiplyDecimals(line.quantityInvoiced, line.unitPrice);
}

/** The line amount differs from quantity × price by more than rounding to the cent explains. */
export function lineExtensionOff(line: InvoiceLine): boolean {
  return compareDecimals(abs(subtract(line.lineAmount, extendedAmount(line))), HALF_CENT) > 0;
}

function signedCharge(c: ChargeAllowance): string {
  if (c.amount === undefined || c.kind === 'no-charge') return '0';
  if (c.handlingCode !== undefined && SETTLED_ELSEWHERE.has(c.handlingCode.trim())) return '0';
  return c.kind === 'allowance' ? negate(c.amount) : c.amount;
}

function taxAmount(t: Tax): string {
  return t.amount ?? '0';
}

/** Lines + charges − allowances + taxes, at line and invoice level, from the amounts the invoice states. */
export function computedTotal(invoice: Invoice): string {
  return sum([
    ...invoice.lines.map((l) => l.lineAmount),
    ...invoice.lines.flatMap((l) => l.charges.map(signedCharge)),
    ...invoice.lines.flatMap((l) => l.taxes.map(taxAmount)),
    ...invoice.charges.map(signedCharge),
    ...invoice.taxes.map(taxAmount),
  ]);
}

export function totalOff(invoice: Invoice): boolean {
  const allowed = multiplyDecimals(HALF_CENT, String(invoice.lines.length + 1));
  return compareDecimals(abs(subtract(invoice.totals.totalAmount, computedTotal(invoice))), allowed) > 0;
}
