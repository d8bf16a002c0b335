// A fixed report for the renderer tests: two partners, three currencies counting "none", every status, a
// decided row, and values that need quoting, escaping or neutralising.
import type { MismatchReport, MismatchReportRow } from '../../../src/reports/index.ts';

const at = (iso: string) => new Date(iso);

export const ROWS: MismatchReportRow[] = [
  {
    id: 1,
    partnerId: 'acme',
    poNumber: 'HM4500123456',
    type: 'short-shipment',
    severity: 'warning',
    status: 'open',
    expected: '240 EA',
    actual: '200 EA',
    amountAtRisk: '170',
    currency: 'USD',
    message: 'Line 2 shipped 200 EA of 240 EA ordered.',
    documents: [
      { documentType: 'purchase-order', documentId: 'HM4500123456', lineNumber: '2' },
      { documentType: 'advance-ship-notice', documentId: '12', lineNumber: '2' },
    ],
    detectedAt: at('2026-12-01T09:30:00Z'),
    updatedAt: at('2026-12-01T09:30:00Z'),
  },
  {
    id: 2,
    partnerId: 'acme',
    poNumber: 'HM4500123456',
    type: 'unit-price-variance',
    severity: 'error',
    status: 'disputed',
    expected: '4.25',
    actual: '4.40',
    amountAtRisk: '36.00',
    currency: 'USD',
    message: 'Invoice line 3 is priced 4.40, the order says 4.25.',
    documents: [
      { documentType: 'invoice', documentId: '18', lineNumber: '3' },
      { documentType: 'purchase-order', documentId: 'HM4500123456', lineNumber: '3' },
    ],
    detectedAt: at('2026-12-01T10:15:42Z'),
    updatedAt: at('2026-12-02T08:00:00Z'),
    decidedBy: 'jane.doe',
    decidedAt: at('2026-12-02T08:00:00Z'),
    comment: 'Supplier quotes the "list price", we disagree',
  },
  {
    id: 3,
    partnerId: 'globex',
    poNumber: 'PO-7,001',
    type: 'invoice-total',
    severity: 'error',
    status: 'accepted',
    expected: '1024.00',
    actual: '1025.50',
    amountAtRisk: '1.5',
    currency: 'EUR',
    message: 'Stated total 1025.50\ncomputed 1024.00',
    documents: [{ documentType: 'invoice', documentId: '44' }],
    detectedAt: at('2026-12-03T23:59:59Z'),
    updatedAt: at('2026-12-04T07:01:02Z'),
    decidedBy: 'bob',
    decidedAt: at('2026-12-04T07:01:02Z'),
  },
  {
    id: 4,
    partnerId: 'globex',
    poNumber: '-5',
    type: 'duplicate-asn',
    severity: 'warning',
    status: 'resolved',
    expected: '=1+1',
    actual: '@SUM(A1)',
    amountAtRisk: '0',
    message: '+ship notice repeats shipment SH-9',
    documents: [{ documentType: 'advance-ship-notice', documentId: '31', item: 'VP:AW-1001', ordinal: 2 }],
    detectedAt: at('2026-12-04T12:00:00Z'),
    updatedAt: at('2026-12-05T12:00:00Z'),
    comment: '\tleading tab',
  },
  {
    id: 5,
    partnerId: 'acme',
    poNumber: '<script>alert(1)</script>',
    type: 'unit-price-variance',
    severity: 'error',
    status: 'open',
    expected: '10.00',
    actual: '10.50 & more',
    amountAtRisk: '1234567.891',
    currency: 'USD',
    message: 'Price "<b>" differs',
    documents: [{ documentType: 'invoice', documentId: '19', lineNumber: '1' }],
    detectedAt: at('2026-12-05T01:02:03Z'),
    updatedAt: at('2026-12-05T01:02:03Z'),
  },
];

export const REPORT: MismatchReport = {
  rows: ROWS,
  generatedAt: at('2026-12-06T10:00:00Z'),
  filter: { from: at('2026-12-01T00:00:00Z'), status: ['open', 'disputed', 'accepted', 'resolved'] },
};

/** The same report with none of its rows: every renderer must still produce a valid, explained file. */
export const EMPTY_REPORT: MismatchReport = {
  rows: [],
  generatedAt: at('2026-12-06T10:00:00Z'),
  filter: { partner: 'initech', status: ['open'] },
};
