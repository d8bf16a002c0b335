// Do the invoice's payment terms say what the order's do? Only the money-bearing parts are compared — the
// discount percent, the discount days and the net days — because partners spell the rest (type code, basis
// date, free text) differently for the same terms. The first terms entry of each side is compared: an order
// or invoice with several ITDs states alternatives, and the first is the one ERPs apply.
import type { PaymentTerms } from '../documents/common.ts';
import { compareDecimals, positivePart, subtract } from './decimal-math.ts';

export interface TermsDifference {
  expected: string;
  actual: string;
  /** Discount percent the order grants beyond what the invoice offers ("0" when none is lost). */
  discountLost: string;
}

/** "2% 10 net 30", from whatever parts the terms state. */
export function describeTerms(t: PaymentTerms): string {
  const parts: string[] = [];
  if (t.discountPercent !== undefined) parts.push(`${t.discountPercent}%`);
  if (t.discountDays !== undefined) parts.push(`${t.discountDays}`);
  if (t.netDays !== undefined) parts.push(`net ${t.netDays}`);
  return parts.length > 0 ? parts.join(' ') : (t.description ?? 'terms without discount or net days');
}

/**
 * Undefined when the terms agree or either side states none. A discount percent absent on one side is 0 (no
 * discount); days are compared only when both sides state them, since a partner may send a due date instead.
 */
export function compareTerms(
  order: readonly PaymentTerms[],
  invoice: readonly PaymentTerms[],
): TermsDifference | undefined {
  const po = order[0];
  const inv = invoice[0];
  if (po === undefined || inv === undefined) return undefined;
  const poDiscount = po.discountPercent ?? '0';
  const invDiscount = inv.discountPercent ?? '0';
  const discountDiffers = compareDecimals(poDiscount, invDiscount) !== 0;
  const daysDiffer = (a: number | undefined, b: number | undefined) =>
    a !== undefined && b !== undefined && a !== b;
  if (
    !discountDiffers &&
    !daysDiffer(po.discountDays, inv.discountDays) &&
    !daysDiffer(po.netDays, inv.netDays)
  ) {
    return undefined;
  }
  return {
    expected: describeTerms(po),
    actual: describeTerms(inv),
    discountLost: positivePart(subtract(poDiscount, invDiscount)),
  };
}
