// Small canonical documents for reconciliation tests: only what a case changes is spelled out.
import type {
  AdvanceShipNotice,
  DocumentSource,
  Invoice,
  InvoiceLine,
  PurchaseOrder,
  PurchaseOrderLine,
  ShipmentItem,
} from '../../../src/documents/index.ts';
import { addDecimals, multiplyDecimals } from '../../../src/documents/index.ts';
import type { ReceivedDocument, ReconcileInput } from '../../../src/reconcile/index.ts';

export const PO_NUMBER = 'PO-100';
export const PARTNER = 'acme';
const SOURCE: DocumentSource = { kind: 'csv', fileName: 'test.csv', lines: [1] };

export const TOLERANCES = {
  quantityPercent: 10,
  unitPriceAbsolute: 0.05,
  unitPricePercent: 2,
  invoiceGraceDays: 5,
};

export function poLine(lineNumber: string, vendorPart: string, quantity: string, price: string, unit = 'EA') {
  const line: PurchaseOrderLine = {
    lineNumber,
    vendorPartNumber: vendorPart,
    ids: [{ qualifier: 'VP', value: vendorPart }],
    quantityOrdered: quantity,
    unit,
    unitPrice: price,
    lineAmount: multiplyDecimals(quantity, price),
    destinations: [],
    dates: [],
    charges: [],
  };
  return line;
}

export function purchaseOrder(lines: PurchaseOrderLine[], extra: Partial<PurchaseOrder> = {}): PurchaseOrder {
  return {
    type: 'purchase-order',
    schemaVersion: 1,
    partnerId: PARTNER,
    poNumber: PO_NUMBER,
    poDate: '2026-11-01',
    currency: 'USD',
    parties: [],
    references: [],
    dates: [],
    terms: [{ discountPercent: '2', discountDays: 10, netDays: 30 }],
    charges: [],
    taxes: [],
    lines,
    totals: {},
    source: SOURCE,
    ...extra,
  };
}

export function shipped(
  vendorPart: string,
  quantity: string,
  unit = 'EA',
  lineNumber?: string,
): ShipmentItem {
  return {
    vendorPartNumber: vendorPart,
    ids: [{ qualifier: 'VP', value: vendorPart }],
    quantityShipped: quantity,
    unit,
    ...(lineNumber === undefined ? {} : { lineNumber }),
  };
}

export function shipNotice(
  shipmentId: string,
  items: ShipmentItem[],
  extra: Partial<AdvanceShipNotice> = {},
): AdvanceShipNotice {
  return {
    type: 'advance-ship-notice',
    schemaVersion: 1,
    partnerId: PARTNER,
    shipmentId,
    purposeCode: '00',
    billOfLading: `BOL-${shipmentId}`,
    poNumbers: [PO_NUMBER],
    shipment: { parties: [], references: [], dates: [] },
    orders: [{ poNumber: PO_NUMBER, parties: [], references: [], packs: [], items }],
    source: SOURCE,
    ...extra,
  };
}

export function invoiceLine(
  lineNumber: string,
  vendorPart: string,
  quantity: string,
  price: string,
  unit = 'EA',
): InvoiceLine {
  return {
    lineNumber,
    vendorPartNumber: vendorPart,
    ids: [{ qualifier: 'VP', value: vendorPart }],
    quantityInvoiced: quantity,
    unit,
    unitPrice: price,
    lineAmount: multiplyDecimals(quantity, price),
    charges: [],
    taxes: [],
  };
}

/** An invoice whose total is its lines' sum unless `extra` says otherwise. */
export function invoice(invoiceNumber: string, lines: InvoiceLine[], extra: Partial<Invoice> = {}): Invoice {
  const total = addDecimals('0', ...lines.map((l) => l.lineAmount));
  return {
    type: 'invoice',
    schemaVersion: 1,
    partnerId: PARTNER,
    invoiceNumber,
    invoiceDate: '2026-11-20',
    poNumbers: [PO_NUMBER],
    currency: 'USD',
    parties: [],
    references: [],
    dates: [],
    terms: [{ discountPercent: '2', discountDays: 10, netDays: 30 }],
    lines,
    charges: [],
    taxes: [],
    totals: { totalAmount: total },
    source: SOURCE,
    ...extra,
  };
}

export const T0 = new Date('2026-11-20T12:00:00Z');
export const DAY = 86_400_000;

export function at(days: number, ms = 0): Date {
  return new Date(T0.getTime() + days * DAY + ms);
}

export function received<T>(id: string, document: T, when: Date = T0): ReceivedDocument<T> {
  return { id, receivedAt: when, document };
}

export function input(parts: Partial<ReconcileInput>): ReconcileInput {
  return {
    poNumber: PO_NUMBER,
    purchaseOrder: undefined,
    shipNotices: [],
    invoices: [],
    tolerances: TOLERANCES,
    now: at(1),
    ...parts,
  };
}
