// What reconciliation reports: one mismatch per problem, as data the store keeps and finance reviews. The key
// is the mismatch's identity across runs, so a re-run after the ERP or a partner sent new data updates or
// clears the same row instead of adding a new one.

export const MISMATCH_TYPES = [
  'unknown-po',
  'item-not-on-po',
  'over-shipment',
  'short-shipment',
  'uom-mismatch',
  'duplicate-asn',
  'unit-price-variance',
  'invoiced-over-shipped',
  'invoice-without-asn',
  'line-extension',
  'invoice-total',
  'duplicate-invoice',
  'currency-mismatch',
  'terms-mismatch',
] as const;

export type MismatchType = (typeof MISMATCH_TYPES)[number];

/** The lifecycle of a stored mismatch: open until finance accepts, disputes or resolves it
 * (docs/reconciliation.md). */
export const MISMATCH_STATUSES = ['open', 'accepted', 'disputed', 'resolved'] as const;
export type MismatchStatus = (typeof MISMATCH_STATUSES)[number];

/** `error`: do not pay as billed until resolved; `warning`: review, usually a business exception. */
export type MismatchSeverity = 'error' | 'warning';

export type ReconciledDocumentType = 'purchase-order' | 'advance-ship-notice' | 'invoice';

/** A document, or one line or item of it, that a mismatch is about. */
export interface DocumentRef {
  documentType: ReconciledDocumentType;
  /** The caller's id (the stored document id); for the purchase order, its PO number. */
  documentId: string;
  /** The line as the document numbers it (PO101, IT101, LIN01), when it does. */
  lineNumber?: string;
  /** The item as identified on that document ("VP:AW-1001", "GTIN:00012345678905"). */
  item?: string;
  /** 1-based position of an unnumbered line among the document's lines, to tell apart repeats of one item. */
  ordinal?: number;
  /** Where in the file the line or document is (for X12 the file line and segment position). */
  trace?: { line: number; position?: number };
}

export interface Mismatch {
  /** Stable identity: PO + type + the document and line it is about (see `mismatchKey`). */
  key: string;
  type: MismatchType;
  severity: MismatchSeverity;
  poNumber: string;
  /** What the purchase order (or the rule) expects, and what the partner's document says, as text. */
  expected: string;
  actual: string;
  /** Money that would be overpaid or is in doubt if the documents were accepted as they are; never negative. */
  amountAtRisk: string;
  /** The currency of `amountAtRisk`: the PO's, else the invoice's; absent when neither names one. */
  currency?: string;
  /** The document and line the mismatch is about first, then any others involved. */
  documents: DocumentRef[];
  message: string;
}

/**
 * The key of a mismatch. Readable rather than hashed so a row can be traced by eye; parts are URI-encoded so
 * a "|" in a PO number cannot make two different mismatches share a key.
 */
export function mismatchKey(poNumber: string, type: MismatchType, subject: DocumentRef): string {
  const line =
    subject.lineNumber !== undefined
      ? `line:${subject.lineNumber}`
      : `${subject.item ?? ''}${subject.ordinal !== undefined ? `#${subject.ordinal}` : ''}`;
  return [poNumber, type, subject.documentType, subject.documentId, line].map(encodeURIComponent).join('|');
}
