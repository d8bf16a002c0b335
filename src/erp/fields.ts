// From the ERP's rows (a query's result, a CSV export's records, a JSON body) to canonical documents. An
// adapter maps each canonical field to where the ERP keeps it (a column, a JSON path); this module reads the
// values, checks them and words what is wrong with a value as PO, line, field, column and the text found.
import type { DocumentSource, IsoDate, PaymentTerms, Party, Trace } from '../documents/common.ts';
import { multiplyDecimals, normalizeDecimal } from '../documents/decimal.ts';
import type { PurchaseOrder, PurchaseOrderLine } from '../documents/purchase-order.ts';
import { compileDateFormat, readDate, readDecimal, readInteger, type DateFormat } from '../csv/values.ts';
import type { ErpReceipt } from './adapter.ts';
import { erpDataInvalid } from './errors.ts';

type ValueType = 'text' | 'decimal' | 'date' | 'integer' | 'currency';

/** Fields of a PO header, with their types. `poNumber` is the key a CSV export is indexed by. */
export const HEADER_FIELDS = {
  poNumber: 'text',
  poDate: 'date',
  partnerId: 'text',
  currency: 'currency',
  purposeCode: 'text',
  orderTypeCode: 'text',
  releaseNumber: 'text',
  requestedDeliveryDate: 'date',
  requestedShipDate: 'date',
  paymentMethod: 'text',
  shipToName: 'text',
  shipToIdQualifier: 'text',
  shipToId: 'text',
  shipToAddress1: 'text',
  shipToAddress2: 'text',
  shipToCity: 'text',
  shipToRegion: 'text',
  shipToPostalCode: 'text',
  shipToCountry: 'text',
  termsTypeCode: 'text',
  termsDiscountPercent: 'decimal',
  termsDiscountDays: 'integer',
  termsNetDays: 'integer',
  termsDescription: 'text',
  totalAmount: 'decimal',
} as const satisfies Record<string, ValueType>;

export const LINE_FIELDS = {
  poNumber: 'text',
  lineNumber: 'text',
  buyerPartNumber: 'text',
  vendorPartNumber: 'text',
  upc: 'text',
  gtin: 'text',
  sku: 'text',
  description: 'text',
  quantity: 'decimal',
  unit: 'text',
  unitPrice: 'decimal',
  priceBasis: 'text',
} as const satisfies Record<string, ValueType>;

export const RECEIPT_FIELDS = {
  poNumber: 'text',
  receiptNumber: 'text',
  lineNumber: 'text',
  buyerPartNumber: 'text',
  vendorPartNumber: 'text',
  upc: 'text',
  gtin: 'text',
  sku: 'text',
  quantity: 'decimal',
  unit: 'text',
  receivedDate: 'date',
} as const satisfies Record<string, ValueType>;

export type HeaderField = keyof typeof HEADER_FIELDS;
export type LineField = keyof typeof LINE_FIELDS;
export type ReceiptField = keyof typeof RECEIPT_FIELDS;

/** Where the ERP keeps each field: a column name or a JSON path, depending on the adapter. */
export interface FieldMapping {
  header: Partial<Record<HeaderField, string>> & { poDate: string };
  line: Partial<Record<LineField, string>> & { quantity: string; unit: string };
  receipt?: Partial<Record<ReceiptField, string>> & { quantity: string };
}

/** The fields the schemas of every adapter require, so the message of a missing one is the same everywhere. */
export const REQUIRED = { header: ['poDate'], line: ['quantity', 'unit'], receipt: ['quantity'] } as const;

export interface ValueFormats {
  decimalSeparator: '.' | ',';
  thousandsSeparator: '' | ',' | '.' | ' ' | "'";
  /** Formats tried after ISO 8601 (which is always accepted, with or without a time after the date). */
  dates: DateFormat[];
}

export const ISO_ONLY: ValueFormats = { decimalSeparator: '.', thousandsSeparator: '', dates: [] };

/** Compiled date formats, or the message of the first one that is not a format. */
export function compileDateFormats(texts: readonly string[]): DateFormat[] | string {
  const out: DateFormat[] = [];
  for (const text of texts) {
    const f = compileDateFormat(text);
    if (typeof f === 'string') return `date format "${text}" ${f}`;
    out.push(f);
  }
  return out;
}

/** One row of the ERP's data: its values by column (or path), and how to name it in a message. */
export interface ErpRow {
  get(column: string): unknown;
  /** "po_lines.csv line 7", "row 3 of the lines query", "lines[2] of GET https://…". */
  where: string;
  trace?: Trace;
}

const ISO_DATE = /^(\d{4}-\d{2}-\d{2})(?:[T ].*)?$/;
const ISO_FORMAT = compileDateFormat('YYYY-MM-DD') as DateFormat;

