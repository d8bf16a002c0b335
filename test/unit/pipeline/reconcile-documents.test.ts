import assert from 'node:assert/strict';
import { GatewayError } from '../../../src/errors.ts';
import type { ErpAdapter } from '../../../src/erp/index.ts';
import type { CanonicalDocument, PurchaseOrder } from '../../../src/documents/index.ts';
import { silentLogger } from '../../../src/log.ts';
import type { Partner, PartnerDirectory } from '../../../src/partners/partner.ts';
import { Reconciler, reconcilePo, type ReconcilerDeps } from '../../../src/pipeline/reconcile-documents.ts';
import type { Db } from '../../../src/store/db.ts';
import { auditOf } from '../../../src/store/queries/audit.ts';
import { documentFields, insertDocuments } from '../../../src/store/queries/documents.ts';
import {
  decideMismatch,
  findMismatches,
  leaseDuePos,
  queueNewDocuments,
  queueReconciliation,
} from '../../../src/store/queries/mismatches.ts';
import { insertReceipt } from '../../../src/store/queries/receipts.ts';
import { engines } from '../../helpers/store.ts';
import {
  invoice,
  invoiceLine,
  PARTNER,
  PO_NUMBER,
  poLine,
  purchaseOrder,
  shipNotice,
  shipped,
  TOLERANCES,
} from '../reconcile/builders.ts';

const DAY = 86_400_000;

