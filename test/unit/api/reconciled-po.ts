// More data for the trace and mismatch-view tests, on top of the API fixture: the golden 810 for the
// fixture's PO (billing line 2 at 7.95 where the order says 7.80), a rejected 810, and an ERP export folder
// read by the real csv-export adapter whose PO orders 10 of line 2 where the ship notice ships 12.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultMappers } from '../../../src/documents/mappers/index.ts';
import { openErpAdapter, type ErpAdapter } from '../../../src/erp/index.ts';
import { silentLogger } from '../../../src/log.ts';
import { mapDocuments } from '../../../src/pipeline/map-documents.ts';
import { processReceipt } from '../../../src/pipeline/process-receipt.ts';
import { Reconciler } from '../../../src/pipeline/reconcile-documents.ts';
import type { Db } from '../../../src/store/db.ts';
import { ROOT } from '../../helpers/golden.ts';
import { harness, type Harness } from '../../helpers/pipeline.ts';
import { DEMO_ERP_FOLDER, demoExportOptions } from '../erp/demo-export.ts';

export const PO = 'HM4500123456';

const golden = (name: string) => readFileSync(join(ROOT, 'test/golden/x12/004010/810', name), 'latin1');

/** The golden 810 with line 2 billed at 7.95 (the total moved with it, so only the price differs). */
export const PRICED_810 = golden('valid-invoice-allowance-charge-tax.edi')
  .replace('IT1*2*12*EA*7.8*', 'IT1*2*12*EA*7.95*')
  .replace('TDS*26375~', 'TDS*26555~');

/** An 810 with three errors (IT104, a missing TDS, CTT twice): its set is rejected. */
export const BROKEN_810 = golden('broken-invoice-errors.edi');

export interface MoreData {
  h: Harness;
  invoiceReceiptId: number;
  brokenReceiptId: number;
}

async function arriveAndMap(db: Db, h: Harness, text: string, name: string): Promise<number> {
  const id = await h.arrive('acme', text, name);
  await processReceipt(h.deps, id);
  await mapDocuments(
    { db, blobs: h.blobs, partners: h.deps.partners, mappers: defaultMappers(), log: silentLogger() },
    id,
  );
  return id;
}

export async function addInvoices(db: Db): Promise<MoreData> {
  const h = harness(db);
  const invoiceReceiptId = await arriveAndMap(db, h, PRICED_810, 'invoice.edi');
  const brokenReceiptId = await arriveAndMap(db, h, BROKEN_810, 'broken.edi');
  return { h, invoiceReceiptId, brokenReceiptId };
}

/** The demo ERP export with line 2 of the PO ordered 10 instead of 12. */
export function erpExport(): ErpAdapter {
  const folder = mkdtempSync(join(tmpdir(), 'dockside-erp-'));
  copyFileSync(join(DEMO_ERP_FOLDER, 'po_headers.csv'), join(folder, 'po_headers.csv'));
  copyFileSync(join(DEMO_ERP_FOLDER, 'po_receipts.csv'), join(folder, 'po_receipts.csv'));
  const lines = readFileSync(join(DEMO_ERP_FOLDER, 'po_lines.csv'), 'utf8').replace(
    `${PO},2,,AW-1002,012345678912,,MEDIUM STEEL WIDGET,12,EA,7.80`,
    `${PO},2,,AW-1002,012345678912,,MEDIUM STEEL WIDGET,10,EA,7.80`,
  );
  if (!lines.includes(`${PO},2,,AW-1002,012345678912,,MEDIUM STEEL WIDGET,10,EA`)) {
    throw new Error('the demo export changed: line 2 of the PO was not found');
  }
  writeFileSync(join(folder, 'po_lines.csv'), lines);
  return openErpAdapter(demoExportOptions(folder));
}

/** An ERP whose export folder is not there (not mounted): every lookup fails. */
export function missingErpExport(): ErpAdapter {
  return openErpAdapter(demoExportOptions(join(tmpdir(), 'dockside-no-such-erp-folder')));
}

/** Queues what the documents name and matches every due PO, as the gateway's reconciler does. */
export async function reconcileNow(db: Db, h: Harness, erp: ErpAdapter): Promise<void> {
  const run = await new Reconciler(
    { db, erp, partners: h.partners, log: silentLogger() },
    { intervalMs: 60_000 },
  ).runOnce();
  if (run.failed.length > 0) throw new Error(`reconciliation failed: ${run.failed[0]!.error}`);
}
