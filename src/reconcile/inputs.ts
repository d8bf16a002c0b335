import type { AdvanceShipNotice } from '../documents/advance-ship-notice.ts';
import type { Invoice } from '../documents/invoice.ts';
import type { PurchaseOrder } from '../documents/purchase-order.ts';
import type { ReconciliationTolerances } from '../partners/partner.ts';

/** A partner's document as the gateway stored it: the caller's id for it and when it arrived. */
export interface ReceivedDocument<T> {
  id: string;
  receivedAt: Date;
  document: T;
}

export interface ReconcileInput {
  /** The PO number the documents reference (the ERP's key). */
  poNumber: string;
  /** The ERP's purchase order, or undefined when the ERP does not know the PO number. */
  purchaseOrder: PurchaseOrder | undefined;
  /** Every ship notice that names the PO, in any order. */
  shipNotices: readonly ReceivedDocument<AdvanceShipNotice>[];
  /**
   * Every invoice that names the PO, in any order, plus any other invoice of the same partner with the same
   * invoice number (a duplicate that names another PO is only found if it is passed).
   */
  invoices: readonly ReceivedDocument<Invoice>[];
  tolerances: ReconciliationTolerances;
  /** The time of the run: the grace period of an invoice waiting for its ship notice is measured to it. */
  now: Date;
}

/** A stored ship notice or invoice of one PO, as the store reads it back. */
export interface StoredPoDocument {
  id: number;
  type: 'advance-ship-notice' | 'invoice';
  createdAt: Date;
  document: unknown;
}

/** The store's ship notices and invoices of a PO split into the two lists reconcile() takes. */
export function receivedPoDocuments(docs: readonly StoredPoDocument[]): {
  shipNotices: ReceivedDocument<AdvanceShipNotice>[];
  invoices: ReceivedDocument<Invoice>[];
} {
  const shipNotices: ReceivedDocument<AdvanceShipNotice>[] = [];
  const invoices: ReceivedDocument<Invoice>[] = [];
  for (const d of docs) {
    const received = { id: String(d.id), receivedAt: d.createdAt };
    if (d.type === 'advance-ship-notice') {
      shipNotices.push({ ...received, document: d.document as AdvanceShipNotice });
    } else {
      invoices.push({ ...received, document: d.document as Invoice });
    }
  }
  return { shipNotices, invoices };
}
