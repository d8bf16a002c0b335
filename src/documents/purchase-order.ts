import type {
  Carrier,
  ChargeAllowance,
  Decimal,
  DocumentSource,
  IsoDate,
  Party,
  PaymentTerms,
  ProductIds,
  QualifiedDate,
  Reference,
  Tax,
  Trace,
} from './common.ts';

/** A purchase order (X12 850): what the buyer orders, the ERP's side of every reconciliation. */
export interface PurchaseOrder {
  type: 'purchase-order';
  schemaVersion: 1;
  partnerId: string;
  /** BEG03: the business key. */
  poNumber: string;
  /** BEG05. */
  poDate: IsoDate;
  /** BEG01 purpose code ("00" original, "05" replace, "01" cancellation), as sent. */
  purposeCode?: string;
  /** BEG02 order type code ("SA" stand-alone, "RL" release, "DS" drop ship), as sent. */
  orderTypeCode?: string;
  /** BEG04. */
  releaseNumber?: string;
  currency?: string;
  /** DTM 002 (delivery requested) and DTM 010 (requested ship). */
  requestedDeliveryDate?: IsoDate;
  requestedShipDate?: IsoDate;
  carrier?: Carrier;
  /** FOB01 shipment method of payment. */
  paymentMethod?: string;
  parties: Party[];
  references: Reference[];
  dates: QualifiedDate[];
  terms: PaymentTerms[];
  charges: ChargeAllowance[];
  taxes: Tax[];
  lines: PurchaseOrderLine[];
  totals: PurchaseOrderTotals;
  source: DocumentSource;
}

export interface PurchaseOrderLine extends ProductIds {
  /** PO101 assigned identification, as sent. */
  lineNumber?: string;
  quantityOrdered: Decimal;
  unit: string;
  unitPrice?: Decimal;
  priceBasis?: string;
  /** quantityOrdered × unitPrice, exactly, when there is a price. */
  lineAmount?: Decimal;
  description?: string;
  /** PO4: units per pack (PO401) and inner pack (PO414) for cartonisation checks. */
  packSize?: Decimal;
  innerPack?: Decimal;
  /** SDQ: quantities by destination (store allocation of a cross-dock order). */
  destinations: { locationQualifier?: string; location: string; quantity: Decimal }[];
  dates: QualifiedDate[];
  charges: ChargeAllowance[];
  trace?: Trace;
}

export interface PurchaseOrderTotals {
  /** CTT01: number of lines the sender counted. */
  lineCount?: number;
  /** CTT02: hash total (sum of the quantities) as sent. */
  quantityTotal?: Decimal;
  /** AMT TT, when sent. */
  totalAmount?: Decimal;
  trace?: Trace;
}
