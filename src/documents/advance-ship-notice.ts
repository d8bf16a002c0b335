import type {
  Carrier,
  Decimal,
  DocumentSource,
  IsoDate,
  IsoTime,
  Measure,
  Party,
  ProductIds,
  QualifiedDate,
  Reference,
  Trace,
} from './common.ts';

/**
 * An advance ship notice (X12 856): one shipment, the purchase orders it ships, and for each order either
 * its packs (cartons, pallets, with their items) or its items directly. Both structures occur in the wild
 * (shipment/order/pack/item and shipment/order/item); an order can even mix them.
 */
export interface AdvanceShipNotice {
  type: 'advance-ship-notice';
  schemaVersion: 1;
  /** The partner (partners/<id>.yaml) the document came from. */
  partnerId: string;
  /** The shipper's shipment identification (BSN02): the business key of the notice. */
  shipmentId: string;
  /** BSN01 transaction set purpose code as sent ("00" original, "05" replace, "01" cancellation). */
  purposeCode?: string;
  /** When the notice was created (BSN03/BSN04). */
  noticeDate?: IsoDate;
  noticeTime?: IsoTime;
  /** Bill of lading number (REF BM at shipment level). */
  billOfLading?: string;
  /** Carrier's PRO / tracking number (REF CN at shipment level). */
  proNumber?: string;
  /** The purchase order numbers the shipment fills, each once, in the order the orders appear. */
  poNumbers: string[];
  shipment: Shipment;
  orders: ShipmentOrder[];
  source: DocumentSource;
}

export interface Shipment {
  /** DTM 011. */
  shipDate?: IsoDate;
  shipTime?: IsoTime;
  /** DTM 017 (estimated delivery) or 067 (current schedule delivery). */
  estimatedDeliveryDate?: IsoDate;
  carrier?: Carrier;
  /** TD101/TD102: packaging code and lading quantity ("CTN25", 2). */
  packagingCode?: string;
  ladingQuantity?: Decimal;
  grossWeight?: Measure;
  netWeight?: Measure;
  volume?: Measure;
  /** TD3 equipment number (trailer). */
  equipmentNumber?: string;
  /** FOB01 shipment method of payment ("PP" prepaid, "CC" collect). */
  paymentMethod?: string;
  parties: Party[];
  references: Reference[];
  dates: QualifiedDate[];
  trace?: Trace;
}

export interface ShipmentOrder {
  /** PRF01: the purchase order this part of the shipment fills. */
  poNumber: string;
  /** PRF04. */
  poDate?: IsoDate;
  releaseNumber?: string;
  /** Order-level parties (mark-for stores, buying party). */
  parties: Party[];
  references: Reference[];
  /** Packs (tares or cartons) of this order, with their items. */
  packs: ShipmentPack[];
  /** Items shipped directly under the order, in a structure without packs. */
  items: ShipmentItem[];
  trace?: Trace;
}

export interface ShipmentPack {
  /**
   * 'tare' is a pallet or other container of packs (HL03 T); 'pack' a carton (HL03 P); 'subpack' an inner
   * pack inside a carton (HL03 Q).
   */
  level: 'tare' | 'pack' | 'subpack';
  /** The SSCC-18 of the pack's label (MAN GM), 18 digits. */
  sscc?: string;
  /** Every marks-and-numbers pair as sent (MAN01/MAN02, MAN04/MAN05), SSCC included. */
  marks: { qualifier: string; value: string }[];
  /** PO4 / TD1 details of the pack, when sent. */
  packagingCode?: string;
  grossWeight?: Measure;
  /** PO4 of the pack: units per pack and inner pack. */
  packSize?: Decimal;
  innerPack?: Decimal;
  /** Packs inside this one (cartons on a tare). */
  packs: ShipmentPack[];
  items: ShipmentItem[];
  trace?: Trace;
}

export interface ShipmentItem extends ProductIds {
  /** LIN01 or SN101: the line of the order this item ships, when the partner sends one. */
  lineNumber?: string;
  quantityShipped: Decimal;
  /** SN103 unit of measure code as sent ("EA", "CA"). */
  unit: string;
  /** SN105/SN106: quantity ordered, when sent. */
  quantityOrdered?: Decimal;
  /** PO4: units per pack (pack, size, unit). */
  packSize?: Decimal;
  innerPack?: Decimal;
  description?: string;
  trace?: Trace;
}
