import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ackFileName } from '../../../src/pipeline/deliver-outbound.ts';
import { replayReceipt } from '../../../src/pipeline/operations.ts';
import { processReceiptHandler, processReceipts } from '../../../src/pipeline/process-receipt.ts';
import type { Db } from '../../../src/store/db.ts';
import { acknowledgmentsOfReceipt } from '../../../src/store/queries/acknowledgments.ts';
import { interchangesOfReceipt } from '../../../src/store/queries/interchanges.ts';
import { getReceipt } from '../../../src/store/queries/receipts.ts';
import { GOLDEN_856, harness, testPartner, withEnvelope } from '../../helpers/pipeline.ts';
import { engines } from '../../helpers/store.ts';

/** The same database, counting transactions and failing the first `failFirst` of them. */
function instrumented(db: Db, failFirst = 0): Db & { transactions: number } {
  let failures = failFirst;
  const wrapped = Object.create(db) as Db & { transactions: number };
  wrapped.transactions = 0;
  wrapped.transaction = async (fn) => {
    wrapped.transactions++;
    if (failures > 0) {
      failures--;
      throw new Error('injected: the batch transaction failed');
    }
    return db.transaction(fn);
  };
  return wrapped;
}

/** The same interchange (sender, receiver, ISA13) in other bytes, so that it is not the same arrival. */
const sameInterchange = (n: number) => GOLDEN_856.replace('SHP2026112001', `SHP20261120${10 + n}`);

