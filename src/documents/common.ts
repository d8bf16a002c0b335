// Shapes shared by every canonical document. A canonical document is partner-independent: whatever the
// partner sent (X12 of any version, CSV), the rest of the gateway sees these types only. They are a contract
// with the CSV bridge and with storage, so they change only by adding optional fields; anything else is a new
// schemaVersion (see docs/documents.md).

/**
 * An exact decimal number as text: an optional minus, digits, and an optional fraction ("4.25", "-12",
 * "0.0125"). Never a JS number: money and quantities must survive a round trip through JSON and a database
 * without binary rounding, and the sender's precision (sub-cent unit prices) is kept. Normalised by
 * `decimal.ts` (no leading zeros, no trailing fraction zeros, no "-0") so equal values compare equal as text.
 */
export type Decimal = string;

/** A calendar date, ISO 8601 `YYYY-MM-DD`. */
export type IsoDate = string;

/** A time of day, `HH:MM` or `HH:MM:SS`. */
export type IsoTime = string;

export type DocumentType =
  | 'advance-ship-notice'
  | 'invoice'
  | 'purchase-order'
  | 'load-tender'
  | 'load-tender-response'
  | 'shipment-status'
  | 'freight-invoice'
  | 'purchase-order-ack'
  | 'warehouse-shipping-order'
  | 'warehouse-shipping-advice'
  | 'inventory-advice';

/**
 * Where a part of a document came from, so a value can be traced back to the bytes that carried it.
 * For X12, `line` is the file line and `position` the segment's position in its transaction set (ST = 1);
 * for CSV, `line` is the line on which the row starts and `position` is absent.
 */
export interface Trace {
  line: number;
  position?: number;
}

/** The document came from an X12 transaction set. */
export interface X12Source {
  kind: 'x12';
  /** ST01: "856", "810", "850". */
  setId: string;
  /** GS08 as sent ("004010", "005010VICS"). */
  version: string;
  /** ISA13, GS06 and ST02 as sent. */
  interchangeControlNumber: string;
  groupControlNumber: string;
  setControlNumber: string;
  /** ISA05/ISA06 and ISA07/ISA08, trailing padding removed. */
  senderQualifier: string;
  senderId: string;
  receiverQualifier: string;
  receiverId: string;
  /** GS02 and GS03. */
  groupSenderCode: string;
  groupReceiverCode: string;
  /** File lines of the ST and the SE (or the last segment read when the set broke off). */
  firstLine: number;
  lastLine: number;
  /** Byte offset of the ST in the file. */
  offset: number;
  /** The receipt the file was stored under, when the pipeline knows it. */
  receiptId?: string;
  fileName?: string;
}

/** The document came from rows of a partner's CSV file. */
export interface CsvSource {
  kind: 'csv';
  fileName: string;
  /** The line on which each row that contributed to the document starts, in file order. */
  lines: number[];
  /** The name of the partner's CSV mapping that read it. */
  mapping?: string;
  receiptId?: string;
}

/** A purchase order read from the ERP (src/erp/), not from a partner's file. */
export interface ErpSource {
  kind: 'erp';
  /** Which adapter read it. */
  adapter: 'postgres' | 'csv-export' | 'http';
  /** What it was read from: the export file's name, "header query", or the URL. */
  name: string;
  /** The line of the export file the PO's header row starts on (csv-export). */
  line?: number;
}

export type DocumentSource = X12Source | CsvSource | ErpSource;

/**
 * What a party does in the transaction. The X12 entity identifier code (N101) is kept in `code` when it was
 * sent; codes without a role of their own map to 'other'.
 */
export type PartyRole =
  | 'ship-to'
  | 'ship-from'
  | 'bill-to'
  | 'remit-to'
  | 'buyer'
  | 'seller'
  | 'supplier'
  | 'vendor'
  | 'manufacturer'
  | 'carrier'
  | 'consignee'
  | 'shipper'
  | 'ordered-by'
  | 'mark-for'
  | 'other';

