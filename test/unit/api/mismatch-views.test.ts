import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import * as XLSX from 'xlsx';
import { buildApi } from '../../../src/api/app.ts';
import { mismatchReport } from '../../../src/cli/report.ts';
import type { ErpAdapter } from '../../../src/erp/index.ts';
import { silentLogger } from '../../../src/log.ts';
import { StaticPartnerDirectory } from '../../../src/partners/partner.ts';
import type { Mismatch } from '../../../src/reconcile/index.ts';
import { renderMismatchCsv, renderMismatchXlsx } from '../../../src/reports/index.ts';
import { saveMismatches } from '../../../src/store/queries/mismatches.ts';
import { engines } from '../../helpers/store.ts';
import { apiFixture, bearer, START, type ApiFixture } from './fixture.ts';
import {
  addInvoices,
  erpExport,
  missingErpExport,
  PO,
  reconcileNow,
  type MoreData,
} from './reconciled-po.ts';

function mismatch(
  poNumber: string,
  type: Mismatch['type'],
  amountAtRisk: string,
  currency?: string,
): Mismatch {
  return {
    key: `${poNumber}|${type}|chart`,
    type,
    severity: 'error',
    poNumber,
    expected: '1',
    actual: '2',
    amountAtRisk,
    ...(currency ? { currency } : {}),
    documents: [{ documentType: 'purchase-order', documentId: poNumber }],
    message: `${type} on ${poNumber}`,
  };
}

interface TimelineLine {
  key: string;
  lineNumber?: string;
  itemIds: Record<string, string>;
  ordered: { quantity: string; uom: string; unitPrice: string | null } | null;
  shipped: { documentId: number; quantity: string; uom: string }[];
  invoiced: { documentId: number; quantity: string; uom: string; unitPrice: string }[];
  differences: string[];
  withinTolerance: string[];
  mismatchIds: number[];
}

