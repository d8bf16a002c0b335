// Where a purchase order from the ERP came from. The canonical documents know two sources, X12 and CSV; until
// they know an ERP source (see docs/erp.md), a PO read from the ERP is described in the CSV shape, `mapping`
// saying which adapter read it. For a query, `fileName` names the query and `lines` is [1], the one row the
// header query returns; for a URL, `fileName` is the URL and `lines` is [1], the line the JSON body starts on.
import type { CsvSource } from '../documents/common.ts';

export function erpSource(
  adapter: 'postgres' | 'csv-export' | 'http',
  name: string,
  lines: number[] = [1],
): CsvSource {
  return { kind: 'csv', fileName: name, lines, mapping: `erp:${adapter}` };
}
