// The mismatch report as an Excel workbook for finance: a "Mismatches" sheet with typed cells (numbers are
// numbers, times are dates) under a bold, frozen, filterable header, and a "Summary" sheet with counts and
// amounts at risk by partner and by type. Written with exceljs; the tests read it back with SheetJS.
import ExcelJS from 'exceljs';
import type { MismatchReport, MismatchReportRow, SummaryGroup } from './mismatch-report.ts';
import { REPORT_COLUMNS, amountOf, documentsText, filterLines, summarize } from './mismatch-report.ts';
import { setZipEntryDates } from './zip-dates.ts';

/** Two decimals with grouping; the cell keeps the exact value, the format only rounds what is shown. */
export const AMOUNT_FORMAT = '#,##0.00';
/** Times are UTC, as the column headers say: Excel dates carry no time zone. */
export const DATE_FORMAT = 'yyyy-mm-dd hh:mm:ss';

// At least 10: exceljs leaves out a column of exactly its default width 9, and readers then guess one.
const MIN_WIDTH = 10;
const MAX_WIDTH = 60;
const DATE_WIDTH = 20;

type ColumnKey = (typeof REPORT_COLUMNS)[number]['key'];
type CellValue = string | number | Date | null;

export async function renderMismatchXlsx(report: MismatchReport): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Dockside';
  workbook.lastModifiedBy = 'Dockside';
  workbook.created = report.generatedAt;
  workbook.modified = report.generatedAt;

  addMismatchesSheet(workbook, report.rows);
  addSummarySheet(workbook, report);

  const written = await workbook.xlsx.writeBuffer();
  return setZipEntryDates(Buffer.from(written), report.generatedAt);
}

function addMismatchesSheet(workbook: ExcelJS.Workbook, rows: readonly MismatchReportRow[]): void {
  const sheet = workbook.addWorksheet('Mismatches', { views: [{ state: 'frozen', ySplit: 1 }] });
  const values = rows.map((row) => REPORT_COLUMNS.map((c) => cellValue(row, c.key)));
  sheet.columns = REPORT_COLUMNS.map((c, i) => ({
    header: c.label,
    key: c.key,
    width: widthOf(
      c.label,
      values.map((v) => v[i] ?? null),
    ),
    style: styleOf(c.key),
  }));
  for (const v of values) sheet.addRow(v);
  sheet.getRow(1).font = { bold: true };
  sheet.autoFilter = {
    from: { row: 1, column: 1 },
    to: { row: Math.max(1, rows.length + 1), column: REPORT_COLUMNS.length },
  };
}

function cellValue(row: MismatchReportRow, key: ColumnKey): CellValue {
  switch (key) {
    case 'id':
      return row.id;
    // Number() of canonical decimal text is the double nearest to it, the closest value a cell can hold;
    // amounts are never added up as floats (the Summary sums the decimal text first).
    case 'amountAtRisk':
      return Number(amountOf(row));
    case 'documents':
      return documentsText(row.documents);
    case 'detectedAt':
    case 'updatedAt':
    case 'decidedAt':
      return row[key] ?? null;
    default:
      return row[key] ?? null;
  }
}

function styleOf(key: ColumnKey): Partial<ExcelJS.Style> {
  if (key === 'amountAtRisk') return { numFmt: AMOUNT_FORMAT };
  if (key === 'detectedAt' || key === 'updatedAt' || key === 'decidedAt') return { numFmt: DATE_FORMAT };
  // Long text wraps within its column (a message may hold line breaks) instead of running over the next.
  if (key === 'message' || key === 'documents' || key === 'comment') {
    return { alignment: { wrapText: true, vertical: 'top' } };
  }
  return {};
}

/** Wide enough for the header and the longest value, within bounds so a long message does not hide the rest. */
function widthOf(header: string, values: readonly CellValue[]): number {
  let longest = header.length;
  for (const v of values) {
    const length =
      v instanceof Date ? DATE_WIDTH : typeof v === 'number' ? v.toFixed(2).length + 2 : (v ?? '').length;
    longest = Math.max(longest, length);
  }
  return Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, longest + 2));
}

function addSummarySheet(workbook: ExcelJS.Workbook, report: MismatchReport): void {
  const sheet = workbook.addWorksheet('Summary');
  const summary = summarize(report.rows);
  sheet.columns = [{ width: 24 }, { width: 28 }, { width: 10 }, { width: 18 }];

  sheet.addRow(['Mismatch report']).font = { bold: true, size: 14 };
  dateRow(sheet, 'Generated (UTC)', report.generatedAt);
  const [from, to, partner, status] = filterLines(report.filter);
  if (report.filter.from) dateRow(sheet, 'From (UTC)', report.filter.from);
  else sheet.addRow([from?.label, from?.value]);
  if (report.filter.to) dateRow(sheet, 'To (UTC)', report.filter.to);
  else sheet.addRow([to?.label, to?.value]);
  sheet.addRow([partner?.label, partner?.value]);
  sheet.addRow([status?.label, status?.value]);
  sheet.addRow(['Mismatches', report.rows.length]);

  groupTable(sheet, 'By partner', 'Partner', summary.byPartner);
  groupTable(sheet, 'By type', 'Type', summary.byType);
  groupTable(
    sheet,
    'Total',
    'Scope',
    summary.totals.map((t) => ({ key: 'All mismatches', ...t })),
  );
}

function dateRow(sheet: ExcelJS.Worksheet, label: string, date: Date): void {
  const row = sheet.addRow([label, date]);
  row.getCell(2).numFmt = DATE_FORMAT;
  row.getCell(2).alignment = { horizontal: 'left' };
}

/** A titled block: key | currency | count | amount at risk, one row per group. */
function groupTable(
  sheet: ExcelJS.Worksheet,
  title: string,
  keyLabel: string,
  groups: readonly SummaryGroup[],
): void {
  sheet.addRow([]);
  sheet.addRow([title]).font = { bold: true };
  sheet.addRow([keyLabel, 'Currency', 'Count', 'Amount at risk']).font = { bold: true };
  for (const g of groups) {
    const row = sheet.addRow([g.key, g.currency || null, g.count, Number(g.amountAtRisk)]);
    row.getCell(4).numFmt = AMOUNT_FORMAT;
  }
}
