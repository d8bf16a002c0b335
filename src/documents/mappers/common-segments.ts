// Readers for the segments that mean the same in every set the mappers handle: parties (the N1 loop),
// references, dates, terms, charges and allowances, taxes, carrier details and product id pairs.
import type { SetSegment, TransactionSetSegments } from '../../x12/set-segments.ts';
import type {
  Address,
  Carrier,
  ChargeAllowance,
  Measure,
  Party,
  PartyRole,
  PaymentTerms,
  ProductIds,
  QualifiedDate,
  Reference,
  Tax,
} from '../common.ts';
import { locate, traceOf, type MapContext } from './context.ts';

/** N101 entity identifier codes that have a role of their own. */
const ROLES: Record<string, PartyRole> = {
  ST: 'ship-to',
  SF: 'ship-from',
  BT: 'bill-to',
  RI: 'remit-to',
  BY: 'buyer',
  SE: 'seller',
  SU: 'supplier',
  VN: 'vendor',
  MF: 'manufacturer',
  CA: 'carrier',
  CN: 'consignee',
  SH: 'shipper',
  OB: 'ordered-by',
  Z7: 'mark-for',
};

/**
 * Reads the parties of a run of segments: each N1 starts one; the N2, N3 and N4 that follow it (before the
 * next N1) complete it. Segments of other tags are skipped, so a loop body can be passed whole.
 */
export function readParties(ctx: MapContext, segments: readonly SetSegment[]): Party[] {
  const out: Party[] = [];
  let party: Party | undefined;
  const finish = () => {
    if (!party) return;
    const { address, trace, ...rest } = party;
    out.push(compact<Party>({ ...rest, address, trace }));
  };
  for (const seg of segments) {
    switch (seg.tag) {
      case 'N1': {
        finish();
        const code = ctx.text(seg, 1);
        party = compact<Party>({
          role: (code === undefined ? undefined : ROLES[code]) ?? 'other',
          code,
          name: ctx.text(seg, 2),
          idQualifier: ctx.text(seg, 3),
          id: ctx.text(seg, 4),
          trace: traceOf(seg),
        });
        break;
      }
      case 'N2':
        if (party) {
          const more = [ctx.text(seg, 1), ctx.text(seg, 2)].filter((v) => v !== undefined);
          party.name = [party.name, ...more].filter((v) => v !== undefined).join(' ');
        }
        break;
      case 'N3':
        if (party) {
          const address: Address = (party.address ??= { lines: [] });
          for (const n of [1, 2]) {
            const line = ctx.text(seg, n);
            if (line !== undefined) address.lines.push(line);
          }
        }
        break;
      case 'N4':
        if (party) {
          const { lines } = party.address ?? { lines: [] };
          party.address = compact<Address>({
            lines,
            city: ctx.text(seg, 1),
            region: ctx.text(seg, 2),
            postalCode: ctx.text(seg, 3),
            country: ctx.text(seg, 4),
          });
        }
        break;
      default:
        break;
    }
  }
  finish();
  return out;
}

/** REF, or N9 (whose first three elements are the same: qualifier, reference, description). */
export function readReference(ctx: MapContext, seg: SetSegment): Reference | undefined {
  const qualifier = ctx.text(seg, 1);
  const value = ctx.text(seg, 2);
  const description = ctx.text(seg, 3);
  // REF02 or REF03 must be sent; a reference with only a description keeps it as its value.
  if (qualifier === undefined || (value ?? description) === undefined) return undefined;
  const ref: Reference = { qualifier, value: (value ?? description)! };
  if (value !== undefined && description !== undefined) ref.description = description;
  ref.trace = traceOf(seg);
  return ref;
}

/** L11, the transportation sets' REF: the reference (01) comes before its qualifier (02); 03 is a description. */
export function readL11Reference(ctx: MapContext, seg: SetSegment): Reference | undefined {
  const qualifier = ctx.text(seg, 2);
  const value = ctx.text(seg, 1);
  const description = ctx.text(seg, 3);
  if (qualifier === undefined || (value ?? description) === undefined) return undefined;
  return compact<Reference>({
    qualifier,
    value: (value ?? description)!,
    description: value === undefined ? undefined : description,
    trace: traceOf(seg),
  });
}

export function readDate(ctx: MapContext, seg: SetSegment): QualifiedDate | undefined {
  const qualifier = ctx.text(seg, 1);
  const date = ctx.date(seg, 2, `date ${qualifier ?? ''}`.trim());
  if (qualifier === undefined || date === undefined) return undefined;
  return compact<QualifiedDate>({
    qualifier,
    date,
    time: ctx.time(seg, 3, `time ${qualifier}`),
    trace: traceOf(seg),
  });
}

