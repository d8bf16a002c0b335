// Finance's mismatch reports (docs/reports.md): the same rows as CSV for tools, an XLSX workbook and a
// standalone HTML page with a chart.
export { renderMismatchCsv } from './mismatch-csv.ts';
export { renderMismatchXlsx } from './mismatch-xlsx.ts';
export { renderMismatchHtml } from './mismatch-html.ts';
export { MISMATCH_STATUSES, REPORT_COLUMNS, documentsText, summarize } from './mismatch-report.ts';
export type {
  MismatchReport,
  MismatchReportRow,
  MismatchStatus,
  ReportSummary,
  SummaryGroup,
} from './mismatch-report.ts';
