// Whether a difference is within what the partner file allows. Reconciliation and the line view of a
// mismatch ask the same functions, so the console never marks as a mismatch what reconciliation let pass.
import type { ReconciliationTolerances } from '../partners/partner.ts';
import { abs, compareDecimals, decimalFromNumber, percentOf, subtract } from './decimal-math.ts';

/** A partner file's tolerances as canonical decimal text, for exact arithmetic. */
export interface DecimalTolerances {
  /** Percent of the ordered quantity a shipped (or invoiced) total may differ by. */
  quantityPercent: string;
  unitPriceAbsolute: string;
  unitPricePercent: string;
}

/** What a partner file says when it says nothing (partners/schema.json's defaults). */
export const DEFAULT_TOLERANCES: ReconciliationTolerances = {
  quantityPercent: 0,
  unitPriceAbsolute: 0,
  unitPricePercent: 0,
  invoiceGraceDays: 3,
};

export function decimalTolerances(t: ReconciliationTolerances): DecimalTolerances {
  return {
    quantityPercent: decimalFromNumber(t.quantityPercent),
    unitPriceAbsolute: decimalFromNumber(t.unitPriceAbsolute),
    unitPricePercent: decimalFromNumber(t.unitPricePercent),
  };
}

/** Within the absolute tolerance or within the percent of the order's price: either is enough. */
export function priceWithin(
  price: string,
  poPrice: string,
  tolerance: { absolute: string; percent: string },
): boolean {
  const size = abs(subtract(price, poPrice));
  return (
    compareDecimals(size, tolerance.absolute) <= 0 ||
    compareDecimals(size, percentOf(abs(poPrice), tolerance.percent)) <= 0
  );
}

/** Over or short of the ordered quantity by at most `percent` % of it. */
export function quantityWithin(quantity: string, ordered: string, percent: string): boolean {
  return compareDecimals(abs(subtract(quantity, ordered)), percentOf(abs(ordered), percent)) <= 0;
}