export interface Address {
  /** N301, N302 and further address lines, in order. */
  lines: string[];
  city?: string;
  /** State or province code. */
  region?: string;
  postalCode?: string;
  /** ISO 3166 country code as sent. */
  country?: string;
}

export interface Party {
  role: PartyRole;
  /** The entity identifier code as sent (N101 "ST"). */
  code?: string;
  name?: string;
  /** Identification code qualifier (N103: "92" assigned by buyer, "UL" GLN, "1" DUNS…). */
  idQualifier?: string;
  id?: string;
  address?: Address;
  trace?: Trace;
}

/** A reference number (X12 REF): a qualifier and the value. */
export interface Reference {
  /** REF01 as sent ("BM" bill of lading, "CN" PRO number, "DP" department, "IA" vendor number…). */
  qualifier: string;
  value: string;
  description?: string;
  trace?: Trace;
}

/** A qualified date (X12 DTM). */
export interface QualifiedDate {
  /** DTM01 as sent ("011" shipped, "017" estimated delivery, "002" delivery requested…). */
  qualifier: string;
  date: IsoDate;
  time?: IsoTime;
  trace?: Trace;
}

export interface Measure {
  value: Decimal;
  /** Unit of measure code as sent ("LB", "KG", "EA", "CT"). */
  unit: string;
}

/**
 * Identifiers of a product. The common ones get their own field; `ids` keeps every qualifier/value pair as
 * sent (LIN, IT1, PO1 pairs), in order, so nothing is lost.
 */
export interface ProductIds {
  /** Buyer's part or item number (X12 qualifiers BP, IN). */
  buyerPartNumber?: string;
  /** Vendor's part or item number (VP, VN). */
  vendorPartNumber?: string;
  /** U.P.C. as sent (qualifiers UP, UI, and UA for the case code). */
  upc?: string;
  /** EAN or GTIN as sent (EN EAN-13, EO EAN-8, UK GTIN-14). */
  gtin?: string;
  /** Stock keeping unit (SK). */
  sku?: string;
  ids: { qualifier: string; value: string }[];
}

/** X12 ITD. All fields optional: partners send very different subsets. */
export interface PaymentTerms {
  /** ITD01 terms type code ("01" basic, "05" discount not applicable, "08" basic discount offered). */
  typeCode?: string;
  /** ITD02 terms basis date code ("3" invoice date, "2" delivery date). */
  basisDateCode?: string;
  discountPercent?: Decimal;
  discountDueDate?: IsoDate;
  discountDays?: number;
  netDueDate?: IsoDate;
  netDays?: number;
  discountAmount?: Decimal;
  description?: string;
  trace?: Trace;
}

/** A charge or an allowance (X12 SAC). */
export interface ChargeAllowance {
  kind: 'charge' | 'allowance' | 'no-charge';
  /** SAC02 service, promotion, allowance or charge code ("D240" freight, "C310" discount). */
  code?: string;
  /** Amount, always positive; `kind` says which way it goes. */
  amount?: Decimal;
  /** SAC07 percent. */
  percent?: Decimal;
  /** SAC08 rate per unit. */
  rate?: Decimal;
  quantity?: Measure;
  /** SAC12 method of handling code ("02" off invoice, "06" charge to be paid by customer). */
  handlingCode?: string;
  description?: string;
  trace?: Trace;
}

/** A tax (X12 TXI). */
export interface Tax {
  /** TXI01 tax type code ("ST" state sales tax, "VA" value added tax…). */
  typeCode: string;
  amount?: Decimal;
  percent?: Decimal;
  jurisdictionQualifier?: string;
  jurisdiction?: string;
  /** TXI06 tax exempt code. */
  exemptCode?: string;
  trace?: Trace;
}

export interface Carrier {
  /** Standard Carrier Alpha Code (TD503 when TD502 is "2"). */
  scac?: string;
  name?: string;
  /** TD504 transportation method code ("M" motor, "A" air…). */
  transportMethod?: string;
  trace?: Trace;
}
