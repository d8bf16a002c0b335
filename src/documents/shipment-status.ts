import type { DocumentSource, IsoDate, IsoTime, Party, Reference, Trace } from './common.ts';
import type { ShipmentWeight, TransportDate } from './transport.ts';

/** A carrier's shipment status message (X12 214): what happened to a shipment, where and when. */
export interface ShipmentStatus {
  type: 'shipment-status';
  schemaVersion: 1;
  partnerId: string;
  /** B1003: the carrier reporting. */
  scac: string;
  /** B1001: the carrier's reference (PRO number). */
  referenceId?: string;
  /** B1002: the shipper's shipment identification (the 204's B204). */
  shipmentId?: string;
  /** L11 BM anywhere in the set, else B1006 when B1005 is BM. */
  billOfLading?: string;
  /** Every L11 PO, PRF01 and OID02, each once, in order. */
  poNumbers: string[];
  /** Heading L11 (004010). */
  references: Reference[];
  /** Heading N1 loops (004010). */
  parties: Party[];
  /** One per LX loop. */
  statuses: StatusLine[];
  source: DocumentSource;
}

/** An LX loop: the status events of one shipment (or one part of it), with what it carries. */
export interface StatusLine {
  /** LX01. */
  assignedNumber?: number;
  events: StatusEvent[];
  /** L11 in the loop. */
  references: Reference[];
  /** N1 loops in the loop (005010 puts them here). */
  parties: Party[];
  /** G62 in the loop (in its N1 loops, 005010). */
  dates: TransportDate[];
  /** AT8 in the loop. */
  weights: ShipmentWeight[];
  trace?: Trace;
}

/** One status (X12 AT7) with the location (MS1) and equipment (MS2) that follow it. */
export interface StatusEvent {
  /** AT701 shipment status code as sent ("X3" arrived at pick-up, "AF" departed, "D1" delivered). */
  statusCode?: string;
  /** AT702 status reason code as sent ("NS" normal). */
  reasonCode?: string;
  /** AT703 appointment status code and AT704 its reason, as sent. */
  appointmentStatusCode?: string;
  appointmentReasonCode?: string;
  /** AT705, AT706 and AT707 (time code, i.e. the time zone, as sent). */
  date: IsoDate;
  time?: IsoTime;
  timeZoneCode?: string;
  location?: StatusLocation;
  equipment?: StatusEquipment;
  trace?: Trace;
}

/** X12 MS1. */
export interface StatusLocation {
  city?: string;
  /** MS102 state or province code. */
  region?: string;
  country?: string;
  trace?: Trace;
}

/** X12 MS2. */
export interface StatusEquipment {
  /** MS201: the equipment owner's SCAC. */
  scac?: string;
  equipmentNumber?: string;
  /** MS203 equipment description code as sent ("TL" trailer, "TV" van). */
  equipmentCode?: string;
  trace?: Trace;
}
