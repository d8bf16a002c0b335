import type {
  Carrier,
  Decimal,
  DocumentSource,
  IsoDate,
  Party,
  ProductIds,
  QualifiedDate,
  Reference,
  Trace,
} from './common.ts';

/**
 * A purchase order acknowledgment (X12 855): the supplier's answer to a purchase order, line by line:
 * accepted, changed (quantity, price, date), backordered or rejected.
 */
export interface PurchaseOrderAck {
  type: 'purchase-order-ack';
  schemaVersion: 1;
  partnerId: string;
  /** BAK03: the purchase order acknowledged. */
  poNumber: string;
  /** The business key storage indexes: `[poNumber]`. */
  poNumbers: string[];
  /** BAK04: the date of the purchase order. */
  poDate: IsoDate;
  /** BAK01 purpose code ("00" original, "05" replace), as sent. */
  purposeCode?: string;
  /**
   * BAK02 acknowledgment type code, as sent: "AC" with detail and change, "AD" with detail no change, "AK"
   * no detail or change, "RD" rejected with detail, "RJ" rejected no detail…
   */
  acknowledgmentTypeCode: string;
  /** BAK05. */
  releaseNumber?: string;
  /** BAK08: the seller's order number. */
  sellerOrderNumber?: string;
  /** BAK09. */
  acknowledgmentDate?: IsoDate;
  currency?: string;
  carrier?: Carrier;
  parties: Party[];
  references: Reference[];
  dates: QualifiedDate[];
  lines: PurchaseOrderAckLine[];
  totals: PurchaseOrderAckTotals;
  source: DocumentSource;
}

/**
 * What the supplier says of a line (ACK01, interpreted): `accepted` IA AC AR AA IE SP; `changed` IC IS
 * (changes not named); `quantity-changed` IQ; `price-changed` IP; `date-changed` DR; `backordered` IB BP;
 * `rejected` IR ID R1–R8; `on-hold` IH IF IW; `other` any other code.
 */
export type LineAckStatus =
  | 'accepted'
  | 'changed'
  | 'quantity-changed'
  | 'price-changed'
  | 'date-changed'
  | 'backordered'
  | 'rejected'
  | 'on-hold'
  | 'other';

export interface LineAck {
  status: LineAckStatus;
  /** ACK01 as sent. */
  statusCode: string;
  /** ACK02, ACK03: the quantity this status applies to (a line may be part accepted, part backordered). */
  quantity?: Decimal;
  unit?: string;
  /** ACK04, ACK05: the date the status names (068 current schedule ship, 067 current schedule delivery…). */
  dateQualifier?: string;
  date?: IsoDate;
  /** ACK07/08… pairs: product ids of a substitute or a corrected item, as sent. */
  ids: { qualifier: string; value: string }[];
  /** DTMs of the ACK loop. */
  dates: QualifiedDate[];
  trace?: Trace;
}

export interface PurchaseOrderAckLine extends ProductIds {
  /** PO101 assigned identification, as sent. */
  lineNumber?: string;
  /** PO102, PO103: the quantity of the order line. */
  quantityOrdered: Decimal;
  unit: string;
  /** PO104: the price the supplier acknowledges. */
  unitPrice?: Decimal;
  priceBasis?: string;
  /** quantityOrdered × unitPrice, exactly, when there is a price. */
  lineAmount?: Decimal;
  description?: string;
  /** Every ACK of the line, in order. */
  acknowledgments: LineAck[];
  references: Reference[];
  /** DTMs of the PO1 loop (not those of its ACK loops). */
  dates: QualifiedDate[];
  trace?: Trace;
}

export interface PurchaseOrderAckTotals {
  /** CTT01: number of lines the sender counted. */
  lineCount?: number;
  /** CTT02: hash total (sum of the quantities) as sent. */
  quantityTotal?: Decimal;
  trace?: Trace;
}
