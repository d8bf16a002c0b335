// What the document builders share: the rows of one document with their values read, and the pieces every
// document type has (parties from flattened fields, product ids).
import type { Address, Party, PartyRole, ProductIds } from '../documents/common.ts';
import type { CsvIssueCode } from './issues.ts';
import type { CsvMapping } from './mapping.ts';

export type CsvValue = string | number;

/** One row that made it through: where it starts and its fields, read. */
export interface CsvRow {
  line: number;
  /** The document-level fields this row gives (only the first row's are used). */
  document: Record<string, CsvValue>;
  /** The line-level fields. */
  values: Record<string, CsvValue>;
}

export interface BuildContext {
  partnerId: string;
  fileName: string;
  mapping: CsvMapping;
  /** How messages name the document: "ship notice SHP-1001". */
  label: string;
  /** A problem found while putting the rows together, at a row's line and a line field's column. */
  issue(code: CsvIssueCode, message: string, line: number, field?: string, data?: string): void;
}

export const text = (v: CsvValue | undefined): string | undefined =>
  v === undefined ? undefined : String(v);

/** Copies the defined values only: the documents' schemas refuse a key whose value is undefined. */
export function defined<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const key in value) if (value[key] !== undefined) out[key] = value[key];
  return out as T;
}

const ROLES: Record<string, PartyRole> = {
  shipTo: 'ship-to',
  shipFrom: 'ship-from',
  billTo: 'bill-to',
  remitTo: 'remit-to',
};

/** The parties whose flattened fields (shipToName, shipToCity, …) have any value, in the order given. */
export function partiesOf(values: Record<string, CsvValue>, prefixes: string[], line: number): Party[] {
  const parties: Party[] = [];
  for (const prefix of prefixes) {
    const v = (suffix: string) => text(values[`${prefix}${suffix}`]);
    const lines = [v('Address1'), v('Address2')].filter((l): l is string => l !== undefined);
    const address: Address = defined({
      lines,
      city: v('City'),
      region: v('Region'),
      postalCode: v('PostalCode'),
      country: v('Country'),
    });
    const hasAddress = Object.keys(address).length > 1 || lines.length > 0;
    const party: Party = defined({
      role: ROLES[prefix]!,
      name: v('Name'),
      idQualifier: v('IdQualifier'),
      id: v('Id'),
      address: hasAddress ? address : undefined,
    });
    if (Object.keys(party).length > 1) parties.push({ ...party, trace: { line } });
  }
  return parties;
}

/** Product ids as the X12 mappers keep them: named fields, and every pair under its X12 qualifier. */
export function productIdsOf(values: Record<string, CsvValue>): ProductIds {
  const ids: ProductIds['ids'] = [];
  const pairs: [keyof ProductIds, string][] = [
    ['buyerPartNumber', 'BP'],
    ['vendorPartNumber', 'VP'],
    ['upc', 'UP'],
    ['gtin', 'EN'],
    ['sku', 'SK'],
  ];
  const out: ProductIds = { ids };
  for (const [field, qualifier] of pairs) {
    const value = text(values[field]);
    if (value === undefined) continue;
    ids.push({ qualifier, value });
    (out as unknown as Record<string, string>)[field] = value;
  }
  return out;
}
