import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultMappers } from '../../../src/documents/mappers/index.ts';
import { mapDocuments, type MapDocumentsDeps } from '../../../src/pipeline/map-documents.ts';
import { processReceipt } from '../../../src/pipeline/process-receipt.ts';
import { documentsOfReceipt, findDocuments } from '../../../src/store/queries/documents.ts';
import { interchangesOfReceipt } from '../../../src/store/queries/interchanges.ts';
import { ROOT } from '../../helpers/golden.ts';
import { silentLogger } from '../../../src/log.ts';
import {
  BROKEN_856,
  GOLDEN_856,
  harness,
  testPartner,
  withEnvelope,
  type Harness,
} from '../../helpers/pipeline.ts';
import { engines } from '../../helpers/store.ts';

const INVOICE_810 = readFileSync(
  join(ROOT, 'test/golden/x12/004010/810/valid-invoice-allowance-charge-tax.edi'),
  'latin1',
);
const ADVICE_824 = readFileSync(
  join(ROOT, 'test/golden/x12/004010/824/valid-application-advice.edi'),
  'latin1',
);

function mapping(h: Harness): MapDocumentsDeps {
  return {
    db: h.db,
    blobs: h.blobs,
    partners: h.deps.partners,
    mappers: defaultMappers(),
    log: silentLogger(),
  };
}

async function mappingStatuses(h: Harness, receiptId: number): Promise<string[]> {
  const rows = await h.db.query<{ status: string }>(
    'select mapping_status as status from transaction_sets where receipt_id = $1 order by id',
    [receiptId],
  );
  return rows.map((r) => r.status);
}

