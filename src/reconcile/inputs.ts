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
