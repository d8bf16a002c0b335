// Where a purchase order from the ERP came from. The canonical documents know two sources, X12 and CSV; until
// they know an ERP source (see docs/erp.md), a PO read from a query or a URL is described in the CSV shape with
// no lines, `mapping` saying which adapter read it and `fileName` the query or the URL.
import type { CsvSource } from '../documents/common.ts';

export function erpSource(
  adapter: 'postgres' | 'csv-export' | 'http',
  name: string,
  lines: number[] = [],
): CsvSource {
  return { kind: 'csv', fileName: name, lines, mapping: `erp:${adapter}` };
}