for (const engine of engines()) {
  describe(`mismatch views on ${engine.name}`, function () {
    this.timeout(60_000);
    let f: ApiFixture;
    const get = (url: string, app: FastifyInstance = f.app) =>
      app.inject({ url, headers: bearer(f.tokens.finance) });

    before(async () => {
      f = await apiFixture(await engine.open());
      // Beside the fixture's 24.00 USD over-shipment of acme on 2026-11-26 (a Thursday).
      await saveMismatches(
        f.db,
        'acme',
        'PO-C1',
        [mismatch('PO-C1', 'over-shipment', '0.1', 'USD')],
        new Date('2026-11-26T23:59:59Z'),
      );
      await saveMismatches(
        f.db,
        'acme',
        'PO-C2',
        [mismatch('PO-C2', 'unit-price-variance', '0.2', 'USD')],
        new Date('2026-11-24T08:00:00Z'),
      );
      await saveMismatches(
        f.db,
        'globex',
        'PO-C3',
        [mismatch('PO-C3', 'over-shipment', '100', 'EUR')],
        new Date('2026-11-30T00:00:00Z'),
      );
      await saveMismatches(
        f.db,
        'globex',
        'PO-C4',
        [mismatch('PO-C4', 'over-shipment', '3')],
        new Date('2026-11-30T10:00:00Z'),
      );
    });
    after(async () => {
      await f.app.close();
    });

    describe('GET /api/mismatches with minAmount and maxAmount', () => {
      it('selects by amount at risk, both bounds inclusive, compared as decimals', async () => {
        const ids = async (query: string) => {
          const res = await get(`/api/mismatches?partner=acme&${query}`);
          assert.equal(res.statusCode, 200, res.body);
          return res.json<{ items: { amountAtRisk: string }[] }>().items.map((i) => i.amountAtRisk);
        };
        assert.deepEqual(await ids('minAmount=24'), ['24.00']);
        assert.deepEqual(await ids('minAmount=24.001'), []);
        // Newest first: PO-C2's was stored after PO-C1's.
        assert.deepEqual(await ids('maxAmount=0.2'), ['0.2', '0.1']);
        assert.deepEqual(await ids('minAmount=0.15&maxAmount=23.99'), ['0.2']);
      });

      it('refuses an amount that is not a decimal', async () => {
        for (const bad of ['abc', '-1', '1e3', '']) {
          const res = await get(`/api/mismatches?minAmount=${bad}`);
          assert.equal(res.statusCode, 400, bad);
          assert.equal(res.json().error.details[0].path, '/minAmount');
        }
      });
    });

    describe('GET /api/mismatches/export', () => {
      it('sends the CSV the CLI writes for the same filter, as a dated attachment', async () => {
        const res = await get('/api/mismatches/export?format=csv&partner=acme&status=open');
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.headers['content-type'], 'text/csv; charset=utf-8');
        assert.equal(
          res.headers['content-disposition'],
          'attachment; filename="dockside-mismatches-2026-11-26.csv"',
        );
        const expected = renderMismatchCsv(
          await mismatchReport(f.db, { partner: 'acme', status: ['open'] }, START),
        );
        assert.equal(res.body, expected);
        // The header and the three acme mismatches, oldest first.
        const records = res.body.split('\r\n').filter(Boolean);
        assert.equal(records.length, 4);
        assert.match(records[1]!, new RegExp(`^${f.mismatchId},acme,${PO},over-shipment,`));
        assert.match(records[3]!, /,PO-C2,unit-price-variance,/);
      });

      it('applies every list filter, amounts included, without paging', async () => {
        const res = await get('/api/mismatches/export?minAmount=50');
        const expected = renderMismatchCsv(
          await mismatchReport(f.db, {}, START).then((r) => ({
            ...r,
            rows: r.rows.filter((row) => row.poNumber === 'PO-C3'),
          })),
        );
        assert.equal(res.body, expected);
        assert.equal(res.headers['content-type'], 'text/csv; charset=utf-8');
      });

      it('sends the XLSX workbook the CLI writes, which reads back with its rows', async () => {
        const res = await get('/api/mismatches/export?format=xlsx&partner=globex');
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(
          res.headers['content-type'],
          'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        );
        assert.equal(
          res.headers['content-disposition'],
          'attachment; filename="dockside-mismatches-2026-11-26.xlsx"',
        );
        const body = res.rawPayload;
        assert.equal(body.subarray(0, 2).toString('latin1'), 'PK');
        assert.ok(
          body.equals(await renderMismatchXlsx(await mismatchReport(f.db, { partner: 'globex' }, START))),
        );
        const book = XLSX.read(body);
        assert.deepEqual(book.SheetNames, ['Mismatches', 'Summary']);
        const rows = XLSX.utils.sheet_to_json<Record<string, unknown>>(book.Sheets.Mismatches!);
        assert.deepEqual(
          rows.map((r) => [r['PO number'], r['Amount at risk'], r.Currency]),
          [
            ['PO-C3', 100, 'EUR'],
            ['PO-C4', 3, undefined],
          ],
        );
      });

      it('refuses a format it does not make', async () => {
        const res = await get('/api/mismatches/export?format=pdf');
        assert.equal(res.statusCode, 400);
        assert.equal(res.json().error.code, 'validation-failed');
      });
    });

    describe('GET /api/mismatches/chart', () => {
      it('sums the amounts at risk per UTC day, partner, type and currency, as exact decimals', async () => {
        const res = await get('/api/mismatches/chart?bucket=day');
        assert.equal(res.statusCode, 200, res.body);
        assert.deepEqual(res.json(), {
          bucket: 'day',
          series: [
            {
              period: '2026-11-24',
              partnerId: 'acme',
              type: 'unit-price-variance',
              currency: 'USD',
              amountAtRisk: '0.2',
              count: 1,
            },
            {
              period: '2026-11-26',
              partnerId: 'acme',
              type: 'over-shipment',
              currency: 'USD',
              amountAtRisk: '24.10',
              count: 2,
            },
            {
              period: '2026-11-30',
              partnerId: 'globex',
              type: 'over-shipment',
              currency: null,
              amountAtRisk: '3',
              count: 1,
            },
            {
              period: '2026-11-30',
              partnerId: 'globex',
              type: 'over-shipment',
              currency: 'EUR',
              amountAtRisk: '100',
              count: 1,
            },
          ],
        });
      });

      it('buckets by the week starting Monday, and takes the list filters', async () => {
        const res = await get('/api/mismatches/chart?bucket=week&partner=acme');
        assert.deepEqual(
          res
            .json<{ series: { period: string; type: string; amountAtRisk: string }[] }>()
            .series.map((p) => [p.period, p.type, p.amountAtRisk]),
          [
            ['2026-11-23', 'over-shipment', '24.10'],
            ['2026-11-23', 'unit-price-variance', '0.2'],
          ],
        );
        const few = await get('/api/mismatches/chart?from=2026-11-30&minAmount=10');
        assert.deepEqual(
          few.json<{ series: { amountAtRisk: string }[] }>().series.map((p) => p.amountAtRisk),
          ['100'],
        );
      });

      it('buckets by day when no bucket is given', async () => {
        assert.equal((await get('/api/mismatches/chart')).json().bucket, 'day');
      });
    });

    describe('GET /api/mismatches/:id/timeline', () => {
      let more: MoreData;
      let erp: ErpAdapter;
      let withErp: FastifyInstance;
      let failingErp: FastifyInstance;
      const app = (adapter: ErpAdapter) =>
        buildApi({ db: f.db, blobs: more.h.blobs, log: silentLogger(), now: () => START, erp: adapter });

      before(async () => {
        more = await addInvoices(f.db);
        erp = erpExport();
        await reconcileNow(f.db, more.h, erp);
        withErp = await app(erp);
        failingErp = await app(missingErpExport());
      });
      after(async () => {
        await withErp.close();
        await failingErp.close();
        await erp.close();
      });

      async function found(type: string): Promise<number> {
        const res = await get(`/api/mismatches?po=${PO}&type=${type}&status=open`);
        const [item] = res.json<{ items: { id: number }[] }>().items;
        assert.ok(item, `an open ${type} on ${PO}`);
        return item.id;
      }

      it('shows the ERP order, the documents naming the PO, and the lines aligned with their differences', async () => {
        const overShipment = await found('over-shipment');
        const priceVariance = await found('unit-price-variance');
        const res = await get(`/api/mismatches/${overShipment}/timeline`, withErp);
        assert.equal(res.statusCode, 200, res.body);
        const body = res.json();
        assert.equal(body.poNumber, PO);
        assert.equal(body.partnerId, 'acme');
        assert.equal(body.purchaseOrder.source, 'erp');
        assert.equal(body.purchaseOrder.found, true);
        assert.equal(body.purchaseOrder.error, undefined);
        assert.equal(body.purchaseOrder.orderDate, '2026-11-16');
        assert.equal(body.purchaseOrder.currency, 'USD');
        assert.deepEqual(body.purchaseOrder.lines[1], {
          lineNumber: '2',
          itemIds: { VP: 'AW-1002', UP: '012345678912' },
          description: 'MEDIUM STEEL WIDGET',
          quantity: '10',
          uom: 'EA',
          unitPrice: '7.8',
        });
        assert.deepEqual(
          body.documents.map((d: { id: number; type: string; number: string; receiptId: number }) => [
            d.id,
            d.type,
            d.number,
            d.receiptId,
          ]),
          [
            [f.documentId, 'advance-ship-notice', 'SHP2026112001', f.receiptId],
            [f.documentId + 1, 'invoice', 'INV-2026-11873', more.invoiceReceiptId],
          ],
        );
        const lines = body.lines as TimelineLine[];
        assert.deepEqual(
          lines.map((l) => [l.key, l.differences]),
          [
            ['po:1', []],
            ['po:2', ['quantity', 'unit-price']],
            ['po:3', []],
          ],
        );
        const two = lines[1]!;
        assert.deepEqual(two.ordered, { quantity: '10', uom: 'EA', unitPrice: '7.8' });
        assert.deepEqual(two.shipped, [
          { documentId: f.documentId, quantity: '12', uom: 'EA', counted: true },
        ]);
        assert.deepEqual(two.invoiced, [
          {
            documentId: f.documentId + 1,
            quantity: '12',
            uom: 'EA',
            unitPrice: '7.95',
            counted: true,
            credit: false,
          },
        ]);
        assert.deepEqual(
          two.mismatchIds,
          [overShipment, priceVariance].sort((a, b) => a - b),
        );
        assert.deepEqual(lines[0]!.mismatchIds, []);
        assert.ok(body.mismatches.some((m: { id: number }) => m.id === f.mismatchId));
      });

      it("compares the lines with the partner file's tolerances, and says which", async () => {
        const acme = f.partners.get('acme');
        assert.ok(acme);
        const reconciliation = {
          quantityPercent: 20,
          unitPriceAbsolute: 0.15,
          unitPricePercent: 0,
          invoiceGraceDays: 3,
        };
        const tolerant = await buildApi({
          db: f.db,
          blobs: more.h.blobs,
          log: silentLogger(),
          now: () => START,
          erp,
          partners: {
            directory: new StaticPartnerDirectory([{ ...acme, reconciliation }]),
            dir: f.partnersDir,
            load: f.partnerLoad,
            hostKeysDir: f.partnersDir,
          },
        });
        try {
          const res = await get(`/api/mismatches/${await found('over-shipment')}/timeline`, tolerant);
          assert.equal(res.statusCode, 200, res.body);
          const body = res.json();
          assert.deepEqual(body.tolerances, reconciliation);
          // Line 2 ships and bills 12 of 10 at 7.95 for 7.80: within 20 % and 0.15.
          const two = (body.lines as TimelineLine[])[1]!;
          assert.deepEqual(two.differences, []);
          assert.deepEqual(two.withinTolerance, ['quantity', 'unit-price']);
        } finally {
          await tolerant.close();
        }
        // Served without a partner registry, the lines are compared exactly and the answer says so.
        const exact = (await get(`/api/mismatches/${await found('over-shipment')}/timeline`, withErp)).json();
        assert.equal(exact.tolerances, null);
        assert.deepEqual((exact.lines as TimelineLine[])[1]!.withinTolerance, []);
      });

      it('reports an ERP that cannot be asked in purchaseOrder.error and still aligns the documents', async () => {
        const id = await found('over-shipment');
        const res = await get(`/api/mismatches/${id}/timeline`, failingErp);
        assert.equal(res.statusCode, 200, res.body);
        const body = res.json();
        assert.equal(body.purchaseOrder.found, false);
        assert.match(body.purchaseOrder.error, /does not exist/);
        assert.deepEqual(body.purchaseOrder.lines, []);
        const lines = body.lines as TimelineLine[];
        assert.equal(lines.length, 3);
        assert.ok(lines.every((l) => l.ordered === null && !l.differences.includes('not-on-po')));
        assert.deepEqual(
          lines.map((l) => l.differences),
          [[], [], []],
        );
      });

      it('says so when no ERP is configured', async () => {
        const res = await get(`/api/mismatches/${f.mismatchId}/timeline`);
        assert.equal(res.statusCode, 200, res.body);
        assert.deepEqual(res.json().purchaseOrder, {
          source: 'erp',
          found: false,
          error: 'no ERP is configured',
          lines: [],
        });
      });

      it('answers 404 for a mismatch that does not exist', async () => {
        const res = await get('/api/mismatches/999999/timeline', withErp);
        assert.equal(res.statusCode, 404);
        assert.equal(res.json().error.code, 'not-found');
      });
    });
  });
}
