// Checks of single element values against their data type, length and code list, and of the syntax notes
// that relate elements of one segment. The hot path of full validation: values are checked where they lie
// in the segment's text, by character codes, and a string is made only for a code-list lookup or a message.
import type { CompiledElement, SyntaxRule } from './spec/compile.ts';
import type { IssueCode } from './issues.ts';

export interface ElementProblem {
  code: IssueCode;
  message: string;
}

const ZERO = 0x30;
const MINUS = 0x2d;
const POINT = 0x2e;
const EXP = 0x45;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function allDigits(src: string, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (!isDigit(src.charCodeAt(i))) return false;
  return e > s;
}

/** Digits of a whole number (optional leading minus), or -1 when it is not one. */
function integerDigits(src: string, s: number, e: number): number {
  const from = src.charCodeAt(s) === MINUS ? s + 1 : s;
  return allDigits(src, from, e) ? e - from : -1;
}

/** Mantissa digits of a decimal (optional minus, optional point, optional exponent E[-]digits), or -1. */
function decimalDigits(src: string, s: number, e: number): number {
  let i = src.charCodeAt(s) === MINUS ? s + 1 : s;
  let digits = 0;
  let point = false;
  for (; i < e; i++) {
    const c = src.charCodeAt(i);
    if (isDigit(c)) digits++;
    else if (c === POINT && !point) point = true;
    else if (c === EXP) break;
    else return -1;
  }
  if (digits === 0) return -1;
  if (i < e) {
    i++;
    if (src.charCodeAt(i) === MINUS) i++;
    if (!allDigits(src, i, e)) return -1;
  }
  return digits;
}

