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
 * A warehouse shipping advice (X12 945): the warehouse tells the depositor what it shipped of a warehouse
 * shipping order (940), line by line: quantity ordered, shipped and the difference.
 */
export interface WarehouseShippingAdvice {
  type: 'warehouse-shipping-advice';
  schemaVersion: 1;
  partnerId: string;
  /** W0602: the depositor order (the 940's W0502) this advice answers. */
  depositorOrderNumber: string;
  /** W0604: the shipment identification number. */
  shipmentId?: string;
  /** W0605: the warehouse's own shipment number. */
  agentShipmentId?: string;
  /** W0603. */
  shipDate?: IsoDate;
  /** W0606, then every N9 PO (heading or line) not already listed, each once. */
  poNumbers: string[];
  /** W0601 reporting code ("F" final, "P" partial…), as sent. */
  reportingCode?: string;
  /** N9 BM and N9 CN in the heading. */
  billOfLading?: string;
  proNumber?: string;
  /** W27: W2702 `scac`, W2703 routing as `name`, W2701 `transportMethod`. */
  carrier?: Carrier;
  /** W2704 shipment method of payment, as sent. */
  paymentMethod?: string;
  /** W2707 equipment number. */
  equipmentNumber?: string;
  parties: Party[];
  /** N9 of the heading. */
  references: Reference[];
  /** G62 of the heading. */
  dates: QualifiedDate[];
  notes: Note[];
  lines: WarehouseShippingAdviceLine[];
  totals: WarehouseShippingAdviceTotals;
  source: DocumentSource;
}

/** One W12 loop; its LX01 is the `lineNumber`. */
export interface WarehouseShippingAdviceLine extends ProductIds {
  /** LX01 of the LX loop that holds the W12. */
  lineNumber?: string;
  /** W1201 shipment/order status code ("CC" shipped complete, "CP" partial…), as sent. */
  statusCode?: string;
  /** W1202 quantity ordered, W1203 units shipped, W1204 difference, W1205 their unit. */
  quantityOrdered?: Decimal;
  quantityShipped: Decimal;
  quantityDifference?: Decimal;
  unit: string;
  /** W1206 U.P.C. case code. */
  upcCaseCode?: string;
  /** W1209 warehouse lot number. */
  lotNumber?: string;
  /** W1210–W1212: weight, gross unless W1211 is N. */
  grossWeight?: Measure;
  netWeight?: Measure;
  description?: string;
  /** MAN of the LX loop: every MAN01/MAN02 pair (cartons, pallets). */
  marks: { qualifier: string; value: string }[];
  /** N9 of the LX and W12 loops (N9 LT: lot numbers). */
  references: Reference[];
  /** G62 of the W12 loop. */
  dates: QualifiedDate[];
  trace?: Trace;
}

export interface WarehouseShippingAdviceTotals {
  /** W0301: total units shipped. */
  unitsShipped?: Decimal;
  /** W0302/W0303, W0304/W0305, W0306/W0307. */
  weight?: Measure;
  volume?: Measure;
  ladingQuantity?: Measure;
  trace?: Trace;
}
