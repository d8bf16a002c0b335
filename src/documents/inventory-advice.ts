import type {
  Decimal,
  DocumentSource,
  IsoDate,
  IsoTime,
  Party,
  ProductIds,
  QualifiedDate,
  Reference,
  Trace,
} from './common.ts';

/**
 * An inventory inquiry/advice (X12 846): what a supplier or warehouse has of each item, by quantity
 * qualifier (on hand, available…), with future availability and, when sent, by location.
 */
export interface InventoryAdvice {
  type: 'inventory-advice';
  schemaVersion: 1;
  partnerId: string;
  /** BIA03: the advice's reference number. */
  reportNumber: string;
  /** BIA04, BIA05. */
  reportDate: IsoDate;
  reportTime?: IsoTime;
  /** BIA01 purpose code, as sent. */
  purposeCode?: string;
  /** BIA02 report type code ("SI", "DD"…), as sent. */
  reportTypeCode?: string;
  /** BIA06 action code, as sent. */
  actionCode?: string;
  currency?: string;
  parties: Party[];
  references: Reference[];
  dates: QualifiedDate[];
  items: InventoryItem[];
  totals: InventoryAdviceTotals;
  source: DocumentSource;
}

export interface InventoryItem extends ProductIds {
  /** LIN01, as sent. */
  lineNumber?: string;
  description?: string;
  /** CTP: CTP02 price identifier code ("UCP" unit cost price…) and CTP03 unit price. */
  prices: { code?: string; unitPrice: Decimal; trace?: Trace }[];
  /**
   * The item's quantities not tied to a location: the QTY loops before any N1 of the item, unless the item
   * has exactly one N1 loop and no QTY follows it (the standard's order), in which case they are that
   * location's. Each QTY is in exactly one place: here or in one location.
   */
  quantities: InventoryQuantity[];
  /** SDQ: quantities by location, in the unit of SDQ01. */
  destinations: { unit?: string; locationQualifier?: string; location: string; quantity: Decimal }[];
  /** N1 loops inside the item (warehouses, stores), each with its quantities (see `quantities`). */
  locations: InventoryLocation[];
  references: Reference[];
  /** DTMs of the LIN loop (not those of its QTY loops). */
  dates: QualifiedDate[];
  trace?: Trace;
}

export interface InventoryQuantity {
  /** QTY01 ("33" available for sale, "17" on hand, "02" cumulative…), as sent. */
  qualifier: string;
  /** QTY02 and the first component of QTY03. */
  quantity: Decimal;
  unit?: string;
  /** SCH of the QTY loop: a quantity expected at a date (future availability). */
  schedules: InventorySchedule[];
  /** DTMs of the QTY loop. */
  dates: QualifiedDate[];
  trace?: Trace;
}

export interface InventorySchedule {
  /** SCH01, SCH02. */
  quantity: Decimal;
  unit: string;
  /** SCH05/SCH06 (and SCH07 time): "017" estimated delivery, "018" available… */
  dateQualifier?: string;
  date?: IsoDate;
  time?: IsoTime;
  trace?: Trace;
}

export interface InventoryLocation {
  /** The N1 loop (N1, N2, N3, N4) naming the warehouse or store. */
  party: Party;
  /** The QTY loops after the N1 (partners who interleave N1 and QTY), or the item's when it is the only N1. */
  quantities: InventoryQuantity[];
}

export interface InventoryAdviceTotals {
  /** CTT01: number of items the sender counted. */
  lineCount?: number;
  /** CTT02: hash total as sent. */
  quantityTotal?: Decimal;
  trace?: Trace;
}
