// Reconciliation of ship notices and invoices against the ERP's purchase orders (docs/reconciliation.md).
export { reconcile } from './reconcile.ts';
export type { ReceivedDocument, ReconcileInput, StoredPoDocument } from './inputs.ts';
export { receivedPoDocuments } from './inputs.ts';
export { DEFAULT_TOLERANCES } from './tolerance.ts';
export { MISMATCH_STATUSES, MISMATCH_TYPES, mismatchKey } from './mismatch.ts';
export type {
  DocumentRef,
  Mismatch,
  MismatchSeverity,
  MismatchStatus,
  MismatchType,
  ReconciledDocumentType,
} from './mismatch.ts';
export { matchPoLine, gtin14 } from './item-match.ts';