function shownValue(raw: unknown): string {
  let text: string;
  if (raw instanceof Date) text = raw.toISOString();
  else if (typeof raw === 'string') text = raw;
  else if (typeof raw === 'number' || typeof raw === 'bigint' || typeof raw === 'boolean') text = String(raw);
  else text = JSON.stringify(raw) ?? typeof raw;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The value of the cell as the type, undefined when the cell is empty, or a message saying what is wrong. */
function readAs(
  raw: unknown,
  type: ValueType,
  formats: ValueFormats,
): string | number | undefined | { problem: string } {
  if (raw === null || raw === undefined) return undefined;
  if (typeof raw === 'string' && raw.trim() === '') return undefined;
  const text = typeof raw === 'string' ? raw.trim() : undefined;
  switch (type) {
    case 'text':
    case 'currency': {
      const value = text ?? (typeof raw === 'number' || typeof raw === 'bigint' ? String(raw) : undefined);
      if (value === undefined) return { problem: 'is not text' };
      if (type === 'currency' && !/^[A-Z]{3}$/.test(value)) {
        return { problem: 'is not a currency code: three capital letters, e.g. USD' };
      }
      return value;
    }
    case 'decimal': {
      let value: string | undefined;
      if (text !== undefined) value = readDecimal(text, formats);
      // A JSON or float column number: its shortest decimal form is what the ERP meant (4.25, not 4.2499…).
      else if (typeof raw === 'number' && Number.isFinite(raw)) value = normalizeDecimal(String(raw));
      else if (typeof raw === 'bigint') value = String(raw);
      return value ?? { problem: 'is not a number' };
    }
    case 'integer': {
      if (typeof raw === 'number')
        return Number.isSafeInteger(raw) ? raw : { problem: 'is not a whole number' };
      const value = text === undefined ? undefined : readInteger(text);
      return value ?? { problem: 'is not a whole number' };
    }
    case 'date': {
      if (raw instanceof Date) {
        return Number.isNaN(raw.getTime()) ? { problem: 'is not a date' } : raw.toISOString().slice(0, 10);
      }
      if (text === undefined) return { problem: 'is not a date' };
      const iso = ISO_DATE.exec(text);
      const value = iso ? readDate(iso[1]!, [ISO_FORMAT]) : readDate(text, formats.dates);
      const accepted = ['YYYY-MM-DD', ...formats.dates.map((f) => f.text)].join(' or ');
      return value ?? { problem: `is not a date in the form ${accepted}` };
    }
  }
}

interface Context {
  poNumber: string;
  /** "line 3" when the row is a PO line that has a number. */
  what: string;
  row: ErpRow;
  formats: ValueFormats;
}

function reader<F extends string>(
  types: Record<F, ValueType>,
  mapping: Partial<Record<F, string>>,
  ctx: Context,
) {
  return (field: F, required = false): string | number | undefined => {
    const column = mapping[field];
    if (column === undefined) return undefined;
    const raw = ctx.row.get(column);
    const value = readAs(raw, types[field], ctx.formats);
    const at = `PO ${ctx.poNumber}, ${ctx.what} (${ctx.row.where}), field ${field} ("${column}")`;
    if (typeof value === 'object') throw erpDataInvalid(`${at}: "${shownValue(raw)}" ${value.problem}`);
    if (value === undefined && required) throw erpDataInvalid(`${at} is empty`);
    return value;
  };
}

const str = (v: string | number | undefined) => (v === undefined ? undefined : String(v));
const num = (v: string | number | undefined) => (typeof v === 'number' ? v : undefined);

function productIds(
  read: (f: 'buyerPartNumber' | 'vendorPartNumber' | 'upc' | 'gtin' | 'sku') => string | number | undefined,
) {
  const out: Pick<
    PurchaseOrderLine,
    'buyerPartNumber' | 'vendorPartNumber' | 'upc' | 'gtin' | 'sku' | 'ids'
  > = { ids: [] };
  // The X12 qualifiers the 850 mapper would have kept for the same identifiers, so ERP lines read like PO1s.
  const qualifiers = {
    buyerPartNumber: 'BP',
    vendorPartNumber: 'VP',
    upc: 'UP',
    gtin: 'EN',
    sku: 'SK',
  } as const;
  for (const field of Object.keys(qualifiers) as (keyof typeof qualifiers)[]) {
    const value = str(read(field));
    if (value === undefined) continue;
    out[field] = value;
    out.ids.push({ qualifier: qualifiers[field], value });
  }
  return out;
}

function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

export interface BuildOptions {
  mapping: FieldMapping;
  formats: ValueFormats;
  /** Used when the header has no partnerId field. */
  partnerId?: string;
  source: DocumentSource;
}

/** The canonical purchase order from the ERP's header row and line rows (in the ERP's order). */
export function buildPurchaseOrder(
  poNumber: string,
  header: ErpRow,
  lines: readonly ErpRow[],
  options: BuildOptions,
): PurchaseOrder {
  const h = reader(HEADER_FIELDS, options.mapping.header, {
    poNumber,
    what: 'header',
    row: header,
    formats: options.formats,
  });
  const partnerId = str(h('partnerId')) ?? options.partnerId;
  if (partnerId === undefined) {
    throw erpDataInvalid(
      `PO ${poNumber}, header (${header.where}): no partner id (field partnerId is empty)`,
    );
  }
  const po: PurchaseOrder = {
    type: 'purchase-order',
    schemaVersion: 1,
    partnerId,
    poNumber,
    poDate: str(h('poDate', true)) as IsoDate,
    parties: [],
    references: [],
    dates: [],
    terms: [],
    charges: [],
    taxes: [],
    lines: [],
    totals: {},
    source: options.source,
  };
  Object.assign(
    po,
    compact({
      purposeCode: str(h('purposeCode')),
      orderTypeCode: str(h('orderTypeCode')),
      releaseNumber: str(h('releaseNumber')),
      currency: str(h('currency')),
      requestedDeliveryDate: str(h('requestedDeliveryDate')),
      requestedShipDate: str(h('requestedShipDate')),
      paymentMethod: str(h('paymentMethod')),
    }),
  );
  const address = compact({
    city: str(h('shipToCity')),
    region: str(h('shipToRegion')),
    postalCode: str(h('shipToPostalCode')),
    country: str(h('shipToCountry')),
  });
  const addressLines = [str(h('shipToAddress1')), str(h('shipToAddress2'))].filter(
    (l): l is string => l !== undefined,
  );
  const shipTo: Party = compact({
    role: 'ship-to' as const,
    code: 'ST',
    name: str(h('shipToName')),
    idQualifier: str(h('shipToIdQualifier')),
    id: str(h('shipToId')),
    address:
      addressLines.length > 0 || Object.keys(address).length > 0
        ? { lines: addressLines, ...address }
        : undefined,
    trace: header.trace,
  });
  if (shipTo.name !== undefined || shipTo.id !== undefined || shipTo.address !== undefined)
    po.parties.push(shipTo);
  const terms: PaymentTerms = compact({
    typeCode: str(h('termsTypeCode')),
    discountPercent: str(h('termsDiscountPercent')),
    discountDays: num(h('termsDiscountDays')),
    netDays: num(h('termsNetDays')),
    description: str(h('termsDescription')),
  });
  if (Object.keys(terms).length > 0) po.terms.push({ ...terms, ...compact({ trace: header.trace }) });
  const total = str(h('totalAmount'));
  if (total !== undefined) po.totals = compact({ totalAmount: total, trace: header.trace });

  lines.forEach((row, i) => {
    const numbered = reader(LINE_FIELDS, options.mapping.line, {
      poNumber,
      what: `line ${i + 1}`,
      row,
      formats: options.formats,
    });
    const lineNumber = str(numbered('lineNumber'));
    const l =
      lineNumber === undefined
        ? numbered
        : reader(LINE_FIELDS, options.mapping.line, {
            poNumber,
            what: `line ${lineNumber}`,
            row,
            formats: options.formats,
          });
    const quantityOrdered = str(l('quantity', true))!;
    const unitPrice = str(l('unitPrice'));
    po.lines.push(
      compact({
        lineNumber,
        ...productIds(l),
        quantityOrdered,
        unit: str(l('unit', true))!,
        unitPrice,
        priceBasis: str(l('priceBasis')),
        lineAmount: unitPrice === undefined ? undefined : multiplyDecimals(quantityOrdered, unitPrice),
        description: str(l('description')),
        destinations: [],
        dates: [],
        charges: [],
        trace: row.trace,
      }),
    );
  });
  return po;
}

/** A goods receipt from the ERP's row. */
export function buildReceipt(
  poNumber: string,
  row: ErpRow,
  index: number,
  mapping: NonNullable<FieldMapping['receipt']>,
  formats: ValueFormats,
): ErpReceipt {
  const r = reader(RECEIPT_FIELDS, mapping, { poNumber, what: `receipt ${index + 1}`, row, formats });
  return compact({
    poNumber,
    receiptNumber: str(r('receiptNumber')),
    lineNumber: str(r('lineNumber')),
    ...productIds(r),
    quantityReceived: str(r('quantity', true))!,
    unit: str(r('unit')),
    receivedDate: str(r('receivedDate')),
    trace: row.trace,
  });
}
