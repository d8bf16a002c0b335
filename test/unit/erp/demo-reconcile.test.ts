// The demo ERP export against the demo partners' samples: what `npm start` will show once reconciliation runs.
// The acme-widget shipment and invoice match their order clean; the tchome shipment leaves an order line short;
// nordic-parts' second invoice bills a price above the order's.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mapCsvFile } from '../../../src/csv/map-file.ts';
import { selectCsvMapping } from '../../../src/csv/mapping.ts';
import type { AdvanceShipNotice, Invoice } from '../../../src/documents/index.ts';
import { defaultMappers } from '../../../src/documents/index.ts';
import { openErpAdapter, type ErpAdapter } from '../../../src/erp/index.ts';
import { loadPartners } from '../../../src/partners/load.ts';
import { reconcile, type Mismatch } from '../../../src/reconcile/index.ts';
import { readTransactionSets } from '../../../src/x12/set-segments.ts';
import { demoExportOptions } from './demo-export.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const SAMPLES = join(ROOT, 'sftp-fixtures/demo');
const RECEIVED = new Date('2026-11-21T12:00:00Z');
const NOW = new Date('2026-12-10T12:00:00Z');

function x12<T>(partnerId: string, file: string): T {
  const { sets, issues } = readTransactionSets(readFileSync(join(SAMPLES, partnerId, file)));
  assert.deepEqual(issues, []);
  const result = defaultMappers().map(sets[0]!, { partnerId });
  assert.ok(result.document, `${file} maps to a document`);
  return result.document as T;
}

function nordic<T>(file: string): T[] {
  const dir = mkdtempSync(join(tmpdir(), 'dockside-erp-demo-'));
  try {
    copyFileSync(join(ROOT, 'partners/nordic-parts.yaml'), join(dir, 'nordic-parts.yaml'));
    const partner = loadPartners(dir, { dataDir: dir }).get('nordic-parts')!;
    const mapping = selectCsvMapping(partner.csv ?? [], file)!;
    const result = mapCsvFile(readFileSync(join(SAMPLES, 'nordic-parts', file)), file, mapping, partner.id);
    assert.deepEqual(result.issues, []);
    return result.documents as T[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const TOLERANCES = { quantityPercent: 0, unitPriceAbsolute: 0.01, unitPricePercent: 0, invoiceGraceDays: 5 };

describe('erp demo export against the demo samples', () => {
  let erp: ErpAdapter;
  before(() => (erp = openErpAdapter(demoExportOptions())));
  after(() => erp.close());

  async function run(
    poNumber: string,
    notices: AdvanceShipNotice[],
    invoices: Invoice[],
  ): Promise<Mismatch[]> {
    const purchaseOrder = await erp.purchaseOrder(poNumber);
    assert.ok(purchaseOrder, `the demo export has ${poNumber}`);
    return reconcile({
      poNumber,
      purchaseOrder,
      shipNotices: notices.map((document, i) => ({ id: `asn-${i + 1}`, receivedAt: RECEIVED, document })),
      invoices: invoices.map((document, i) => ({ id: `inv-${i + 1}`, receivedAt: RECEIVED, document })),
      tolerances: TOLERANCES,
      now: NOW,
    });
  }
  const summary = (ms: Mismatch[]) =>
    ms.map((m) => [m.type, m.expected, m.actual, m.amountAtRisk, m.currency]);

  it('matches acme-widget order HM4500123456 clean with its ship notice and its invoice', async () => {
    const notice = x12<AdvanceShipNotice>('acme-widget', 'asn-SHP2026112001.edi');
    const invoice = x12<Invoice>('acme-widget', 'invoice-INV-2026-11873.edi');
    assert.deepEqual(summary(await run('HM4500123456', [notice], [invoice])), []);
  });

  it('finds tchome order PO88120459 line 2 short-shipped', async () => {
    const notice = x12<AdvanceShipNotice>('tchome', 'asn-005010.edi');
    const found = await run('PO88120459', [notice], []);
    assert.deepEqual(summary(found), [['short-shipment', '12 EA', '8 EA', '126', 'USD']]);
    assert.equal(found[0]!.documents[0]!.lineNumber, '2');
  });

  it('matches nordic-parts order PO-2026-0411 clean, and finds the price billed above order PO-2026-0415', async () => {
    const notices = nordic<AdvanceShipNotice>('ASN_20261120.csv');
    const invoices = nordic<Invoice>('INV_20261121.csv');
    assert.deepEqual(
      notices.map((n) => n.shipmentId),
      ['SE-20261120-01', 'SE-20261120-02'],
    );
    assert.deepEqual(
      invoices.map((i) => i.invoiceNumber),
      ['F-77012', 'F-77013'],
    );
    assert.deepEqual(summary(await run('PO-2026-0411', [notices[0]!], [invoices[0]!])), []);
    const found = await run('PO-2026-0415', [notices[1]!], [invoices[1]!]);
    assert.deepEqual(summary(found), [['unit-price-variance', '36.9', '38.4', '225', 'SEK']]);
    assert.equal(found[0]!.documents[0]!.documentId, 'inv-1');
  });
});