export function readTerms(ctx: MapContext, seg: SetSegment): PaymentTerms {
  return compact<PaymentTerms>({
    typeCode: ctx.text(seg, 1),
    basisDateCode: ctx.text(seg, 2),
    discountPercent: ctx.decimal(seg, 3, 'terms discount percent'),
    discountDueDate: ctx.date(seg, 4, 'terms discount due date'),
    discountDays: ctx.integer(seg, 5, 'terms discount days due'),
    netDueDate: ctx.date(seg, 6, 'terms net due date'),
    netDays: ctx.integer(seg, 7, 'terms net days'),
    discountAmount: ctx.implied(seg, 8, 2, 'terms discount amount'),
    description: ctx.text(seg, 12),
    trace: traceOf(seg),
  });
}

const SAC_KINDS: Record<string, ChargeAllowance['kind']> = { A: 'allowance', C: 'charge', N: 'no-charge' };

export function readChargeAllowance(ctx: MapContext, seg: SetSegment): ChargeAllowance | undefined {
  const indicator = ctx.required(seg, 1, 'allowance or charge indicator');
  if (indicator === undefined) return undefined;
  const kind = SAC_KINDS[indicator];
  if (kind === undefined) {
    ctx.issue(
      'invalid-value',
      `SAC01 is "${indicator}"; an allowance or charge indicator is A (allowance), C (charge) or N (no charge)`,
      locate(seg, 1),
      indicator,
    );
    return undefined;
  }
  // The amount is always positive here; `kind` says which way it goes (some partners also send the sign).
  const amount = ctx.implied(seg, 5, 2, 'allowance or charge amount')?.replace(/^-/, '');
  const quantity = ctx.decimal(seg, 10, 'allowance or charge quantity');
  const unit = ctx.text(seg, 9);
  return compact<ChargeAllowance>({
    kind,
    code: ctx.text(seg, 2),
    amount,
    percent: ctx.decimal(seg, 7, 'allowance or charge percent'),
    rate: ctx.decimal(seg, 8, 'allowance or charge rate'),
    quantity: quantity !== undefined && unit !== undefined ? { value: quantity, unit } : undefined,
    handlingCode: ctx.text(seg, 12),
    description: ctx.text(seg, 15),
    trace: traceOf(seg),
  });
}

export function readTax(ctx: MapContext, seg: SetSegment): Tax | undefined {
  const typeCode = ctx.required(seg, 1, 'tax type code');
  if (typeCode === undefined) return undefined;
  return compact<Tax>({
    typeCode,
    amount: ctx.decimal(seg, 2, 'tax amount'),
    percent: ctx.decimal(seg, 3, 'tax percent'),
    jurisdictionQualifier: ctx.text(seg, 4),
    jurisdiction: ctx.text(seg, 5),
    exemptCode: ctx.text(seg, 6),
    trace: traceOf(seg),
  });
}

/** TD5: the SCAC when TD502 says TD503 is one ("2"), the transport method and the carrier's name. */
export function readCarrier(ctx: MapContext, seg: SetSegment): Carrier {
  return compact<Carrier>({
    scac: ctx.text(seg, 2) === '2' ? ctx.text(seg, 3) : undefined,
    name: ctx.text(seg, 5),
    transportMethod: ctx.text(seg, 4),
    trace: traceOf(seg),
  });
}

const BUYER_PART = new Set(['BP', 'IN']);
const VENDOR_PART = new Set(['VP', 'VN']);
const UPC = new Set(['UP', 'UA', 'UI']);
const GTIN = new Set(['EN', 'EO', 'UK']);

/**
 * The product id pairs (qualifier, id) that start at element `from` (LIN02, IT106, PO106) and run to the
 * last element, or that start at each of the listed elements (W01 04, 06 and 15, between which other
 * elements sit). The first id of each kind fills the named field; all of them are kept in `ids`.
 */
export function readProductIds(
  ctx: MapContext,
  seg: SetSegment,
  from: number | readonly number[],
): ProductIds {
  const named: Omit<ProductIds, 'ids'> = {};
  const ids: ProductIds['ids'] = [];
  const starts = typeof from === 'number' ? pairStarts(from, seg.elements.length) : from;
  for (const n of starts) {
    const qualifier = ctx.text(seg, n);
    const value = ctx.text(seg, n + 1);
    if (qualifier === undefined || value === undefined) continue;
    ids.push({ qualifier, value });
    if (BUYER_PART.has(qualifier)) named.buyerPartNumber ??= value;
    else if (VENDOR_PART.has(qualifier)) named.vendorPartNumber ??= value;
    else if (UPC.has(qualifier)) named.upc ??= value;
    else if (GTIN.has(qualifier)) named.gtin ??= value;
    else if (qualifier === 'SK') named.sku ??= value;
  }
  return compact<ProductIds>({
    buyerPartNumber: named.buyerPartNumber,
    vendorPartNumber: named.vendorPartNumber,
    upc: named.upc,
    gtin: named.gtin,
    sku: named.sku,
    ids,
  });
}

