// Which purchase order line a ship notice item or an invoice line is for.
//
// Precedence: the line number, when both sides carry one and the item identifiers they both state agree;
// otherwise the buyer's part number, then the vendor's part number, then the GTIN (a UPC is a GTIN-12, so UPC
// and GTIN are compared as 14-digit GTINs). Several PO lines with the same identifier (one part ordered twice,
// for two delivery dates) resolve to the first of them in PO order.
import type { ProductIds } from '../documents/common.ts';

export interface ItemIdentity {
  buyerPartNumber?: string;
  vendorPartNumber?: string;
  gtin?: string;
  sku?: string;
}

export interface NumberedItem extends ProductIds {
  lineNumber?: string;
}

function clean(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v === undefined || v === '' ? undefined : v;
}

/** A UPC or GTIN of any length as a GTIN-14, so 012345678905 (UPC-A) and 00012345678905 are the same item. */
export function gtin14(value: string | undefined): string | undefined {
  const v = clean(value);
  if (v === undefined || !/^[0-9]{8,14}$/.test(v)) return v;
  return v.padStart(14, '0');
}

export function identityOf(item: ProductIds): ItemIdentity {
  const id: ItemIdentity = {};
  const buyer = clean(item.buyerPartNumber);
  const vendor = clean(item.vendorPartNumber);
  const gtin = gtin14(item.gtin) ?? gtin14(item.upc);
  const sku = clean(item.sku);
  if (buyer !== undefined) id.buyerPartNumber = buyer;
  if (vendor !== undefined) id.vendorPartNumber = vendor;
  if (gtin !== undefined) id.gtin = gtin;
  if (sku !== undefined) id.sku = sku;
  return id;
}

/** How a document names the item, for people and for keys: the strongest identifier it carries. */
export function itemLabel(id: ItemIdentity): string | undefined {
  if (id.buyerPartNumber !== undefined) return `BP:${id.buyerPartNumber}`;
  if (id.vendorPartNumber !== undefined) return `VP:${id.vendorPartNumber}`;
  if (id.gtin !== undefined) return `GTIN:${id.gtin}`;
  if (id.sku !== undefined) return `SK:${id.sku}`;
  return undefined;
}

const FIELDS = ['buyerPartNumber', 'vendorPartNumber', 'gtin', 'sku'] as const;

/** No identifier that both state differs. Two items that share none agree: the line number is all there is. */
export function identitiesAgree(a: ItemIdentity, b: ItemIdentity): boolean {
  return FIELDS.every((f) => a[f] === undefined || b[f] === undefined || a[f] === b[f]);
}

function sameLineNumber(a: string | undefined, b: string | undefined): boolean {
  const x = clean(a);
  const y = clean(b);
  if (x === undefined || y === undefined) return false;
  // "001" and "1" are the same line to every partner we have seen; other spellings must match exactly.
  return /^[0-9]+$/.test(x) && /^[0-9]+$/.test(y) ? BigInt(x) === BigInt(y) : x === y;
}

const PRECEDENCE = ['buyerPartNumber', 'vendorPartNumber', 'gtin'] as const;

/** The index of the PO line the item is for, or undefined when it is not on the order. */
export function matchPoLine(item: NumberedItem, poLines: readonly NumberedItem[]): number | undefined {
  const id = identityOf(item);
  const byNumber = poLines.findIndex(
    (line) => sameLineNumber(item.lineNumber, line.lineNumber) && identitiesAgree(id, identityOf(line)),
  );
  if (byNumber >= 0) return byNumber;
  const ids = poLines.map(identityOf);
  for (const field of PRECEDENCE) {
    const wanted = id[field];
    if (wanted === undefined) continue;
    const found = ids.findIndex((line) => line[field] === wanted);
    if (found >= 0) return found;
  }
  return undefined;
}
