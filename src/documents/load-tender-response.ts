import type { DocumentSource, IsoDate, Reference, Trace } from './common.ts';
import type { TransportDate } from './transport.ts';

/** A carrier's answer to a load tender (X12 990): accepted or declined, with the carrier's references. */
export interface LoadTenderResponse {
  type: 'load-tender-response';
  schemaVersion: 1;
  partnerId: string;
  /** B102: the shipment id of the tender answered (its B204), the business key that links the two. */
  shipmentId: string;
  /** B101: the carrier answering. */
  scac?: string;
  /** B103. */
  responseDate?: IsoDate;
  /** B104 reservation action code as sent. */
  actionCode: string;
  /** B104 read: A accepted, D declined (reservation cancelled), R deleted. */
  action: 'accepted' | 'declined' | 'deleted';
  /** B106 (005010) decline reason code as sent. */
  declineReasonCode?: string;
  /** N9 or L11 BM, when the carrier names the bill of lading. */
  billOfLading?: string;
  /** N9 or L11 PO, each once. */
  poNumbers: string[];
  /** N9 (004010) and L11 (005010) of the heading; CN is the carrier's PRO number. */
  references: Reference[];
  /** G62 of the heading. */
  dates: TransportDate[];
  /** K1 of the heading. */
  remarks: Remark[];
  source: DocumentSource;
}

/** Free-form remarks (X12 K1): K101, and K102 when sent, joined by a space. */
export interface Remark {
  text: string;
  trace?: Trace;
}