function pairStarts(from: number, length: number): number[] {
  const out: number[] = [];
  for (let n = from; n + 1 < length; n += 2) out.push(n);
  return out;
}

/** G62: a qualified date (01/02) with its time (04) when sent; a G62 with only a time (03/04) gives none. */
export function readG62Date(ctx: MapContext, seg: SetSegment): QualifiedDate | undefined {
  const qualifier = ctx.text(seg, 1);
  const date = ctx.date(seg, 2, `date ${qualifier ?? ''}`.trim());
  if (qualifier === undefined || date === undefined) return undefined;
  return compact<QualifiedDate>({
    qualifier,
    date,
    time: ctx.time(seg, 4, `time ${qualifier}`),
    trace: traceOf(seg),
  });
}

/** A quantity, weight or volume and its unit code (W03 02/03, W20 04/06…); absent unless both are sent. */
export function readMeasure(
  ctx: MapContext,
  seg: SetSegment,
  valueAt: number,
  unitAt: number,
  what: string,
): Measure | undefined {
  const value = ctx.decimal(seg, valueAt, what);
  const unit = ctx.text(seg, unitAt);
  return value === undefined || unit === undefined ? undefined : { value, unit };
}

/** SDQ: after the unit (01) and the location qualifier (02), up to ten location/quantity pairs (03/04…21/22). */
export function readDestinationQuantities(
  ctx: MapContext,
  seg: SetSegment,
): { locationQualifier?: string; location: string; quantity: string }[] {
  const out: { locationQualifier?: string; location: string; quantity: string }[] = [];
  const locationQualifier = ctx.text(seg, 2);
  for (let n = 3; n <= 21; n += 2) {
    const location = ctx.text(seg, n);
    const quantity = ctx.decimal(seg, n + 1, `quantity for location ${location ?? ''}`.trim());
    if (location === undefined || quantity === undefined) continue;
    out.push(compact({ locationQualifier, location, quantity }));
  }
  return out;
}

/** PID05: the free-form description, when the PID carries one. */
export function readDescription(ctx: MapContext, seg: SetSegment): string | undefined {
  return ctx.text(seg, 5);
}

/**
 * The object without its undefined properties, keys in the order written: documents carry no `undefined`
 * keys, and their JSON reads in the same order whatever was sent.
 */
export function compact<T extends object>(value: { [K in keyof T]: T[K] | undefined }): T {
  // for…in rather than Object.entries: this runs for every party, pack and item of every document, and the
  // [key, value] pairs Object.entries allocates were most of the mapping's time.
  const out: Record<string, unknown> = {};
  const source = value as Record<string, unknown>;
  for (const k in source) {
    const v = source[k];
    if (v !== undefined) out[k] = v;
  }
  return out as T;
}

/** A set's segments between ST and SE in its three tables: the heading, one loop per line (starting at each
 * `lineTag`), and the summary (from `summaryTag` on). */
export function splitTable(
  set: TransactionSetSegments,
  lineTag: string,
  summaryTag: string,
): { heading: SetSegment[]; loops: SetSegment[][]; summary: SetSegment[] } {
  const heading: SetSegment[] = [];
  const loops: SetSegment[][] = [];
  const summary: SetSegment[] = [];
  let part: 'heading' | 'detail' | 'summary' = 'heading';
  for (const seg of set.segments.slice(1)) {
    if (seg.tag === 'SE') break;
    if (seg.tag === lineTag && part !== 'summary') {
      part = 'detail';
      loops.push([seg]);
    } else if (seg.tag === summaryTag || part === 'summary') {
      part = 'summary';
      summary.push(seg);
    } else if (part === 'detail') {
      loops[loops.length - 1]!.push(seg);
    } else {
      heading.push(seg);
    }
  }
  return { heading, loops, summary };
}

/**
 * The set without its LS…LE bounded loops (as nested as they come), for splitTable: in the warehouse sets
 * (940, 945) those loops hold LX segments of their own, which would otherwise start a line. The mappers do
 * not read what is inside them.
 */
export function withoutBoundedLoops(set: TransactionSetSegments): TransactionSetSegments {
  let depth = 0;
  const segments = set.segments.filter((seg) => {
    if (seg.tag === 'LS') depth++;
    const outside = depth === 0;
    if (seg.tag === 'LE' && depth > 0) depth--;
    return outside;
  });
  return { ...set, segments };
}
