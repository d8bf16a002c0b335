// The arithmetic reconciliation needs on canonical decimal strings, built on documents/decimal.ts so money
// never passes through a binary float. Tolerances come from the partner file as JS numbers; they are turned
// into decimal text once, here, and compared exactly from then on.
import { addDecimals, compareDecimals, multiplyDecimals, normalizeDecimal } from '../documents/decimal.ts';

export { addDecimals, compareDecimals, multiplyDecimals };

export function negate(a: string): string {
  return addDecimals('0', a.startsWith('-') ? a.slice(1) : `-${a}`);
}

export function subtract(a: string, b: string): string {
  return addDecimals(a, negate(b));
}

export function abs(a: string): string {
  return a.startsWith('-') ? a.slice(1) : a;
}

export function isPositive(a: string): boolean {
  return compareDecimals(a, '0') > 0;
}

/** The larger of a and 0: an overpayment is at risk, an underpayment is not. */
export function positivePart(a: string): string {
  return isPositive(a) ? normalize(a) : '0';
}

/** a / 10^places, exactly (a percent of something is `percentOf`). */
export function shiftDown(a: string, places: number): string {
  const negative = a.startsWith('-');
  const [whole = '0', fraction = ''] = abs(a).split('.');
  const digits = `${whole.padStart(places + 1, '0')}${fraction}`;
  const point = digits.length - fraction.length - places;
  return normalize(`${negative ? '-' : ''}${digits.slice(0, point)}.${digits.slice(point)}`);
}

/** percent % of amount, exactly. */
export function percentOf(amount: string, percent: string): string {
  return shiftDown(multiplyDecimals(amount, percent), 2);
}

function normalize(text: string): string {
  const n = normalizeDecimal(text);
  if (n === undefined) throw new RangeError(`not a decimal: ${text}`);
  return n;
}

/**
 * A tolerance from the partner file as canonical decimal text. `String(n)` is the shortest text that reads
 * back as the same double, which is what the YAML author wrote ("0.1", not 0.1000000000000000055…); only the
 * exponent form of very small or large numbers needs expanding.
 */
export function decimalFromNumber(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`not a finite number: ${n}`);
  const text = String(n);
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!m) return normalize(text);
  const [, sign = '', whole = '', fraction = '', exp = '0'] = m;
  const e = Number(exp);
  const digits = `${whole}${fraction}`;
  const scaled = e >= 0 ? `${digits}${'0'.repeat(Math.max(0, e - fraction.length))}` : digits;
  const value =
    e >= 0 ? shiftDown(scaled, Math.max(0, fraction.length - e)) : shiftDown(digits, fraction.length - e);
  return normalize(`${sign}${value}`);
}

/** The sum of the values, "0" for none. */
export function sum(values: Iterable<string>): string {
  return addDecimals('0', ...values);
}
