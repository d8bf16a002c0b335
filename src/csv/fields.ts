// The canonical fields a CSV mapping may fill, per document type and level. Names follow the canonical
// documents (src/documents/) where a field is one of theirs; parties and their addresses, which the documents
// hold as lists, are flattened to a prefix per role (shipToName, shipToCity, …).

export type CsvDocumentType = 'advance-ship-notice' | 'invoice';

/**
 * How a cell is read: as text, a date in the mapping's formats, a decimal, a whole number, an ISO 4217
 * currency code (three letters) or an SSCC-18 (eighteen digits).
 */
export type CsvValueType = 'text' | 'date' | 'decimal' | 'integer' | 'currency' | 'sscc';

export interface CsvFieldInfo {
  type: CsvValueType;
  /** A document cannot be built without it: the mapping must fill it, and a row must have a value. */
  required?: true;
  /** A field that means nothing without this other one (a weight without its unit). */
  needs?: string;
}

export type FieldTable = Record<string, CsvFieldInfo>;

const text: CsvFieldInfo = { type: 'text' };
const date: CsvFieldInfo = { type: 'date' };
const decimal: CsvFieldInfo = { type: 'decimal' };
const integer: CsvFieldInfo = { type: 'integer' };

/** The party fields of one role: `shipToName`, `shipToId`, `shipToAddress1`, …, `shipToCountry`. */
export const PARTY_SUFFIXES = [
  'Name',
  'Id',
  'IdQualifier',
  'Address1',
  'Address2',
  'City',
  'Region',
  'PostalCode',
  'Country',
] as const;

function partyFields(prefix: string): FieldTable {
  return Object.fromEntries(PARTY_SUFFIXES.map((s) => [`${prefix}${s}`, text]));
}

const productFields: FieldTable = {
  lineNumber: text,
  buyerPartNumber: text,
  vendorPartNumber: text,
  upc: text,
  gtin: text,
  sku: text,
  description: text,
};

export const CSV_FIELDS: Record<CsvDocumentType, { document: FieldTable; line: FieldTable }> = {
  'advance-ship-notice': {
    document: {
      shipmentId: { type: 'text', required: true },
      purposeCode: text,
      noticeDate: date,
      billOfLading: text,
      proNumber: text,
      shipDate: date,
      estimatedDeliveryDate: date,
      carrierScac: text,
      carrierName: text,
      transportMethod: text,
      packagingCode: text,
      ladingQuantity: decimal,
      grossWeight: { type: 'decimal', needs: 'weightUnit' },
      netWeight: { type: 'decimal', needs: 'weightUnit' },
      /** The unit of both weights ("LB", "KG"). */
      weightUnit: text,
      equipmentNumber: text,
      paymentMethod: text,
      ...partyFields('shipFrom'),
      ...partyFields('shipTo'),
    },
    line: {
      poNumber: { type: 'text', required: true },
      poDate: date,
      releaseNumber: text,
      /** The SSCC-18 of the carton the item is packed in: items with one are grouped into packs. */
      sscc: { type: 'sscc' },
      ...productFields,
      quantityShipped: { type: 'decimal', required: true },
      unit: { type: 'text', required: true },
      quantityOrdered: decimal,
      packSize: decimal,
      innerPack: decimal,
    },
  },
  invoice: {
    document: {
      invoiceNumber: { type: 'text', required: true },
      invoiceDate: { type: 'date', required: true },
      poNumber: text,
      poDate: date,
      transactionTypeCode: text,
      purposeCode: text,
      currency: { type: 'currency' },
      billOfLading: text,
      shipmentId: text,
      shipDate: date,
      netDays: integer,
      netDueDate: date,
      discountPercent: decimal,
      discountDays: integer,
      discountDueDate: date,
      totalAmount: decimal,
      ...partyFields('billTo'),
      ...partyFields('remitTo'),
      ...partyFields('shipTo'),
    },
    line: {
      ...productFields,
      poNumber: text,
      quantityInvoiced: { type: 'decimal', required: true },
      unit: { type: 'text', required: true },
      unitPrice: { type: 'decimal', required: true },
      priceBasis: text,
      /** When the file carries it, it is checked against quantity × unit price. */
      lineAmount: decimal,
    },
  },
};

export const CSV_DOCUMENT_TYPES = Object.keys(CSV_FIELDS) as CsvDocumentType[];

/** How messages name the document types, with their article. */
export const DOCUMENT_NOUNS: Record<CsvDocumentType, string> = {
  'advance-ship-notice': 'a ship notice',
  invoice: 'an invoice',
};
