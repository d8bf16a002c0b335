import type { DocumentSource, Measure, Party, Reference, Trace } from './common.ts';
import type {
  FreightTotals,
  HandlingRequirement,
  LadingDescription,
  Note,
  ShipmentWeight,
  TransportDate,
} from './transport.ts';

/**
 * A motor carrier load tender (X12 204): a shipper offers a load to a carrier, stop by stop (where to pick
 * up, where to deliver, what, when), with the orders each stop loads or unloads.
 */
export interface LoadTender {
  type: 'load-tender';
  schemaVersion: 1;
  partnerId: string;
  /** B204: the shipper's shipment identification, the business key of the tender. */
  shipmentId: string;
  /** B202: the carrier the load is tendered to. */
  scac?: string;
  /** B206 shipment method of payment as sent ("PP" prepaid, "CC" collect, "TP" third party). */
  paymentMethod?: string;
  /** B2A01 transaction set purpose code as sent ("00" original, "01" cancellation, "04" change). */
  purposeCode: string;
  /** B2A02 application type as sent ("LT" load tender). */
  applicationTypeCode?: string;
  /** C301 (005010). */
  currency?: string;
  /** L11 BM in the heading. */
  billOfLading?: string;
  /** Every purchase order the tender names (L11 PO anywhere, OID02), each once, in order. */
  poNumbers: string[];
  /** Heading L11 (and those of the heading N1 loops). */
  references: Reference[];
  /** Heading G62. */
  dates: TransportDate[];
  /** Heading AT5. */
  handling: HandlingRequirement[];
  /** Heading NTE. */
  notes: Note[];
  /** Heading N1 loops (bill-to, shipper…). */
  parties: Party[];
  stops: Stop[];
  /** L3. */
  totals?: FreightTotals;
  source: DocumentSource;
}

/** One stop of the tender (an S5 loop). */
export interface Stop {
  /** S501 stop sequence number. */
  sequence: number;
  /** S502 stop reason code as sent ("LD" load, "UL" unload, "CL" complete load, "PU" part unload…). */
  reasonCode: string;
  /** S503 with its unit S504. */
  weight?: Measure;
  /** S505 number of units with their unit S506. */
  quantity?: Measure;
  /** S507 with its unit S508. */
  volume?: Measure;
  /** S509. */
  description?: string;
  references: Reference[];
  dates: TransportDate[];
  /** AT8 of the stop. */
  shipmentWeight?: ShipmentWeight;
  handling: HandlingRequirement[];
  notes: Note[];
  /** The stop's N1 loop: where it is (ship-from at a pick-up, ship-to at a delivery). */
  parties: Party[];
  /** L5 of the stop. */
  lading: LadingDescription[];
  orders: StopOrder[];
  trace?: Trace;
}

/** An order loaded or unloaded at a stop (an OID loop). */
export interface StopOrder {
  /** OID01: the shipper's order or reference number. */
  referenceId?: string;
  /** OID02. */
  poNumber?: string;
  /** OID03: a further reference, as sent. */
  additionalReference?: string;
  /** OID05 with its unit OID04. */
  quantity?: Measure;
  /** OID07 with its unit OID06. */
  weight?: Measure;
  /** OID09 with its unit OID08. */
  volume?: Measure;
  dates: TransportDate[];
  lading: LadingDescription[];
  trace?: Trace;
}
