import type {
  Carrier,
  Decimal,
  DocumentSource,
  IsoDate,
  Measure,
  Party,
  ProductIds,
  QualifiedDate,
  Reference,
  Trace,
} from './common.ts';
import type { Note } from './transport.ts';

/**
 * A warehouse shipping order (X12 940): a depositor (the goods' owner) tells its warehouse (a 3PL) to ship
 * an order. The warehouse answers with a warehouse shipping advice (945) naming the same depositor order.
 */
export interface WarehouseShippingOrder {
  type: 'warehouse-shipping-order';
  schemaVersion: 1;
  partnerId: string;
  /** W0502: the business key the 945 names again. */
  depositorOrderNumber: string;
  /** W0503, then every N9 PO (heading or line) not already listed, each once. */
  poNumbers: string[];
  /** W0501 order status code ("N" original…), as sent. */
  orderStatusCode?: string;
  /** W0506 transaction type code, as sent. */
  transactionTypeCode?: string;
  /** N9 BM in the heading, when the depositor names the bill of lading. */
  billOfLading?: string;
  /** G62 10 (requested ship) and G62 02 (delivery requested) of the heading. */
  requestedShipDate?: IsoDate;
  requestedDeliveryDate?: IsoDate;
  /** W66: W6610 `scac`, W6605 routing as `name`, W6602 `transportMethod`. */
  carrier?: Carrier;
  /** W6601 shipment method of payment ("PP" prepaid, "CC" collect), as sent. */
  paymentMethod?: string;
  parties: Party[];
  /** N9 of the heading. */
  references: Reference[];
  /** G62 of the heading. */
  dates: QualifiedDate[];
  /** NTE of the heading: the depositor's instructions to the warehouse. */
  notes: Note[];
  lines: WarehouseShippingOrderLine[];
  totals: WarehouseShippingOrderTotals;
  source: DocumentSource;
}

/** One W01 loop; its LX01 is the `lineNumber`. */
export interface WarehouseShippingOrderLine extends ProductIds {
  /** LX01 of the LX loop that holds the W01. */
  lineNumber?: string;
  /** W0101, W0102. */
  quantityOrdered: Decimal;
  unit: string;
  /** W0103 U.P.C. case code. */
  upcCaseCode?: string;
  /** W0113 warehouse lot number. */
  lotNumber?: string;
  description?: string;
  /** W2001: inner packs per outer pack. */
  packSize?: Decimal;
  /** W2004/W2006: weight, gross unless W2005 is N. */
  grossWeight?: Measure;
  netWeight?: Measure;
  /** W2007 weight of one unit, in W2006's unit. */
  unitWeight?: Measure;
  /** W2008/W2009. */
  volume?: Measure;
  /** N9 of the W01 loop (N9 LI: the depositor's line number). */
  references: Reference[];
  /** G62 of the LX and W01 loops. */
  dates: QualifiedDate[];
  notes: Note[];
  trace?: Trace;
}

export interface WarehouseShippingOrderTotals {
  /** W7601: total quantity ordered. */
  quantityOrdered?: Decimal;
  /** W7602/W7603, W7604/W7605. */
  weight?: Measure;
  volume?: Measure;
  trace?: Trace;
}
