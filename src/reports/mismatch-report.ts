// The mismatch report as the renderers see it: rows already selected and mapped from the store, plus the
// filter that selected them. Everything here is shared by the CSV, XLSX and HTML renderers so the three
// formats show the same columns, the same document text and the same totals.
import { addDecimals, normalizeDecimal } from '../documents/index.ts';
import type { DocumentRef, MismatchSeverity, MismatchStatus, MismatchType } from '../reconcile/index.ts';
import { MISMATCH_TYPES } from '../reconcile/index.ts';

export { MISMATCH_STATUSES, type MismatchStatus } from '../reconcile/index.ts';

export interface MismatchReportRow {
  id: number;
  partnerId: string;
  poNumber: string;
  type: MismatchType;
  severity: MismatchSeverity;
  status: MismatchStatus;
  expected: string;
  actual: string;
  /** Exact decimal as text, e.g. "123.45"; never negative. */
  amountAtRisk: string;
  /** ISO 4217. */
  currency?: string;
  message: string;
  /** First = the document/line the mismatch is about. */
  documents: DocumentRef[];
  /** First seen. */
  detectedAt: Date;
  updatedAt: Date;
  /** Who accepted, disputed or resolved it. */
  decidedBy?: string;
  decidedAt?: Date;
  comment?: string;
}

export interface MismatchReport {
  rows: MismatchReportRow[];
  generatedAt: Date;
  /** The filter the rows were selected with, printed in the report's header. */
  filter: { from?: Date; to?: Date; partner?: string; status?: MismatchStatus[] };
}

/**
 * The columns of every format, in order. `csv` names are for tools (stable, snake_case); `label` is what
 * people read in the workbook and the page.
 */
export const REPORT_COLUMNS = [
  { key: 'id', csv: 'id', label: 'ID' },
  { key: 'partnerId', csv: 'partner', label: 'Partner' },
  { key: 'poNumber', csv: 'po_number', label: 'PO number' },
  { key: 'type', csv: 'type', label: 'Type' },
  { key: 'severity', csv: 'severity', label: 'Severity' },
  { key: 'status', csv: 'status', label: 'Status' },
  { key: 'expected', csv: 'expected', label: 'Expected' },
  { key: 'actual', csv: 'actual', label: 'Actual' },
  { key: 'amountAtRisk', csv: 'amount_at_risk', label: 'Amount at risk' },
  { key: 'currency', csv: 'currency', label: 'Currency' },
  { key: 'message', csv: 'message', label: 'Message' },
  { key: 'documents', csv: 'documents', label: 'Documents' },
  { key: 'detectedAt', csv: 'detected_at', label: 'Detected (UTC)' },
  { key: 'updatedAt', csv: 'updated_at', label: 'Updated (UTC)' },
  { key: 'decidedBy', csv: 'decided_by', label: 'Decided by' },
  { key: 'decidedAt', csv: 'decided_at', label: 'Decided (UTC)' },
  { key: 'comment', csv: 'comment', label: 'Comment' },
] as const satisfies readonly { key: keyof MismatchReportRow; csv: string; label: string }[];

/**
 * The amount at risk in canonical form ("0", "123.45"). A value that is not a non-negative decimal is a bug in
 * whatever mapped the row, so it is refused loudly rather than printed as something finance might pay.
 */
export function amountOf(row: Pick<MismatchReportRow, 'id' | 'amountAtRisk'>): string {
  const amount = /^\d*\.?\d*$/.test(row.amountAtRisk.trim()) ? normalizeDecimal(row.amountAtRisk) : undefined;
  if (amount === undefined) {
    throw new RangeError(
      `mismatch ${row.id}: amount at risk is not a non-negative decimal: "${row.amountAtRisk}"`,
    );
  }
  return amount;
}

/** Plain decimal text with at least two decimals ("170" -> "170.00") and never fewer than the exact value has. */
export function plainAmount(amount: string): string {
  const [whole = '0', fraction = ''] = amount.split('.');
  return `${whole}.${fraction.padEnd(2, '0')}`;
}

/** "advance-ship-notice 12 line 2; purchase-order HM45 line 2". */
export function documentsText(documents: readonly DocumentRef[]): string {
  return documents.map(documentText).join('; ');
}

/** "purchase-order HM45 line 2", "invoice 18 item VP:AW-1001 #3". */
export function documentText(ref: DocumentRef): string {
  const parts = [ref.documentType, ref.documentId];
  if (ref.lineNumber !== undefined) parts.push(`line ${ref.lineNumber}`);
  else if (ref.item !== undefined) parts.push(`item ${ref.item}`);
  if (ref.lineNumber === undefined && ref.ordinal !== undefined) parts.push(`#${ref.ordinal}`);
  return parts.join(' ');
}

/** One line per part of the filter, for the header of the workbook and the page. */
export function filterLines(filter: MismatchReport['filter']): { label: string; value: string }[] {
  return [
    { label: 'From', value: filter.from ? filter.from.toISOString() : 'any time' },
    { label: 'To', value: filter.to ? filter.to.toISOString() : 'any time' },
    { label: 'Partner', value: filter.partner ?? 'all partners' },
    {
      label: 'Status',
      value: filter.status && filter.status.length > 0 ? filter.status.join(', ') : 'all statuses',
    },
  ];
}

export interface SummaryGroup {
  /** The partner id or the mismatch type. */
  key: string;
  /** Amounts are never added across currencies; "" when the rows name none. */
  currency: string;
  count: number;
  /** Exact decimal sum of the rows' amounts at risk. */
  amountAtRisk: string;
}

export interface ReportSummary {
  byPartner: SummaryGroup[];
  byType: SummaryGroup[];
  /** Total amount at risk per currency, in currency order. */
  totals: { currency: string; count: number; amountAtRisk: string }[];
}

/**
 * Counts and exact totals by partner and by type, one group per currency. Partners in alphabetical order,
 * types in the order of MISMATCH_TYPES (the order docs/reconciliation.md lists them), currencies alphabetical
 * within each.
 */
export function summarize(rows: readonly MismatchReportRow[]): ReportSummary {
  const typeRank = new Map<string, number>(MISMATCH_TYPES.map((t, i) => [t, i]));
  const byPartner = group(
    rows,
    (r) => r.partnerId,
    (a, b) => (a < b ? -1 : a > b ? 1 : 0),
  );
  const byType = group(
    rows,
    (r) => r.type,
    (a, b) => (typeRank.get(a) ?? 0) - (typeRank.get(b) ?? 0),
  );
  const totals = group(
    rows,
    () => '',
    () => 0,
  ).map(({ currency, count, amountAtRisk }) => ({
    currency,
    count,
    amountAtRisk,
  }));
  return { byPartner, byType, totals };
}

function group(
  rows: readonly MismatchReportRow[],
  keyOf: (row: MismatchReportRow) => string,
  compareKeys: (a: string, b: string) => number,
): SummaryGroup[] {
  const groups = new Map<string, SummaryGroup>();
  for (const row of rows) {
    const key = keyOf(row);
    const currency = row.currency ?? '';
    const id = JSON.stringify([key, currency]);
    const g = groups.get(id) ?? { key, currency, count: 0, amountAtRisk: '0' };
    g.count += 1;
    g.amountAtRisk = addDecimals(g.amountAtRisk, amountOf(row));
    groups.set(id, g);
  }
  return [...groups.values()].sort(
    (a, b) => compareKeys(a.key, b.key) || (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0),
  );
}
