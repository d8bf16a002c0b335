// Shapes shared by the transportation documents (204 load tender, 990 response, 214 status, 210 freight
// invoice). Motor carrier sets carry dates, weights and totals in their own segments (G62, AT8, L3, L5, NTE),
// not in the DTM/TD1/TDS of the retail sets, and with more detail (a time qualifier, a time zone), so they
// get shapes of their own rather than being squeezed into QualifiedDate and Measure.
import type { Decimal, IsoDate, IsoTime, Measure, Trace } from './common.ts';

/** A qualified date of a transportation set (X12 G62). */
export interface TransportDate {
  /** G6201 date qualifier as sent ("64" must respond by, "69" scheduled pick-up, "70" scheduled delivery). */
  qualifier: string;
  date: IsoDate;
  /** G6203 time qualifier as sent ("U" scheduled pick-up time, "X" scheduled delivery time, "I" earliest). */
  timeQualifier?: string;
  time?: IsoTime;
  /** G6205 time code as sent: the time zone ("CT", "PT", "LT" local time, "UT"). */
  timeZoneCode?: string;
  trace?: Trace;
}

/** Weight, quantity and volume of a shipment or a stop (X12 AT8). */
export interface ShipmentWeight {
  /** AT801 weight qualifier as sent ("G" gross, "N" net, "B" billed). */
  weightQualifier?: string;
  /** AT803 with its unit AT802 ("L" pounds, "K" kilograms). */
  weight?: Measure;
  /** AT804: number of handling units (pallets, cartons). */
  ladingQuantity?: number;
  /** AT807 with its unit AT806. */
  volume?: Measure;
  trace?: Trace;
}

/** A special handling requirement or service (X12 AT5). */
export interface HandlingRequirement {
  /** AT501 special handling code ("TEM" temperature control, "HM" hazardous). */
  handlingCode?: string;
  /** AT502 special services code. */
  serviceCode?: string;
  description?: string;
  trace?: Trace;
}

/** A note or special instruction (X12 NTE). */
export interface Note {
  /** NTE01 note reference code as sent ("LOI" loading instructions, "DEL" delivery). */
  code?: string;
  text: string;
  trace?: Trace;
}

/** A description of what is carried (X12 L5). */
export interface LadingDescription {
  /** L501 lading line item number. */
  lineNumber?: number;
  description?: string;
  /** L503 commodity code, with its qualifier L504 ("T" STCC, "N" NMFC). */
  commodityCode?: string;
  commodityCodeQualifier?: string;
  /** L505 packaging code ("CTN", "PLT25"). */
  packagingCode?: string;
  trace?: Trace;
}

/**
 * Total weight and charges (X12 L3). Amounts are X12 N2 elements (implied 2 decimals) and are converted;
 * the weight and the rate are R elements and kept as sent.
 */
export interface FreightTotals {
  /** L301 with its qualifier L302 ("G" gross) and unit L312 ("L" pounds, "K" kilograms). */
  weight?: Decimal;
  weightQualifier?: string;
  weightUnit?: string;
  /** L303 freight rate with its qualifier L304 ("PH" per hundredweight, "FR" flat rate). */
  freightRate?: Decimal;
  rateQualifier?: string;
  /** L305: the total charge. */
  charge?: Decimal;
  /** L306 advances and L307 prepaid amount. */
  advances?: Decimal;
  prepaidAmount?: Decimal;
  /** L308 special charge or allowance code. */
  specialChargeCode?: string;
  /** L309 with its unit L310. */
  volume?: Measure;
  /** L311: number of handling units. */
  ladingQuantity?: number;
  /** L314 declared value. */
  declaredValue?: Decimal;
  trace?: Trace;
}