function two(src: string, at: number): number {
  return (src.charCodeAt(at) - ZERO) * 10 + (src.charCodeAt(at + 1) - ZERO);
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** A calendar date in CCYYMMDD or YYMMDD form (digits already checked). */
function dateAt(src: string, s: number, e: number): boolean {
  const length = e - s;
  if (length !== 8 && length !== 6) return false;
  const year = length === 8 ? two(src, s) * 100 + two(src, s + 2) : 2000 + two(src, s);
  const month = two(src, e - 4);
  const day = two(src, e - 2);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return day <= (month === 2 && leap ? 29 : DAYS[month - 1]!);
}

/** A time in HHMM, HHMMSS, HHMMSSD or HHMMSSDD form (digits already checked). */
function timeAt(src: string, s: number, e: number): boolean {
  const length = e - s;
  if (length < 4 || length > 8 || length === 5) return false;
  if (two(src, s) > 23 || two(src, s + 2) > 59) return false;
  return length < 6 || two(src, s + 4) <= 59;
}

export function isValidDate(value: string): boolean {
  return allDigits(value, 0, value.length) && dateAt(value, 0, value.length);
}

export function isValidTime(value: string): boolean {
  return allDigits(value, 0, value.length) && timeAt(value, 0, value.length);
}

/** "N104", or "MEA04-01" for a component. */
export function elementLabel(tag: string, element: number, component?: number): string {
  const e = element < 10 ? `0${element}` : String(element);
  if (component === undefined) return `${tag}${e}`;
  return `${tag}${e}-${component < 10 ? `0${component}` : String(component)}`;
}

function fail(
  def: CompiledElement,
  tag: string,
  element: number,
  component: number | undefined,
  code: IssueCode,
  what: string,
): ElementProblem {
  return { code, message: `${elementLabel(tag, element, component)} (${def.name}) ${what}` };
}

/**
 * Checks the non-empty value at [s, e) of `src` against its definition. `tag`, `element` and `component`
 * name it in messages. Returns undefined when the value is fine.
 */
export function checkValueAt(
  src: string,
  s: number,
  e: number,
  def: CompiledElement,
  tag: string,
  element: number,
  component?: number,
  /** The caller knows the text holds no control character: skip looking for one. */
  controlFree = false,
): ElementProblem | undefined {
  const type = def.type;
  let length: number;
  switch (type) {
    case 'AN':
    case 'ID':
      if (!controlFree)
        for (let i = s; i < e; i++) {
          const c = src.charCodeAt(i);
          if (c < 0x20 || c === 0x7f)
            return fail(def, tag, element, component, 'invalid-character', 'contains a control character');
        }
      length = e - s;
      break;
    case 'R':
      length = decimalDigits(src, s, e);
      if (length < 0)
        return fail(
          def,
          tag,
          element,
          component,
          'invalid-character',
          `must be a decimal number, found '${src.substring(s, e)}'`,
        );
      break;
    case 'DT':
    case 'TM':
      if (!allDigits(src, s, e)) {
        return fail(
          def,
          tag,
          element,
          component,
          type === 'DT' ? 'invalid-date' : 'invalid-time',
          `must be ${type === 'DT' ? 'a date (CCYYMMDD)' : 'a time (HHMM[SS[DD]])'} in digits, found '${src.substring(s, e)}'`,
        );
      }
      length = e - s;
      break;
    case 'B':
    case 'composite':
      return undefined;
    default:
      // N0..N9
      length = integerDigits(src, s, e);
      if (length < 0)
        return fail(
          def,
          tag,
          element,
          component,
          'invalid-character',
          `must be a whole number of digits (type ${type}), found '${src.substring(s, e)}'`,
        );
  }
  if (length < def.min)
    return fail(
      def,
      tag,
      element,
      component,
      'element-too-short',
      `is ${length} long, shorter than its minimum ${def.min}: '${src.substring(s, e)}'`,
    );
  if (length > def.max)
    return fail(
      def,
      tag,
      element,
      component,
      'element-too-long',
      `is ${length} long, longer than its maximum ${def.max}: '${src.substring(s, e)}'`,
    );
  if (type === 'DT' && !dateAt(src, s, e))
    return fail(
      def,
      tag,
      element,
      component,
      'invalid-date',
      `is not a valid date: '${src.substring(s, e)}'`,
    );
  if (type === 'TM' && !timeAt(src, s, e))
    return fail(
      def,
      tag,
      element,
      component,
      'invalid-time',
      `is not a valid time: '${src.substring(s, e)}'`,
    );
  if (def.codes !== undefined) {
    if (!def.codes.hasAt(src, s, e)) {
      return fail(
        def,
        tag,
        element,
        component,
        'invalid-code',
        `has '${src.substring(s, e)}', which is not one of its codes (${listCodes(def.codes)})`,
      );
    }
  } else if (def.commonCodes !== undefined) {
    if (!def.commonCodes.hasAt(src, s, e)) {
      const v = src.substring(s, e);
      return fail(
        def,
        tag,
        element,
        component,
        'uncommon-code',
        `has '${v}', which is not among the codes Dockside knows for it; check it with the partner`,
      );
    }
  }
  return undefined;
}

/** checkValueAt for a value held as its own string. */
export function checkValue(
  value: string,
  def: CompiledElement,
  tag: string,
  element: number,
  component?: number,
): ElementProblem | undefined {
  return checkValueAt(value, 0, value.length, def, tag, element, component);
}

function listCodes(codes: Iterable<string>): string {
  const all = [...codes];
  return all.length <= 12 ? all.join(', ') : `${all.slice(0, 12).join(', ')}, … ${all.length} in all`;
}

export interface SyntaxViolation {
  code: IssueCode;
  /** 1-based position the problem is reported at. */
  position: number;
  message: string;
}

/**
 * Evaluates syntax notes over which positions are present. Runs for every segment that has notes, so it
 * allocates nothing until a note is violated.
 */
export function checkSyntax(
  rules: readonly SyntaxRule[],
  present: (position: number) => boolean,
  label: (p: number) => string,
): SyntaxViolation[] | undefined {
  let out: SyntaxViolation[] | undefined;
  for (const rule of rules) {
    const ps = rule.positions;
    let count = 0;
    for (const p of ps) if (present(p)) count++;
    const first = ps[0]!;
    switch (rule.kind) {
      case 'P':
        if (count === 0 || count === ps.length) continue;
        for (const p of ps) {
          if (!present(p)) {
            (out ??= []).push({
              code: 'conditional-element-missing',
              position: p,
              message: `${label(p)} is required: ${ps.map(label).join(', ')} must be sent together (syntax note ${rule.text})`,
            });
          }
        }
        break;
      case 'R':
        if (count > 0) continue;
        (out ??= []).push({
          code: 'conditional-element-missing',
          position: first,
          message: `at least one of ${ps.map(label).join(', ')} is required (syntax note ${rule.text})`,
        });
        break;
      case 'E':
        if (count <= 1) continue;
        {
          const here = ps.filter(present);
          (out ??= []).push({
            code: 'exclusion-violated',
            position: here[1]!,
            message: `only one of ${ps.map(label).join(', ')} may be sent, found ${here.map(label).join(' and ')} (syntax note ${rule.text})`,
          });
        }
        break;
      case 'C':
        if (!present(first) || count === ps.length) continue;
        for (const p of ps.slice(1)) {
          if (!present(p)) {
            (out ??= []).push({
              code: 'conditional-element-missing',
              position: p,
              message: `${label(p)} is required when ${label(first)} is present (syntax note ${rule.text})`,
            });
          }
        }
        break;
      case 'L':
        if (!present(first) || count > 1) continue;
        (out ??= []).push({
          code: 'conditional-element-missing',
          position: ps[1]!,
          message: `when ${label(first)} is present, at least one of ${ps.slice(1).map(label).join(', ')} is required (syntax note ${rule.text})`,
        });
        break;
    }
  }
  return out;
}