for (const engine of engines()) {
  describe(`map-documents on ${engine.name}`, function () {
    this.timeout(60_000);

    it('stores the ship notice an accepted 856 becomes, with its business keys, and only once', async () => {
      const h = harness(await engine.open());
      const id = await h.arrive('acme', GOLDEN_856, 'asn.edi');
      await processReceipt(h.deps, id);
      assert.deepEqual(h.queue.of('map-documents'), [{ receiptId: id }]);

      assert.deepEqual(await mapDocuments(mapping(h), id), { receiptId: id, stored: 1, failed: 0 });
      const [doc] = await documentsOfReceipt(h.db, id);
      const { sets } = await interchangesOfReceipt(h.db, id);
      assert.equal(doc!.type, 'advance-ship-notice');
      assert.equal(doc!.transactionSetId, sets[0]!.id);
      assert.equal(doc!.partnerId, 'acme');
      assert.equal(doc!.shipmentId, 'SHP2026112001');
      assert.equal(doc!.billOfLading, 'ODFL7781200456');
      assert.deepEqual(doc!.poNumbers, ['HM4500123456']);
      assert.equal(doc!.test, false);
      assert.equal((doc!.document as { shipmentId: string }).shipmentId, 'SHP2026112001');
      assert.deepEqual(await mappingStatuses(h, id), ['mapped']);

      // A second run (a retry after a crash) finds nothing pending and stores nothing.
      assert.deepEqual(await mapDocuments(mapping(h), id), { receiptId: id, stored: 0, failed: 0 });
      assert.equal((await documentsOfReceipt(h.db, id)).length, 1);
    });

    it('finds documents by PO number, shipment id, bill of lading and invoice number', async () => {
      const h = harness(await engine.open());
      const asn = await h.arrive('acme', GOLDEN_856, 'asn.edi');
      const inv = await h.arrive('acme', INVOICE_810, 'inv.edi');
      await processReceipt(h.deps, asn);
      await processReceipt(h.deps, inv);
      await mapDocuments(mapping(h), asn);
      await mapDocuments(mapping(h), inv);

      const byPo = await findDocuments(h.db, { poNumber: 'HM4500123456' });
      assert.deepEqual(byPo.map((d) => d.type).sort(), ['advance-ship-notice', 'invoice']);
      assert.deepEqual(
        (await findDocuments(h.db, { invoiceNumber: 'INV-2026-11873' })).map((d) => d.receiptId),
        [inv],
      );
      assert.deepEqual(
        (await findDocuments(h.db, { shipmentId: 'SHP2026112001' })).map((d) => d.receiptId),
        [asn],
      );
      assert.deepEqual(
        (await findDocuments(h.db, { billOfLading: 'ODFL7781200456', type: 'advance-ship-notice' })).map(
          (d) => d.receiptId,
        ),
        [asn],
      );
      assert.deepEqual(await findDocuments(h.db, { poNumber: 'NO-SUCH-PO' }), []);
    });

    it('marks test data as such: an ISA15 of T, or any file of a partner whose status is testing', async () => {
      const h = harness(await engine.open(), (dir) => [
        testPartner('acme', 'ACMEWIDGET', dir),
        testPartner('globex', 'GLOBEX', dir, { status: 'testing' }),
      ]);
      const t = await h.arrive('acme', GOLDEN_856.replace(/\*0\*P\*>~/, '*0*T*>~'), 'test.edi');
      const testing = await h.arrive('globex', withEnvelope(GOLDEN_856, { sender: 'GLOBEX' }), 'g.edi');
      for (const id of [t, testing]) {
        await processReceipt(h.deps, id);
        await mapDocuments(mapping(h), id);
        assert.equal((await documentsOfReceipt(h.db, id))[0]!.test, true, `receipt ${id}`);
      }
    });

    it('maps nothing for a rejected set, and leaves a set no document type is made from as not applicable', async () => {
      const h = harness(await engine.open(), (dir) => [
        testPartner('acme', 'ACMEWIDGET', dir),
        testPartner('harbormart', 'HARBORMART', dir),
      ]);
      const broken = await h.arrive('acme', BROKEN_856, 'broken.edi');
      await processReceipt(h.deps, broken);
      assert.deepEqual(await mapDocuments(mapping(h), broken), { receiptId: broken, stored: 0, failed: 0 });

      const inventory = await h.arrive('harbormart', ADVICE_824, 'advice.edi');
      assert.equal((await processReceipt(h.deps, inventory)).outcome, 'accepted');
      assert.deepEqual(await mapDocuments(mapping(h), inventory), {
        receiptId: inventory,
        stored: 0,
        failed: 0,
      });
      assert.deepEqual(await mappingStatuses(h, inventory), ['not-applicable']);
    });

    it('maps the accepted sets of a small file in the same transaction when given the mappers, leaving no job', async () => {
      const h = harness(await engine.open());
      h.deps.mappers = defaultMappers();
      const asn = await h.arrive('acme', GOLDEN_856, 'asn.edi');
      const broken = await h.arrive('acme', BROKEN_856, 'broken.edi');
      await processReceipt(h.deps, asn);
      await processReceipt(h.deps, broken);
      const [doc] = await documentsOfReceipt(h.db, asn);
      assert.equal(doc!.shipmentId, 'SHP2026112001');
      assert.equal(doc!.sourceKey, `set:${doc!.transactionSetId}`);
      assert.deepEqual(await mappingStatuses(h, asn), ['mapped']);
      assert.deepEqual(await documentsOfReceipt(h.db, broken), []);
      assert.deepEqual(h.queue.of('map-documents'), []);
      // The job, if it runs anyway (the sweeper, a replay), finds nothing pending.
      assert.deepEqual(await mapDocuments(mapping(h), asn), { receiptId: asn, stored: 0, failed: 0 });
    });

    it('maps a duplicate interchange no more than once: its sets are not accepted', async () => {
      const h = harness(await engine.open());
      h.deps.mappers = defaultMappers();
      const first = await h.arrive('acme', GOLDEN_856, 'a.edi');
      const again = await h.arrive('acme', `${GOLDEN_856}\n`, 'b.edi');
      await processReceipt(h.deps, first);
      await processReceipt(h.deps, again);
      assert.equal((await documentsOfReceipt(h.db, first)).length, 1);
      assert.deepEqual(await documentsOfReceipt(h.db, again), []);
      assert.equal((await findDocuments(h.db, { shipmentId: 'SHP2026112001' })).length, 1);
    });
  });
}
