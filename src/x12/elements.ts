// Checks of single element values against their data type, length and code list, and of the syntax notes
// that relate elements of one segment. Pure functions over strings: the hot path of full validation.
import type { CompiledElement, SyntaxRule } from './spec/compile.ts';
import type { IssueCode } from './issues.ts';

export interface ElementProblem {
  code: IssueCode;
  message: string;
}

const NUMERIC = /^-?\d+$/;
const DECIMAL = /^-?(?:\d+\.?\d*|\.\d+)(?:E-?\d+)?$/;
const DIGITS = /^\d+$/;

/** Control characters (other than none) are never valid inside an element. */
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function countDigits(value: string): number {
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) n++;
  }
  return n;
}

function mantissaDigits(value: string): number {
  const e = value.indexOf('E');
  return countDigits(e < 0 ? value : value.slice(0, e));
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** A calendar date in CCYYMMDD or YYMMDD form. */
export function isValidDate(value: string): boolean {
  if (!DIGITS.test(value) || (value.length !== 8 && value.length !== 6)) return false;
  const year = value.length === 8 ? Number(value.slice(0, 4)) : 2000 + Number(value.slice(0, 2));
  const month = Number(value.slice(-4, -2));
  const day = Number(value.slice(-2));
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const max = month === 2 && leap ? 29 : DAYS[month - 1]!;
  return day <= max;
}

/** A time in HHMM, HHMMSS, HHMMSSD or HHMMSSDD form. */
export function isValidTime(value: string): boolean {
  if (!DIGITS.test(value) || value.length < 4 || value.length > 8 || value.length === 5) return false;
  const hh = Number(value.slice(0, 2));
  const mm = Number(value.slice(2, 4));
  if (hh > 23 || mm > 59) return false;
  if (value.length >= 6 && Number(value.slice(4, 6)) > 59) return false;
  return true;
}

function describe(label: string, def: CompiledElement): string {
  return `${label} (${def.name})`;
}

/**
 * Checks one non-empty simple value. `label` names the element for messages ("N101", "C00101").
 * Returns undefined when the value is fine.
 */
export function checkValue(value: string, def: CompiledElement, label: string): ElementProblem | undefined {
  const type = def.type;
  let length: number;
  switch (type) {
    case 'AN':
    case 'ID':
      if (hasControlCharacter(value)) {
        return { code: 'invalid-character', message: `${describe(label, def)} contains a control character` };
      }
      length = value.length;
      break;
    case 'R':
      if (!DECIMAL.test(value)) {
        return {
          code: 'invalid-character',
          message: `${describe(label, def)} must be a decimal number, found '${value}'`,
        };
      }
      length = mantissaDigits(value);
      break;
    case 'DT':
    case 'TM':
      if (!DIGITS.test(value)) {
        return {
          code: type === 'DT' ? 'invalid-date' : 'invalid-time',
          message: `${describe(label, def)} must be ${type === 'DT' ? 'a date (CCYYMMDD)' : 'a time (HHMM[SS[DD]])'} in digits, found '${value}'`,
        };
      }
      length = value.length;
      break;
    case 'B':
      return undefined;
    case 'composite':
      return undefined;
    default:
      // N0..N9
      if (!NUMERIC.test(value)) {
        return {
          code: 'invalid-character',
          message: `${describe(label, def)} must be a whole number of digits (type ${type}), found '${value}'`,
        };
      }
      length = countDigits(value);
  }
  if (length < def.min) {
    return {
      code: 'element-too-short',
      message: `${describe(label, def)} is ${length} long, shorter than its minimum ${def.min}: '${value}'`,
    };
  }
  if (length > def.max) {
    return {
      code: 'element-too-long',
      message: `${describe(label, def)} is ${length} long, longer than its maximum ${def.max}: '${value}'`,
    };
  }
  if (type === 'DT' && !isValidDate(value)) {
    return { code: 'invalid-date', message: `${describe(label, def)} is not a valid date: '${value}'` };
  }
  if (type === 'TM' && !isValidTime(value)) {
    return { code: 'invalid-time', message: `${describe(label, def)} is not a valid time: '${value}'` };
  }
  if (def.codes !== undefined && !def.codes.has(value)) {
    return {
      code: 'invalid-code',
      message: `${describe(label, def)} has '${value}', which is not one of its codes (${listCodes(def.codes)})`,
    };
  }
  if (def.commonCodes !== undefined && !def.commonCodes.has(value)) {
    return {
      code: 'uncommon-code',
      message: `${describe(label, def)} has '${value}', which is not among the codes Dockside knows for it; check it with the partner`,
    };
  }
  return undefined;
}

function listCodes(codes: ReadonlySet<string>): string {
  const all = [...codes];
  return all.length <= 12 ? all.join(', ') : `${all.slice(0, 12).join(', ')}, … ${all.length} in all`;
}

export interface SyntaxViolation {
  code: IssueCode;
  /** 1-based position the problem is reported at. */
  position: number;
  message: string;
}

/** Evaluates syntax notes over which positions are present. `present[i]` is position i + 1. */
export function checkSyntax(
  rules: readonly SyntaxRule[],
  present: (position: number) => boolean,
  label: (p: number) => string,
): SyntaxViolation[] {
  const out: SyntaxViolation[] = [];
  for (const rule of rules) {
    const ps = rule.positions;
    const here = ps.filter(present);
    const names = ps.map(label).join(', ');
    switch (rule.kind) {
      case 'P':
        if (here.length > 0 && here.length < ps.length) {
          for (const p of ps) {
            if (!present(p)) {
              out.push({
                code: 'conditional-element-missing',
                position: p,
                message: `${label(p)} is required: ${names} must be sent together (syntax note ${rule.text})`,
              });
            }
          }
        }
        break;
      case 'R':
        if (here.length === 0) {
          out.push({
            code: 'conditional-element-missing',
            position: ps[0]!,
            message: `at least one of ${names} is required (syntax note ${rule.text})`,
          });
        }
        break;
      case 'E':
        if (here.length > 1) {
          out.push({
            code: 'exclusion-violated',
            position: here[1]!,
            message: `only one of ${names} may be sent, found ${here.map(label).join(' and ')} (syntax note ${rule.text})`,
          });
        }
        break;
      case 'C':
        if (present(ps[0]!)) {
          for (const p of ps.slice(1)) {
            if (!present(p)) {
              out.push({
                code: 'conditional-element-missing',
                position: p,
                message: `${label(p)} is required when ${label(ps[0]!)} is present (syntax note ${rule.text})`,
              });
            }
          }
        }
        break;
      case 'L':
        if (present(ps[0]!) && !ps.slice(1).some(present)) {
          out.push({
            code: 'conditional-element-missing',
            position: ps[1]!,
            message: `when ${label(ps[0]!)} is present, at least one of ${ps.slice(1).map(label).join(', ')} is required (syntax note ${rule.text})`,
          });
        }
        break;
    }
  }
  return out;
}
