// The ERP's side of a reconciliation: its purchase orders and, where it records them, its goods receipts.
// Every adapter answers in the canonical shapes, so the reconciliation never knows which ERP it talks to.
import type { Decimal, IsoDate, ProductIds, Trace } from '../documents/common.ts';
import type { PurchaseOrder } from '../documents/purchase-order.ts';

/** What the warehouse booked in against a PO line. */
export interface ErpReceipt extends ProductIds {
  poNumber: string;
  /** The ERP's receipt (goods received note) number, when it has one. */
  receiptNumber?: string;
  /** The PO line the receipt is booked against, as the ERP numbers it. */
  lineNumber?: string;
  quantityReceived: Decimal;
  unit?: string;
  receivedDate?: IsoDate;
  trace?: Trace;
}

export interface ErpAdapter {
  /** Which kind of adapter this is, for logs and messages. */
  readonly kind: 'postgres' | 'csv-export' | 'http';
  /**
   * The purchase order with its lines, or undefined when the ERP does not know the number. Throws a
   * GatewayError: retryable when the ERP cannot be reached or is busy, not retryable when what it holds for
   * this PO cannot be read (the message names the PO, the line and the field).
   */
  purchaseOrder(poNumber: string): Promise<PurchaseOrder | undefined>;
  /** The goods receipts booked against the PO, in the ERP's order; absent when the adapter is not told where. */
  receipts?(poNumber: string): Promise<ErpReceipt[]>;
  /** Releases connections and file handles; the adapter is not used afterwards. */
  close(): Promise<void>;
}
