import type { Decimal, DocumentSource, IsoDate, Measure, Party, Reference, Trace } from './common.ts';
import type { FreightTotals, LadingDescription, TransportDate } from './transport.ts';

/** A motor carrier freight invoice (X12 210): what a carrier bills for a shipment. */
export interface FreightInvoice {
  type: 'freight-invoice';
  schemaVersion: 1;
  partnerId: string;
  /** B302: the carrier's invoice number, the business key. */
  invoiceNumber: string;
  /** B303: the shipment billed (the 204's B204). */
  shipmentId?: string;
  /** B311: the carrier billing. */
  scac: string;
  /** B301 shipment qualifier as sent. */
  shipmentQualifier?: string;
  /** B304 shipment method of payment as sent ("PP" prepaid, "CC" collect, "TP" third party). */
  paymentMethod?: string;
  /** B305 weight unit code as sent ("L" pounds, "K" kilograms). */
  weightUnit?: string;
  /** B306. */
  billingDate: IsoDate;
  /** B307 (N2): the amount the carrier asks to be paid. */
  netAmountDue: Decimal;
  /** B308 correction indicator as sent. */
  correctionIndicator?: string;
  /** B309 with its date/time qualifier B310 as sent ("035" delivered). */
  deliveryDate?: IsoDate;
  deliveryDateQualifier?: string;
  /** C301. */
  currency?: string;
  /** N9 or L11 BM in the heading. */
  billOfLading?: string;
  /** Every N9 or L11 PO and OID02 in the set, each once, in order. */
  poNumbers: string[];
  /** N9 (004010) and L11 (005010) of the heading. */
  references: Reference[];
  /** G62 of the heading. */
  dates: TransportDate[];
  /** Heading N1 loops (shipper, consignee, bill-to). */
  parties: Party[];
  lines: FreightInvoiceLine[];
  /** L3. */
  totals?: FreightTotals;
  source: DocumentSource;
}

/** An LX loop: one billed item, with its description, quantities and charges. */
export interface FreightInvoiceLine {
  /** LX01. */
  assignedNumber?: number;
  /** L5. */
  descriptions: LadingDescription[];
  /** L0. */
  quantities: LadingQuantity[];
  /** L1. */
  charges: FreightCharge[];
  /** N9 or L11 in the loop. */
  references: Reference[];
  trace?: Trace;
}

/** Line item quantity and weight (X12 L0). */
export interface LadingQuantity {
  /** L001 lading line item number. */
  lineNumber?: number;
  /** L002 billed or rated-as quantity with its qualifier L003 in `unit`. */
  billedQuantity?: Measure;
  /** L004 with its qualifier L005 ("G" gross) and unit L011 ("L" pounds). */
  weight?: Decimal;
  weightQualifier?: string;
  weightUnit?: string;
  /** L006 with its unit L007. */
  volume?: Measure;
  /** L008 lading quantity with its packaging form code L009 ("CTN", "PLT"). */
  ladingQuantity?: number;
  packagingCode?: string;
  trace?: Trace;
}

/**
 * A rate and charge (X12 L1). The rate (L102) and the percent (L119) are R elements, kept as sent; the
 * charge (L104), advances (L105), prepaid amount (L106), declared value (L114) and amount (L121) are N2.
 */
export interface FreightCharge {
  /** L101 lading line item number. */
  lineNumber?: number;
  freightRate?: Decimal;
  /** L103 rate/value qualifier as sent ("PH" per hundredweight, "FR" flat rate, "PM" per mile). */
  rateQualifier?: string;
  charge?: Decimal;
  advances?: Decimal;
  prepaidAmount?: Decimal;
  /** L108 special charge or allowance code as sent ("FUE" fuel surcharge, "SOC" stop-off). */
  specialChargeCode?: string;
  /** L112 special charge description. */
  description?: string;
  declaredValue?: Decimal;
  /** L117 billed or rated-as quantity with its qualifier L118 in `unit`. */
  billedQuantity?: Measure;
  percent?: Decimal;
  /** L120. */
  currency?: string;
  amount?: Decimal;
  trace?: Trace;
}