for (const engine of engines()) {
  describe(`process-receipt batches on ${engine.name}`, function () {
    this.timeout(60_000);

    it('processes receipts of two partners in one transaction, each with its own outcome and acks', async () => {
      const h = harness(await engine.open());
      const ids = [
        await h.arrive('acme', withEnvelope(GOLDEN_856, { control: 201 })),
        await h.arrive('globex', withEnvelope(GOLDEN_856, { sender: 'GLOBEX', control: 202 })),
        await h.arrive('acme', withEnvelope(GOLDEN_856, { control: 203, ackRequested: '1' })),
        await h.arrive('acme', 'not X12 at all'),
      ];
      const db = instrumented(h.db);
      const results = await processReceipts({ ...h.deps, db }, ids);
      assert.equal(db.transactions, 1);
      assert.deepEqual(
        results.map((r) => (r.ok ? r.value.outcome : 'failed')),
        ['accepted', 'accepted', 'accepted', 'rejected'],
      );
      const acks = await Promise.all(ids.map((id) => acknowledgmentsOfReceipt(h.db, id)));
      assert.deepEqual(
        acks.map((a) => a.map((x) => `${x.partnerId}:${x.kinds}:${Number(x.controlNumber)}`)),
        [['acme:997:1'], ['globex:997:1'], ['acme:TA1+997:2'], []],
      );
      for (const id of ids) assert.equal((await getReceipt(h.db, id))!.status, 'processed');
      assert.deepEqual(
        h.queue.of('deliver-outbound').map((p) => p.ackId),
        acks.flat().map((a) => a.id),
      );
    });

    it('marks the second of two receipts in one batch that carry the same interchange a duplicate of the first', async () => {
      const h = harness(await engine.open());
      const first = await h.arrive('acme', sameInterchange(1));
      const second = await h.arrive('acme', sameInterchange(2));
      const results = await processReceipts(h.deps, [second, first]);
      assert.deepEqual(
        results.map((r) => r.ok && r.value.outcome),
        ['rejected', 'accepted'],
      );
      const a = await interchangesOfReceipt(h.db, first);
      const b = await interchangesOfReceipt(h.db, second);
      assert.equal(a.interchanges[0]!.status, 'accepted');
      assert.equal(b.interchanges[0]!.status, 'duplicate');
      assert.equal(b.interchanges[0]!.duplicateOf, a.interchanges[0]!.id);
      const [issue] = b.interchanges[0]!.issues as { code: string; message: string }[];
      assert.equal(issue!.code, 'duplicate-interchange');
      assert.match(issue!.message, new RegExp(`already received in receipt ${first} `));
      const [ack] = await acknowledgmentsOfReceipt(h.db, second);
      assert.equal(ack!.ta1Code, 'R025');
    });

    it('marks an interchange repeated in the same file a duplicate of the first one in the file', async () => {
      const h = harness(await engine.open());
      const id = await h.arrive('acme', `${GOLDEN_856}\n${sameInterchange(3)}`);
      const [result] = await processReceipts(h.deps, [id]);
      assert.ok(result!.ok && result!.value.outcome === 'partially-accepted');
      const { interchanges } = await interchangesOfReceipt(h.db, id);
      assert.deepEqual(
        interchanges.map((ic) => ic.status),
        ['accepted', 'duplicate'],
      );
      assert.equal(interchanges[1]!.duplicateOf, interchanges[0]!.id);
      assert.match(
        (interchanges[1]!.issues as { message: string }[])[0]!.message,
        /already received in this file, at line 1;/,
      );
    });

    it('does not take two replays of one receipt in the same batch for duplicates of each other', async () => {
      const h = harness(await engine.open());
      const id = await h.arrive('acme', GOLDEN_856);
      await processReceipts(h.deps, [id]);
      const ops = { ...h.deps, intake: h.intake };
      const r1 = (await replayReceipt(ops, id, 'test')).receipt.id;
      const r2 = (await replayReceipt(ops, id, 'test')).receipt.id;
      await processReceipts(h.deps, [r1, r2]);
      for (const r of [r1, r2]) {
        assert.equal((await interchangesOfReceipt(h.db, r)).interchanges[0]!.status, 'accepted');
      }
    });

    it('fails only the receipt that cannot be processed and commits the others', async () => {
      const h = harness(await engine.open());
      const good = await h.arrive('acme', GOLDEN_856);
      const orphan = await h.arrive('ghost', withEnvelope(GOLDEN_856, { control: 301 }));
      const results = await processReceipts(h.deps, [good, orphan]);
      assert.equal(results[0]!.ok, true);
      assert.equal(results[1]!.ok, false);
      assert.match(String((results[1] as { error: Error }).error.message), /partner "ghost"/);
      assert.equal((await getReceipt(h.db, good))!.status, 'processed');
      const orphanRow = await getReceipt(h.db, orphan);
      assert.equal(orphanRow!.status, 'processing');
      assert.match(orphanRow!.lastError!, /partner "ghost"/);
    });

    it('tries a batch whose transaction failed again receipt by receipt, and commits each once', async () => {
      const h = harness(await engine.open());
      const ids = [
        await h.arrive('acme', withEnvelope(GOLDEN_856, { control: 401 })),
        await h.arrive('acme', withEnvelope(GOLDEN_856, { control: 402 })),
        await h.arrive('acme', sameInterchange(4)),
        await h.arrive('acme', sameInterchange(5)),
      ];
      const db = instrumented(h.db, 1);
      const results = await processReceipts({ ...h.deps, db }, ids);
      assert.equal(db.transactions, 1 + ids.length);
      assert.deepEqual(
        results.map((r) => r.ok && r.value.outcome),
        ['accepted', 'accepted', 'accepted', 'rejected'],
      );
      const statuses = await Promise.all(
        ids.map(async (id) => (await interchangesOfReceipt(h.db, id)).interchanges.map((ic) => ic.status)),
      );
      assert.deepEqual(statuses, [['accepted'], ['accepted'], ['accepted'], ['duplicate']]);
      const controls = (await Promise.all(ids.map((id) => acknowledgmentsOfReceipt(h.db, id))))
        .flat()
        .map((a) => Number(a.controlNumber));
      assert.deepEqual(controls, [1, 2, 3, 4]);
    });

    it('delivers the acks of a folder partner at once, with no delivery job', async () => {
      const h = harness(await engine.open());
      const ids = [
        await h.arrive('acme', withEnvelope(GOLDEN_856, { control: 601 })),
        await h.arrive('acme', withEnvelope(GOLDEN_856, { control: 602 })),
      ];
      await processReceipts({ ...h.deps, inlineDelivery: true }, ids);
      const acks = (await Promise.all(ids.map((id) => acknowledgmentsOfReceipt(h.db, id)))).flat();
      assert.deepEqual(
        acks.map((a) => [a.deliveryStatus, a.channelKind, a.attempts]),
        [
          ['delivered', 'folder', 1],
          ['delivered', 'folder', 1],
        ],
      );
      for (const a of acks) {
        assert.equal(readFileSync(a.deliveredTo!, 'latin1'), a.body);
        assert.equal(basename(a.deliveredTo!), ackFileName(a));
      }
      assert.deepEqual(h.queue.of('deliver-outbound'), []);
    });

    it('leaves an ack whose first delivery failed pending, with the reason, and queues its job', async () => {
      const h = harness(await engine.open(), (dir) => {
        // The outbound "folder" is a file: every write into it fails.
        writeFileSync(join(dir, 'not-a-folder'), '');
        return [
          testPartner('acme', 'ACMEWIDGET', dir, {
            outbound: { kind: 'folder', path: join(dir, 'not-a-folder') },
          }),
        ];
      });
      const id = await h.arrive('acme', GOLDEN_856);
      await processReceipts({ ...h.deps, inlineDelivery: true }, [id]);
      const [ack] = await acknowledgmentsOfReceipt(h.db, id);
      assert.equal(ack!.deliveryStatus, 'pending');
      assert.equal(ack!.attempts, 1);
      assert.match(ack!.lastError!, /cannot write 997_000000001\.x12/);
      assert.deepEqual(h.queue.of('deliver-outbound'), [{ ackId: ack!.id }]);
    });

    it('gathers the receipts of jobs running at the same time into shared transactions', async () => {
      const h = harness(await engine.open());
      const ids: number[] = [];
      for (let n = 0; n < 12; n++)
        ids.push(await h.arrive('acme', withEnvelope(GOLDEN_856, { control: 500 + n })));
      const db = instrumented(h.db);
      const handler = processReceiptHandler({ ...h.deps, db, maxBatch: 5 });
      const ctx = { jobId: 'x', attempt: 1, maxAttempts: 3 };
      await Promise.all(ids.map((receiptId) => handler({ receiptId }, ctx)));
      // 12 receipts, at most 5 a batch: at least 3 transactions, and far fewer than one each.
      assert.ok(db.transactions >= 3 && db.transactions < 12, `${db.transactions} transactions`);
      for (const id of ids) assert.equal((await getReceipt(h.db, id))!.status, 'processed');
      const controls = (await Promise.all(ids.map((id) => acknowledgmentsOfReceipt(h.db, id))))
        .flat()
        .map((a) => Number(a.controlNumber))
        .sort((a, b) => a - b);
      assert.deepEqual(
        controls,
        ids.map((_, i) => i + 1),
      );
    });
  });
}
