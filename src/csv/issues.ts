// Problems found reading a partner's CSV file. Values, never exceptions, shaped like the canonical documents'
// issues (src/documents/issues.ts: code, severity, message, location with file, line and column) so the
// pipeline and the UI show both the same way. An error keeps a row out; a row kept out keeps its document
// out; each issue says which.
import type { DocumentIssueSeverity, DocumentLocation } from '../documents/issues.ts';

export const CSV_ISSUE_CODES = {
  /** Broken quoting: a record that cannot be split into values. */
  'csv-syntax': 'error',
  /** A row with more or fewer values than the header has columns (or fewer than the mapping uses). */
  'column-count': 'error',
  /** Bytes that are not text in the mapping's encoding. */
  'invalid-encoding': 'error',
  /** The file holds no header row. */
  'header-missing': 'error',
  /** A column the mapping uses is not in the header row (or named twice in it). */
  'header-column-missing': 'error',
  /** A value a document cannot do without is empty. */
  'required-value-missing': 'error',
  /** A number or date that cannot be read as one. */
  'invalid-value': 'error',
  /** A row whose grouping columns are empty: it belongs to no document. */
  'group-value-missing': 'error',
  /** A document some of whose rows were kept out, or that may be missing a row nobody could place. */
  'document-incomplete': 'error',
  /** A later row of a document gives a document-level field another value than the first row. */
  'value-differs': 'warning',
  /** A line amount sent differs from quantity × unit price. */
  'amount-mismatch': 'warning',
  /** The file has no rows after its header. */
  'no-rows': 'warning',
} as const satisfies Record<string, DocumentIssueSeverity>;

export type CsvIssueCode = keyof typeof CSV_ISSUE_CODES;

/** Where: always the file and line (the line on which the row starts); the column by name or number. */
export interface CsvLocation extends DocumentLocation {
  fileName: string;
}

export interface CsvIssue {
  code: CsvIssueCode;
  severity: DocumentIssueSeverity;
  message: string;
  location: CsvLocation;
  /** The offending value, when there is one. */
  data?: string;
  /** The document the row belongs to ("ship notice SHP-1001"), when it can be told. */
  document?: string;
}

export function csvIssue(
  code: CsvIssueCode,
  message: string,
  location: CsvLocation,
  extra: { data?: string; document?: string } = {},
): CsvIssue {
  const issue: CsvIssue = { code, severity: CSV_ISSUE_CODES[code], message, location };
  if (extra.data !== undefined) issue.data = extra.data;
  if (extra.document !== undefined) issue.document = extra.document;
  return issue;
}

/** `file:line: message` (messages name their column), as a person reading a log or a mail wants it. */
export function formatCsvIssue(issue: CsvIssue): string {
  return `${issue.location.fileName}:${issue.location.line}: ${issue.message}`;
}
