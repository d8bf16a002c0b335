import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';
import { CSV_FIELDS, PARTY_SUFFIXES } from '../../../src/csv/fields.ts';
import { CSV_ISSUE_CODES } from '../../../src/csv/issues.ts';
import { mapCsvFile } from '../../../src/csv/map-file.ts';
import { selectCsvMapping } from '../../../src/csv/mapping.ts';
import type { AdvanceShipNotice } from '../../../src/documents/advance-ship-notice.ts';
import { loadPartners } from '../../../src/partners/load.ts';

const DOC = readFileSync(fileURLToPath(new URL('../../../docs/csv.md', import.meta.url)), 'utf8');

/** The first fenced block of the language after `after`. */
function block(language: string, after = ''): string {
  const from = DOC.indexOf(after);
  const m = new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(DOC.slice(from));
  assert.ok(m, `no ${language} block after ${after}`);
  return m[1]!;
}

describe('docs/csv.md', () => {
  it('lists every issue code with its severity, and no code the catalogue lacks', () => {
    const documented = [...DOC.matchAll(/^\| `([a-z-]+)` +\| (error|warning) +\|/gm)].map((m) => [
      m[1]!,
      m[2]!,
    ]);
    assert.deepEqual(documented.map(([code]) => code).sort(), Object.keys(CSV_ISSUE_CODES).sort());
    for (const [code, severity] of documented) {
      assert.equal(severity, CSV_ISSUE_CODES[code as keyof typeof CSV_ISSUE_CODES], code);
    }
  });

  it('describes every field a mapping may fill', () => {
    const suffixes = new RegExp(`(${PARTY_SUFFIXES.join('|')})$`);
    for (const [type, levels] of Object.entries(CSV_FIELDS)) {
      for (const name of [...Object.keys(levels.document), ...Object.keys(levels.line)]) {
        const party = /^(shipFrom|shipTo|billTo|remitTo)/.exec(name);
        const shown = party && suffixes.test(name) ? `\`${party[1]!}…\`` : `\`${name}\``;
        assert.ok(DOC.includes(shown), `${type}: ${name} is not described`);
      }
    }
  });

  it('has a complete example that loads and reads its sample file as it says', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dockside-csv-docs-'));
    try {
      writeFileSync(join(dir, 'kestrel-tools.yaml'), block('yaml'));
      const partner = loadPartners(dir, { dataDir: dir }).get('kestrel-tools')!;
      assert.deepEqual(
        partner.csv?.map((m) => m.name),
        ['ship-notices', 'invoices'],
      );
      const mapping = selectCsvMapping(partner.csv, 'LIEF_0412.csv')!;
      const bytes = iconv.encode(block('text', '`LIEF_0412.csv`'), 'windows-1252');
      const r = mapCsvFile(bytes, 'LIEF_0412.csv', mapping, partner.id);
      assert.deepEqual(r.issues, []);
      const notices = r.documents as AdvanceShipNotice[];
      assert.deepEqual(
        notices.map((n) => [
          n.shipmentId,
          n.shipment.shipDate,
          n.orders.map((o) => [o.poNumber, o.items.map((i) => `${i.quantityShipped} ${i.unit}`)]),
        ]),
        [
          ['L-5501', '2026-12-04', [['PO-88', ['1200 EA', '12.5 KG']]]],
          ['L-5502', '2026-12-05', [['PO-91', ['40 EA']]]],
        ],
      );
      assert.equal(notices[0]!.orders[0]!.items[1]!.description, 'Schraubendreher\nSatz');
      assert.equal(selectCsvMapping(partner.csv, 'RE_0412.txt')?.name, 'invoices');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
