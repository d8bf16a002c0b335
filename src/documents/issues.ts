// Problems found while turning a transaction set (or CSV rows) into a canonical document. Like the X12
// issues they are values, never exceptions; unlike those, they are about business content (a purchase order
// number missing, an HL that hangs nowhere), not syntax, so they have their own codes. An error means no
// document is produced; a warning travels with the document.

export type DocumentIssueSeverity = 'error' | 'warning';

export const DOCUMENT_ISSUE_CODES = {
  /** A value the canonical document cannot do without (PO number, invoice number, quantity) is absent. */
  'required-value-missing': 'error',
  /** A number, date or time that cannot be read as one. */
  'invalid-value': 'error',
  /** No mapper is registered for the set and version. */
  'set-not-mapped': 'error',
  /** The set ended without its SE: whatever followed the break would be missing from the document. */
  'set-incomplete': 'error',
  /** A segment the mapper needs is absent (BSN, BIG, BEG, TDS). */
  'required-segment-missing': 'error',
  /** HL02 names an HL01 that no HL in the set carries. */
  'hl-parent-unknown': 'error',
  /** Two HL segments carry the same HL01. */
  'hl-duplicate-id': 'error',
  /** An HL whose parents lead back to itself, never reaching the shipment. */
  'hl-cycle': 'error',
  /** An HL level the mapper does not know, or one under a level it cannot hang from (an item under a shipment). */
  'hl-structure': 'error',
  /** Not exactly one shipment level (HL03 S without a parent). */
  'hl-shipment-count': 'error',
  /** An SSCC whose check digit is wrong: kept in the pack's marks, not used as its SSCC. */
  'sscc-check-digit': 'warning',
  /** The set's version has no mapper of its own and was read with the nearest earlier one of its release. */
  'version-fallback': 'warning',
} as const satisfies Record<string, DocumentIssueSeverity>;

export type DocumentIssueCode = keyof typeof DOCUMENT_ISSUE_CODES;

/**
 * Where an issue is. For X12: the segment (byte offset, line, ordinal in the file, tag, position in the set)
 * and the element (and component) that lacked or held the value, numbered as in X12 (N104 is element 4). For
 * CSV: the file, the line on which the row starts, and the column by name or 1-based number.
 */
export interface DocumentLocation {
  line: number;
  offset?: number;
  segment?: number;
  tag?: string;
  position?: number;
  element?: number;
  component?: number;
  fileName?: string;
  column?: string | number;
}

export interface DocumentIssue {
  code: DocumentIssueCode;
  severity: DocumentIssueSeverity;
  message: string;
  location: DocumentLocation;
  /** The offending value, when there is one. */
  data?: string;
}

export function documentIssue(
  code: DocumentIssueCode,
  message: string,
  location: DocumentLocation,
  data?: string,
): DocumentIssue {
  const out: DocumentIssue = { code, severity: DOCUMENT_ISSUE_CODES[code], message, location };
  if (data !== undefined) out.data = data;
  return out;
}

/** The result of mapping: a document when nothing blocked it, and every issue found either way. */
export type MapResult<T> =
  { document: T; issues: DocumentIssue[] } | { document?: undefined; issues: DocumentIssue[] };
