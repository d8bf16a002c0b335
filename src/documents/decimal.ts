// Exact decimal arithmetic on the text form of the canonical documents. Amounts and quantities are decimal
// strings (see common.ts); the few computations the mappers need (a line amount, an implied-decimal X12
// number) are done on BigInt so no value is ever rounded through a binary float.

const DECIMAL = /^([+-])?([0-9]*)(?:\.([0-9]*))?$/;

interface Scaled {
  /** The value × 10^scale. */
  units: bigint;
  scale: number;
}

function parse(text: string, decimalSeparator = '.'): Scaled | undefined {
  const t = decimalSeparator === '.' ? text.trim() : text.trim().replace(decimalSeparator, '.');
  const m = DECIMAL.exec(t);
  if (!m) return undefined;
  const whole = m[2] ?? '';
  const fraction = m[3] ?? '';
  if (whole === '' && fraction === '') return undefined;
  const digits = BigInt(`${whole}${fraction}` || '0');
  return { units: m[1] === '-' ? -digits : digits, scale: fraction.length };
}

function format({ units, scale }: Scaled): string {
  const negative = units < 0n;
  let digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  let fraction = scale > 0 ? digits.slice(digits.length - scale) : '';
  digits = scale > 0 ? digits.slice(0, digits.length - scale) : digits;
  fraction = fraction.replace(/0+$/, '');
  const body = fraction === '' ? digits : `${digits}.${fraction}`;
  return negative && body !== '0' ? `-${body}` : body;
}

/**
 * The canonical form of a decimal number written with `decimalSeparator` ("+004.250" -> "4.25", ",5" -> "0.5"
 * with ","), or undefined when the text is not one. Thousands separators must be removed by the caller: only
 * it knows whether "1.234" means one thousand or one point two.
 */
export function normalizeDecimal(text: string, decimalSeparator = '.'): string | undefined {
  const value = parse(text, decimalSeparator);
  return value === undefined ? undefined : format(value);
}

/**
 * An X12 numeric element (type Nn) carries `places` implied decimals: "26375" with N2 is 263.75. A decimal
 * point is not allowed in such an element, so text that has one is refused (undefined).
 */
export function impliedDecimal(text: string, places: number): string | undefined {
  if (!/^[+-]?[0-9]+$/.test(text.trim())) return undefined;
  const value = parse(text);
  return value === undefined ? undefined : format({ units: value.units, scale: places });
}

/** a × b, exactly. Both must be canonical (or at least valid) decimals. */
export function multiplyDecimals(a: string, b: string): string {
  const x = parse(a);
  const y = parse(b);
  if (x === undefined || y === undefined) throw new RangeError(`not decimals: ${a}, ${b}`);
  return format({ units: x.units * y.units, scale: x.scale + y.scale });
}

/** The sum of decimals, exactly. */
export function addDecimals(...values: string[]): string {
  let total: Scaled = { units: 0n, scale: 0 };
  for (const v of values) {
    const x = parse(v);
    if (x === undefined) throw new RangeError(`not a decimal: ${v}`);
    const scale = Math.max(total.scale, x.scale);
    total = {
      units: total.units * 10n ** BigInt(scale - total.scale) + x.units * 10n ** BigInt(scale - x.scale),
      scale,
    };
  }
  return format(total);
}

/** -1, 0 or 1 as a is less than, equal to or greater than b. */
export function compareDecimals(a: string, b: string): number {
  const d = addDecimals(a, b.startsWith('-') ? b.slice(1) : `-${b}`);
  return d === '0' ? 0 : d.startsWith('-') ? -1 : 1;
}
