import type {
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

/** An invoice (X12 810): what the supplier bills, line by line, with charges, allowances, taxes and totals. */
export interface Invoice {
  type: 'invoice';
  schemaVersion: 1;
  partnerId: string;
  /** BIG02: the business key, unique per supplier. */
  invoiceNumber: string;
  /** BIG01. */
  invoiceDate: IsoDate;
  /** The purchase order(s) billed: BIG04, then any line-level REF PO not already listed, each once. */
  poNumbers: string[];
  /** BIG03: date of the (first) purchase order. */
  poDate?: IsoDate;
  /** BIG07 transaction type code ("DI" debit invoice, "CR" credit memo), as sent. */
  transactionTypeCode?: string;
  /** BIG08 purpose code, as sent. */
  purposeCode?: string;
  /** ISO 4217 currency (CUR02 when CUR01 is the seller or buyer); absent when the partner sends none. */
  currency?: string;
  /** The shipment billed, when named: bill of lading (REF BM) and shipment id (REF SI). */
  billOfLading?: string;
  shipmentId?: string;
  /** DTM 011. */
  shipDate?: IsoDate;
  parties: Party[];
  references: Reference[];
  dates: QualifiedDate[];
  terms: PaymentTerms[];
  lines: InvoiceLine[];
  /** Charges and allowances of the whole invoice (SAC after the lines). */
  charges: ChargeAllowance[];
  /** Taxes of the whole invoice (TXI after the lines). */
  taxes: Tax[];
  totals: InvoiceTotals;
  source: DocumentSource;
}

export interface InvoiceLine extends ProductIds {
  /** IT101 assigned identification, as sent. */
  lineNumber?: string;
  quantityInvoiced: Decimal;
  unit: string;
  unitPrice: Decimal;
  /** IT105 basis of unit price code ("PE" price per each), as sent. */
  priceBasis?: string;
  /** quantityInvoiced × unitPrice, exactly (X12 does not carry it; CSV may, and then it is checked). */
  lineAmount: Decimal;
  /** A line-level purchase order number (REF PO in the IT1 loop), when the invoice covers several. */
  poNumber?: string;
  description?: string;
  charges: ChargeAllowance[];
  taxes: Tax[];
  trace?: Trace;
}

export interface InvoiceTotals {
  /** TDS01: the total amount of the invoice, charges, allowances and taxes included. */
  totalAmount: Decimal;
  /** TDS02: amount subject to terms discount. */
  amountSubjectToDiscount?: Decimal;
  /** TDS03: amount after terms discount. */
  discountedAmount?: Decimal;
  /** TDS04: the terms discount. */
  termsDiscountAmount?: Decimal;
  /** CTT01: number of lines the sender counted. */
  lineCount?: number;
  trace?: Trace;
}
