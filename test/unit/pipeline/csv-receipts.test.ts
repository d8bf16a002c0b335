import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPartners } from '../../../src/partners/load.ts';
import { processReceipt } from '../../../src/pipeline/process-receipt.ts';
import { acknowledgmentsOfReceipt } from '../../../src/store/queries/acknowledgments.ts';
import { documentsOfReceipt } from '../../../src/store/queries/documents.ts';
import { interchangesOfReceipt } from '../../../src/store/queries/interchanges.ts';
import { getReceipt } from '../../../src/store/queries/receipts.ts';
import { ROOT } from '../../helpers/golden.ts';
import { harness, testPartner } from '../../helpers/pipeline.ts';
import { engines } from '../../helpers/store.ts';

// A partner file with a CSV mapping for ship notices (*.csv) and a file with one bad row of each kind: two
// of its shipments are read, the others are kept out with an issue each (test/golden/csv/asn-bad-rows).
const GOLDEN = join(ROOT, 'test/golden/csv/asn-bad-rows');
const BAD_ROWS = readFileSync(join(GOLDEN, 'asn-bad.csv'), 'latin1');

function csvPartnerMappings() {
  const dir = mkdtempSync(join(tmpdir(), 'dockside-csv-partner-'));
  copyFileSync(join(GOLDEN, 'partner.yaml'), join(dir, 'golden-bad-asn.yaml'));
  return loadPartners(dir, { dataDir: dir }).get('golden-bad-asn')!.csv!;
}

for (const engine of engines()) {
  describe(`process-receipt with a CSV partner on ${engine.name}`, function () {
    this.timeout(60_000);

    it("reads a file its CSV mapping names into stored documents, records each bad row's line, and sends no ack", async () => {
      const csv = csvPartnerMappings();
      const h = harness(await engine.open(), (dir) => [
        testPartner('golden-bad-asn', 'GOLDENBADASN', dir, { csv }),
      ]);
      const id = await h.arrive('golden-bad-asn', BAD_ROWS, 'asn-bad.csv');
      const result = await processReceipt(h.deps, id);
      assert.equal(result.outcome, 'partially-accepted');
      assert.deepEqual(result.acks, []);

      const receipt = (await getReceipt(h.db, id))!;
      assert.equal(receipt.status, 'processed');
      const issues = receipt.issues as {
        code: string;
        severity: string;
        location: { line: number; column?: string };
      }[];
      // Every bad row is there with its line; nothing is dropped without a word.
      const qty = issues.find((i) => i.code === 'invalid-value' && i.location.column === 'Qty');
      assert.equal(qty?.location.line, 4);
      assert.ok(issues.some((i) => i.code === 'document-incomplete'));
      assert.ok(issues.every((i) => i.location.line >= 1));

      assert.deepEqual((await interchangesOfReceipt(h.db, id)).interchanges, []);
      assert.deepEqual(await acknowledgmentsOfReceipt(h.db, id), []);
      // Its documents are stored with it; the mapping job has nothing left to do.
      assert.deepEqual(
        (await documentsOfReceipt(h.db, id)).map((d) => [d.sourceKey, d.shipmentId, d.transactionSetId]),
        [
          ['csv:1', 'SHP-1', null],
          ['csv:2', 'SHP-9', null],
        ],
      );
      assert.deepEqual(h.queue.of('map-documents'), []);
    });

    it('takes a file no CSV mapping names for X12, and rejects it as such', async () => {
      const csv = csvPartnerMappings();
      const h = harness(await engine.open(), (dir) => [
        testPartner('golden-bad-asn', 'GOLDENBADASN', dir, { csv }),
      ]);
      const id = await h.arrive('golden-bad-asn', BAD_ROWS, 'asn-bad.txt');
      assert.equal((await processReceipt(h.deps, id)).outcome, 'rejected');
      const issues = (await getReceipt(h.db, id))!.issues as { code: string }[];
      assert.deepEqual(
        issues.map((i) => i.code),
        ['not-x12'],
      );
      assert.deepEqual(h.queue.of('map-documents'), []);
    });

    it('rejects a CSV file none of whose documents could be made', async () => {
      const csv = csvPartnerMappings();
      const h = harness(await engine.open(), (dir) => [
        testPartner('golden-bad-asn', 'GOLDENBADASN', dir, { csv }),
      ]);
      const header = BAD_ROWS.split('\n')[0]!;
      const id = await h.arrive(
        'golden-bad-asn',
        `${header}\nSHP-9,2024-03-01,PO-9,A,many,EA,bad qty\n`,
        'one.csv',
      );
      assert.equal((await processReceipt(h.deps, id)).outcome, 'rejected');
      assert.deepEqual(h.queue.of('map-documents'), []);
    });
  });
}
