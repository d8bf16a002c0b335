// The mismatch report as RFC 4180 CSV, for tools: one header row, one record per mismatch, CRLF line ends,
// ISO 8601 UTC timestamps and amounts as plain decimals (no grouping, no currency sign).
import type { MismatchReport, MismatchReportRow } from './mismatch-report.ts';
import { REPORT_COLUMNS, amountOf, documentsText, plainAmount } from './mismatch-report.ts';

const CRLF = '\r\n';

export function renderMismatchCsv(report: MismatchReport): string {
  const header = REPORT_COLUMNS.map((c) => field(c.csv));
  const records = report.rows.map((row) => REPORT_COLUMNS.map((c) => cell(row, c.key)));
  return [header, ...records].map((r) => r.join(',') + CRLF).join('');
}

function cell(row: MismatchReportRow, key: (typeof REPORT_COLUMNS)[number]['key']): string {
  switch (key) {
    case 'id':
      return String(row.id);
    // The amount is a number the tools must read as one, so it is never prefixed; amountOf guarantees it
    // is digits and a point only, so it cannot start a formula either.
    case 'amountAtRisk':
      return plainAmount(amountOf(row));
    case 'documents':
      return field(documentsText(row.documents));
    case 'detectedAt':
    case 'updatedAt':
    case 'decidedAt':
      return row[key]?.toISOString() ?? '';
    default:
      return field(row[key] ?? '');
  }
}

/**
 * A text field, neutralised and quoted. Spreadsheets run a cell that starts with = + - @ (or a tab or CR
 * that hides one) as a formula, and partner data — PO numbers, messages quoting a document — reaches this
 * file, so such a cell gets a leading apostrophe (OWASP's advice for CSV injection).
 */
function field(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