/** An ERP whose purchase orders the test sets, and that can be made to fail. */
class TestErp implements ErpAdapter {
  readonly kind = 'csv-export' as const;
  orders = new Map<string, PurchaseOrder>();
  failure: GatewayError | undefined;
  lookups = 0;
  purchaseOrder(poNumber: string): Promise<PurchaseOrder | undefined> {
    this.lookups++;
    return this.failure ? Promise.reject(this.failure) : Promise.resolve(this.orders.get(poNumber));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function directory(): PartnerDirectory {
  const partner = {
    id: PARTNER,
    reconciliation: { ...TOLERANCES, invoiceGraceDays: 2 },
  } as unknown as Partner;
  return {
    get: (id: string) => (id === PARTNER ? partner : undefined),
    all: () => [partner],
    byIdentity: () => undefined,
  };
}

let receipts = 0;
async function store(db: Db, doc: CanonicalDocument, test = false): Promise<number> {
  receipts++;
  const { receipt } = await insertReceipt(db, {
    channelKind: 'folder',
    channelId: `${PARTNER}/drop`,
    partnerId: PARTNER,
    remotePath: null,
    fileName: `doc-${receipts}.edi`,
    size: 1,
    remoteMtime: null,
    sha256: String(receipts).padStart(64, '0'),
    blobKey: String(receipts).padStart(64, '0'),
    idempotencyKey: `test-${receipts}-${Date.now()}`,
  });
  await insertDocuments(db, [
    { ...documentFields(doc, test, []), receiptId: receipt.id, transactionSetId: null, sourceKey: 'csv:1' },
  ]);
  const [row] = await db.query<{ id: number }>(`select max(id)::bigint as id from documents`);
  return row!.id;
}

const ORDER = purchaseOrder([poLine('1', 'A-1', '100', '4.25'), poLine('2', 'B-2', '50', '10')]);
const FULL_SHIPMENT = shipNotice('S1', [shipped('A-1', '100'), shipped('B-2', '50')]);
const SHORT_SHIPMENT = shipNotice('S1', [shipped('A-1', '80'), shipped('B-2', '50')]);
const FULL_INVOICE = invoice('INV-1', [
  invoiceLine('1', 'A-1', '100', '4.25'),
  invoiceLine('2', 'B-2', '50', '10'),
]);

for (const engine of engines()) {
  describe(`reconciliation of stored documents (${engine.name})`, () => {
    let db: Db;
    let erp: TestErp;
    let deps: ReconcilerDeps;
    let clock: Date;

    beforeEach(async () => {
      db = await engine.open();
      erp = new TestErp();
      erp.orders.set(PO_NUMBER, ORDER);
      clock = new Date();
      deps = { db, erp, partners: directory(), log: silentLogger(), now: () => clock };
    });

    const mismatches = async () => (await findMismatches(db)).map((m) => `${m.type} ${m.status}`).sort();

    it('queues the partner and PO a new ship notice or invoice names, once, and not test documents', async () => {
      await store(db, SHORT_SHIPMENT);
      await store(db, FULL_INVOICE);
      await store(db, shipNotice('S2', [shipped('A-1', '1')], { poNumbers: ['PO-TEST'] }), true);
      assert.equal(await queueNewDocuments(db, clock), 1);
      assert.equal(await queueNewDocuments(db, clock), 0, 'the cursor moved past them');
      const due = await leaseDuePos(db, clock, 10, 60_000);
      assert.deepEqual(
        due.map((d) => `${d.partnerId} ${d.poNumber}`),
        [`${PARTNER} ${PO_NUMBER}`],
      );
    });

    it('never leases one PO to two runs at once', async () => {
      await queueReconciliation(
        db,
        ['P1', 'P2', 'P3'].map((poNumber) => ({ partnerId: PARTNER, poNumber })),
        clock,
        'test',
      );
      const [a, b] = await Promise.all([
        leaseDuePos(db, clock, 2, 60_000),
        leaseDuePos(db, clock, 2, 60_000),
      ]);
      const taken = [...a, ...b].map((d) => d.poNumber).sort();
      assert.deepEqual(taken, ['P1', 'P2', 'P3']);
      assert.deepEqual(await leaseDuePos(db, clock, 10, 60_000), [], 'all leased');
    });

    it('stores a mismatch open, audited, and finds it again without a second row', async () => {
      await store(db, SHORT_SHIPMENT);
      await store(db, FULL_INVOICE);
      const reconciler = new Reconciler(deps, { intervalMs: 1000 });
      const run = await reconciler.runOnce();
      assert.equal(run.reconciled.length, 1);
      // Billing more than shipped waits for the invoice's grace period: a second notice may still come.
      assert.deepEqual(await mismatches(), ['short-shipment open']);
      const [m] = await findMismatches(db);
      assert.equal(m!.partnerId, PARTNER);
      assert.equal(m!.poNumber, PO_NUMBER);
      assert.deepEqual(
        (await auditOf(db, 'mismatch', m!.id)).map((a) => `${a.actor} ${a.action}`),
        ['reconciliation mismatch.detected'],
      );
      clock = new Date(clock.getTime() + 3 * DAY);
      const later = await reconciler.runOnce();
      assert.equal(later.reconciled.length, 1, 'matched again when the grace period ended');
      assert.deepEqual(later.reconciled[0]!.saved.updated, [m!.id]);
      assert.deepEqual(await mismatches(), ['invoiced-over-shipped open', 'short-shipment open']);
      assert.equal((await findMismatches(db)).length, 2, 'no second row for the short shipment');
    });

    it('resolves what a re-run after the ERP changed no longer finds, and reopens it if it comes back', async () => {
      await store(db, SHORT_SHIPMENT);
      await store(
        db,
        invoice('INV-1', [invoiceLine('1', 'A-1', '80', '4.25'), invoiceLine('2', 'B-2', '50', '10')]),
      );
      await reconcilePo(deps, PARTNER, PO_NUMBER);
      assert.deepEqual(await mismatches(), ['short-shipment open']);
      // The buyer reduced the order in the ERP to what was shipped.
      erp.orders.set(
        PO_NUMBER,
        purchaseOrder([poLine('1', 'A-1', '80', '4.25'), poLine('2', 'B-2', '50', '10')]),
      );
      const fixed = await reconcilePo(deps, PARTNER, PO_NUMBER);
      assert.equal(fixed.saved.cleared.length, 1);
      const [m] = await findMismatches(db);
      assert.equal(m!.status, 'resolved');
      assert.equal(m!.decidedBy, 'reconciliation');
      erp.orders.set(PO_NUMBER, ORDER);
      const back = await reconcilePo(deps, PARTNER, PO_NUMBER);
      assert.deepEqual(back.saved.reopened, [m!.id]);
      assert.deepEqual(await mismatches(), ['short-shipment open']);
      assert.deepEqual(
        (await auditOf(db, 'mismatch', m!.id)).map((a) => a.action),
        ['mismatch.detected', 'mismatch.resolved', 'mismatch.reopened'],
      );
    });

    it("keeps a person's decision across re-runs and records who, when and why", async () => {
      await store(db, SHORT_SHIPMENT);
      await reconcilePo(deps, PARTNER, PO_NUMBER);
      const [m] = await findMismatches(db);
      const at = new Date('2026-12-01T09:00:00Z');
      const accepted = await db.transaction((tx) =>
        decideMismatch(tx, m!.id, 'accept', {
          actor: 'fiona',
          comment: 'partial delivery agreed by phone',
          at,
        }),
      );
      assert.ok(accepted.ok);
      assert.equal(accepted.mismatch.status, 'accepted');
      assert.equal(accepted.mismatch.decidedBy, 'fiona');
      assert.deepEqual(accepted.mismatch.decidedAt, at);
      await reconcilePo(deps, PARTNER, PO_NUMBER);
      assert.equal((await findMismatches(db))[0]!.status, 'accepted');
      const history = await auditOf(db, 'mismatch', m!.id);
      assert.deepEqual(history.at(-1)!.details, {
        from: 'open',
        to: 'accepted',
        comment: 'partial delivery agreed by phone',
      });
      assert.equal(history.at(-1)!.actor, 'fiona');
    });

    it('refuses a decision the status does not allow, and one on a mismatch that does not exist', async () => {
      await store(db, SHORT_SHIPMENT);
      await reconcilePo(deps, PARTNER, PO_NUMBER);
      const [m] = await findMismatches(db);
      const by = { actor: 'fiona', comment: 'done', at: new Date() };
      assert.ok((await decideMismatch(db, m!.id, 'resolve', by)).ok);
      const refused = await decideMismatch(db, m!.id, 'dispute', by);
      assert.deepEqual(refused, {
        ok: false,
        reason: 'not-allowed',
        status: 'resolved',
        allowedFrom: ['open'],
      });
      assert.deepEqual(await decideMismatch(db, 999_999, 'accept', by), { ok: false, reason: 'not-found' });
    });

    it('lets an invoice that arrives before its ship notice wait: no mismatch, matched again at the grace end', async () => {
      await store(db, FULL_INVOICE);
      const reconciler = new Reconciler(deps, { intervalMs: 1000 });
      const first = await reconciler.runOnce();
      assert.deepEqual(await mismatches(), [], 'no false mismatch while the invoice waits');
      const next = first.reconciled[0]!.nextDueAt!;
      assert.ok(next.getTime() > clock.getTime() + 2 * DAY - 60_000, 'queued for the end of the 2-day grace');
      // The ship notice arrives the next day: matched at once, still nothing to report.
      clock = new Date(clock.getTime() + DAY);
      await store(db, FULL_SHIPMENT);
      const second = await reconciler.runOnce();
      assert.equal(second.reconciled.length, 1);
      assert.deepEqual(await mismatches(), []);
    });

    it('flags an invoice without a ship notice once its grace period is over, not before', async () => {
      await store(db, FULL_INVOICE);
      const reconciler = new Reconciler(deps, { intervalMs: 1000 });
      await reconciler.runOnce();
      clock = new Date(clock.getTime() + DAY);
      assert.equal((await reconciler.runOnce()).reconciled.length, 0, 'not due before the grace period ends');
      clock = new Date(clock.getTime() + 2 * DAY);
      const late = await reconciler.runOnce();
      assert.equal(late.reconciled.length, 1);
      assert.deepEqual(await mismatches(), ['invoice-without-asn open']);
    });

    it('keeps a PO queued with the error when the ERP cannot be reached, and matches it once it can', async () => {
      await store(db, SHORT_SHIPMENT);
      erp.failure = new GatewayError('erp-unavailable', 'connect ECONNREFUSED 127.0.0.1:5999', true);
      const reconciler = new Reconciler(deps, { intervalMs: 1000 });
      const failed = await reconciler.runOnce();
      assert.deepEqual(failed.failed, [
        {
          partnerId: PARTNER,
          poNumber: PO_NUMBER,
          error: 'connect ECONNREFUSED 127.0.0.1:5999',
          retryable: true,
        },
      ]);
      const [row] = await db.query<{ attempts: number; lastError: string }>(
        `select attempts, last_error as "lastError" from reconcile_queue`,
      );
      assert.deepEqual(row, { attempts: 1, lastError: 'connect ECONNREFUSED 127.0.0.1:5999' });
      erp.failure = undefined;
      assert.equal((await reconciler.runOnce()).reconciled.length, 0, 'waits for its retry time');
      clock = new Date(clock.getTime() + 60_000);
      assert.equal((await reconciler.runOnce()).reconciled.length, 1);
      assert.deepEqual(await mismatches(), ['short-shipment open']);
      assert.equal((await db.query(`select 1 from reconcile_queue`)).length, 0);
    });

    it('reports a PO the ERP does not know as unknown-po', async () => {
      erp.orders.clear();
      await store(db, SHORT_SHIPMENT);
      await new Reconciler(deps, { intervalMs: 1000 }).runOnce();
      assert.deepEqual(await mismatches(), ['unknown-po open']);
    });
  });
}
