// The mismatch report read from the store: what `dockside report mismatches` and the API's export both
// render, so a file downloaded from the console is the file the CLI writes for the same filter.
import type { Queryable } from '../store/db.ts';
import { allMismatches, type MismatchFilter } from '../store/queries/mismatches.ts';
import type { MismatchReport } from './mismatch-report.ts';

export async function loadMismatchReport(
  db: Queryable,
  filter: MismatchFilter,
  generatedAt: Date,
): Promise<MismatchReport> {
  const rows = await allMismatches(db, filter);
  return {
    generatedAt,
    filter: {
      ...(filter.from ? { from: filter.from } : {}),
      ...(filter.to ? { to: filter.to } : {}),
      ...(filter.partnerId ? { partner: filter.partnerId } : {}),
      ...(filter.statuses ? { status: [...filter.statuses] } : {}),
    },
    // Oldest first reads as a history; the store lists newest first.
    rows: rows.reverse().map((m) => ({
      id: m.id,
      partnerId: m.partnerId,
      poNumber: m.poNumber,
      type: m.type,
      severity: m.severity,
      status: m.status,
      expected: m.expected,
      actual: m.actual,
      amountAtRisk: m.amountAtRisk,
      ...(m.currency ? { currency: m.currency } : {}),
      message: m.message,
      documents: m.documents,
      detectedAt: m.detectedAt,
      updatedAt: m.updatedAt,
      ...(m.decidedBy ? { decidedBy: m.decidedBy } : {}),
      ...(m.decidedAt ? { decidedAt: m.decidedAt } : {}),
      ...(m.comment ? { comment: m.comment } : {}),
    })),
  };
}
