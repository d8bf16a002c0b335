// The demo CSV supplier (partners/nordic-parts.yaml) and its samples (sftp-fixtures/demo/nordic-parts/): the
// partner file loads, every sample is taken by a mapping, the good ones give valid documents and no issue,
// and the one with a bad row names it.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatCsvIssue } from '../../../src/csv/issues.ts';
import { mapCsvFile, type CsvMapResult } from '../../../src/csv/map-file.ts';
import { selectCsvMapping } from '../../../src/csv/mapping.ts';
import type { AdvanceShipNotice } from '../../../src/documents/advance-ship-notice.ts';
import type { Invoice } from '../../../src/documents/invoice.ts';
import { documentSchemaErrors } from '../../../src/documents/schemas.ts';
import type { Partner } from '../../../src/partners/partner.ts';
import { loadPartners } from '../../../src/partners/load.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const SAMPLES = join(ROOT, 'sftp-fixtures/demo/nordic-parts');

describe('demo partner nordic-parts', () => {
  let partner: Partner;

  before(() => {
    // Alone in a folder: the other demo partners' secrets are not this test's business.
    const dir = mkdtempSync(join(tmpdir(), 'dockside-nordic-'));
    try {
      copyFileSync(join(ROOT, 'partners/nordic-parts.yaml'), join(dir, 'nordic-parts.yaml'));
      partner = loadPartners(dir, { dataDir: dir }).get('nordic-parts')!;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const map = (file: string): CsvMapResult => {
    const mapping = selectCsvMapping(partner.csv ?? [], file);
    assert.ok(mapping, `no mapping takes ${file}`);
    return mapCsvFile(readFileSync(join(SAMPLES, file)), file, mapping, partner.id);
  };

  it('has samples that its folder channel takes and a mapping reads', () => {
    const files = readdirSync(SAMPLES).sort();
    assert.deepEqual(files, ['ASN_20261120.csv', 'ASN_20261122_bad-row.csv', 'INV_20261121.csv']);
    assert.deepEqual(partner.inbound[0]!.patterns, ['*.csv']);
  });

  it('reads the good ship notice file into two valid ship notices', () => {
    const r = map('ASN_20261120.csv');
    assert.deepEqual(r.issues, []);
    const notices = r.documents as AdvanceShipNotice[];
    assert.deepEqual(
      notices.map((n) => [n.shipmentId, n.poNumbers, n.shipment.grossWeight]),
      [
        ['SE-20261120-01', ['PO-2026-0411'], { value: '1284.5', unit: 'KG' }],
        ['SE-20261120-02', ['PO-2026-0415'], { value: '310', unit: 'KG' }],
      ],
    );
    // Two cartons in the first, windows-1252 text read as such, a description over two lines kept whole.
    assert.deepEqual(
      notices[0]!.orders[0]!.packs.map((p) => [p.sscc, p.items.map((i) => `${i.quantityShipped} ${i.unit}`)]),
      [
        ['173500123400000018', ['2400 ST', '2400 ST']],
        ['173500123400000025', ['12.5 KG']],
      ],
    );
    assert.equal(notices[0]!.orders[0]!.packs[0]!.items[0]!.description, 'Skruv M8×40; förzinkad');
    assert.equal(notices[1]!.orders[0]!.items[0]!.description, 'Gångjärn 50 mm\r\nmässing, par');
    for (const n of notices) assert.deepEqual(documentSchemaErrors(n), []);
  });

  it('reads the good invoice file into two valid invoices whose amounts add up', () => {
    const r = map('INV_20261121.csv');
    assert.deepEqual(r.issues, []);
    const invoices = r.documents as Invoice[];
    assert.deepEqual(
      invoices.map((i) => [i.invoiceNumber, i.currency, i.terms[0]?.netDays, i.totals.totalAmount]),
      [
        ['F-77012', 'SEK', 30, '7128'],
        ['F-77013', 'SEK', 30, '5760'],
      ],
    );
    for (const i of invoices) assert.deepEqual(documentSchemaErrors(i), []);
  });

  it('names the bad row of the third file and keeps only its shipment out', () => {
    const r = map('ASN_20261122_bad-row.csv');
    assert.deepEqual(r.issues.map(formatCsvIssue), [
      'ASN_20261122_bad-row.csv:3: column "Antal": "1 000" is not a number written with "," before the ' +
        'decimals and "." between thousands; the row belongs to ship notice SE-20261122-01, which is not ' +
        'produced without it',
      'ASN_20261122_bad-row.csv:2: ship notice SE-20261122-01 is not produced: the row on line 3 could not be ' +
        'read, and the ship notice would be incomplete without it',
    ]);
    assert.deepEqual(
      (r.documents as AdvanceShipNotice[]).map((n) => n.shipmentId),
      ['SE-20261122-02'],
    );
  });
});
