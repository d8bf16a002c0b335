// Cell text to canonical values: dates by the partner's formats, numbers by its decimal and thousands
// separators. Each reader returns the value or, when the text is not one, undefined; the caller words the
// problem, since only it knows the column and the row.
import { normalizeDecimal } from '../documents/decimal.ts';
import type { CsvValueType } from './fields.ts';

/** The tokens a date format may use; anything else in a format is literal text. */
const DATE_TOKENS = ['YYYY', 'YY', 'MM', 'M', 'DD', 'D'] as const;

export interface DateFormat {
  /** As written in the partner file, e.g. `MM/DD/YYYY`. */
  text: string;
  regex: RegExp;
  /** Which token each capture group holds. */
  groups: (typeof DATE_TOKENS)[number][];
}

/** A format compiled, or a message saying why it is not one. */
export function compileDateFormat(text: string): DateFormat | string {
  let source = '';
  const groups: DateFormat['groups'] = [];
  for (let i = 0; i < text.length;) {
    const token = DATE_TOKENS.find((t) => text.startsWith(t, i));
    if (token) {
      groups.push(token);
      source += token === 'YYYY' ? '(\\d{4})' : token.length === 2 ? '(\\d{2})' : '(\\d{1,2})';
      i += token.length;
    } else {
      if (/[A-Za-z]/.test(text[i]!)) {
        return `has ${text[i]} where a date format may only use YYYY, YY, MM, M, DD, D and separators`;
      }
      source += text[i]!.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
      i++;
    }
  }
  const has = (...t: string[]) => groups.some((g) => t.includes(g));
  const count = (...t: string[]) => groups.filter((g) => t.includes(g)).length;
  if (count('YYYY', 'YY') !== 1 || count('MM', 'M') !== 1 || count('DD', 'D') !== 1 || !has('YYYY', 'YY')) {
    return 'must hold exactly one year (YYYY or YY), one month (MM or M) and one day (DD or D)';
  }
  // Without separators, one-or-two-digit months and days make 1112024 ambiguous.
  if (has('M', 'D') && !/[^A-Za-z]/.test(text)) return 'uses M or D without separators, which is ambiguous';
  return { text, regex: new RegExp(`^${source}$`), groups };
}

/** An ISO date (YYYY-MM-DD) when the text is a real calendar date in one of the formats. */
export function readDate(text: string, formats: DateFormat[]): string | undefined {
  for (const f of formats) {
    const m = f.regex.exec(text);
    if (!m) continue;
    let year = 0;
    let month = 0;
    let day = 0;
    f.groups.forEach((g, i) => {
      const n = Number(m[i + 1]);
      if (g === 'YYYY') year = n;
      // Two-digit years are this century's: the files are about shipments, not birthdays.
      else if (g === 'YY') year = 2000 + n;
      else if (g === 'MM' || g === 'M') month = n;
      else day = n;
    });
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || year < 1) continue;
    return `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
  }
  return undefined;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

export interface NumberFormat {
  /** `.` or `,`. */
  decimalSeparator: '.' | ',';
  /** Empty when the partner writes none. */
  thousandsSeparator: '' | ',' | '.' | ' ' | "'";
}

const escape = (s: string) => s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
const numberPatterns = new Map<string, RegExp>();

function numberPattern(format: NumberFormat): RegExp {
  const key = format.decimalSeparator + format.thousandsSeparator;
  let re = numberPatterns.get(key);
  if (!re) {
    const d = escape(format.decimalSeparator);
    const t = escape(format.thousandsSeparator);
    // Thousands separators, when used, must group by three: 1.234,5 is a number, 12.34,5 is a typo.
    const whole = format.thousandsSeparator ? `(?:\\d{1,3}(?:${t}\\d{3})+|\\d+)` : '\\d+';
    re = new RegExp(`^([+-]?)(${whole})?(?:${d}(\\d+))?$`);
    numberPatterns.set(key, re);
  }
  return re;
}

/** A canonical decimal (src/documents/decimal.ts), when the text is a number as the partner writes them. */
export function readDecimal(text: string, format: NumberFormat): string | undefined {
  const m = numberPattern(format).exec(text);
  if (!m || (m[2] === undefined && m[3] === undefined)) return undefined;
  const whole = (m[2] ?? '0').split(format.thousandsSeparator || '\u0000').join('');
  return normalizeDecimal(`${m[1]}${whole}.${m[3] ?? '0'}`);
}

/** A whole number (days), with no fraction and no separators. */
export function readInteger(text: string): number | undefined {
  if (!/^[+-]?\d{1,15}$/.test(text)) return undefined;
  return Number(text);
}

export interface ValueFormats extends NumberFormat {
  dates: DateFormat[];
  dateFormats: string[];
}

/**
 * A cell's text (already trimmed, not empty) read as a value of the type, or what is wrong with it, worded to
 * follow the quoted text: `"13/45/2024" is not a date in the form MM/DD/YYYY`.
 */
export function readValue(
  text: string,
  type: CsvValueType,
  formats: ValueFormats,
): string | number | { problem: string } {
  switch (type) {
    case 'text':
      return text === '' ? { problem: 'is empty' } : text;
    case 'date':
      return (
        readDate(text, formats.dates) ?? {
          problem: `is not a date in the form ${formats.dateFormats.join(' or ')}`,
        }
      );
    case 'decimal':
      return (
        readDecimal(text, formats) ?? {
          problem:
            `is not a number written with "${formats.decimalSeparator}" before the decimals and ` +
            (formats.thousandsSeparator
              ? `"${formats.thousandsSeparator}" between thousands`
              : 'no thousands separator'),
        }
      );
    case 'integer':
      return readInteger(text) ?? { problem: 'is not a whole number' };
    case 'currency':
      return /^[A-Z]{3}$/.test(text)
        ? text
        : { problem: 'is not a currency code: three capital letters, e.g. EUR' };
    case 'sscc':
      return /^[0-9]{18}$/.test(text) ? text : { problem: 'is not an SSCC: eighteen digits' };
  }
}
