import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InProcessQueue } from '../../../src/jobs/in-process.ts';
import { silentLogger } from '../../../src/log.ts';
import { StaticPartnerDirectory } from '../../../src/partners/partner.ts';
import { deadLetterSink } from '../../../src/pipeline/dead-letters.ts';
import { ackFileName, deliverOutboundHandler } from '../../../src/pipeline/deliver-outbound.ts';
import { replayReceipt, retryDeadLetter } from '../../../src/pipeline/operations.ts';
import { processReceipt, processReceiptHandler } from '../../../src/pipeline/process-receipt.ts';
import { Sweeper } from '../../../src/pipeline/sweeper.ts';
import { acknowledgmentsOfReceipt } from '../../../src/store/queries/acknowledgments.ts';
import { listDeadLetters } from '../../../src/store/queries/dead-letters.ts';
import { interchangesOfReceipt } from '../../../src/store/queries/interchanges.ts';
import { getReceipt } from '../../../src/store/queries/receipts.ts';
import {
  BROKEN_856,
  GOLDEN_856,
  GOLDEN_856_5010,
  harness,
  testPartner,
  withEnvelope,
} from '../../helpers/pipeline.ts';
import { engines } from '../../helpers/store.ts';

async function until(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const engine of engines()) {
  describe(`process-receipt on ${engine.name}`, function () {
    this.timeout(60_000);

    it('records a valid 856 with its interchange, group and set, and stores a 997 that accepts it', async () => {
      const h = harness(await engine.open());
      const id = await h.arrive('acme', GOLDEN_856);
      const result = await processReceipt(h.deps, id);
      assert.equal(result.outcome, 'accepted');

      const receipt = await getReceipt(h.db, id);
      assert.equal(receipt?.status, 'processed');
      assert.equal(receipt?.attempts, 1);
      const { interchanges, groups, sets } = await interchangesOfReceipt(h.db, id);
      assert.equal(interchanges.length, 1);
      assert.deepEqual(
        [
          interchanges[0]!.senderId,
          interchanges[0]!.controlNumber,
          interchanges[0]!.status,
          interchanges[0]!.partnerId,
        ],
        ['ACMEWIDGET', '000008801', 'accepted', 'acme'],
      );
      assert.deepEqual([groups[0]!.functionalId, groups[0]!.ackCode], ['SH', 'A']);
      assert.deepEqual(
        [sets[0]!.setId, sets[0]!.status, sets[0]!.mappingStatus],
        ['856', 'accepted', 'pending'],
      );

      const [ack] = await acknowledgmentsOfReceipt(h.db, id);
      assert.equal(ack!.kinds, '997');
      assert.equal(ack!.deliveryStatus, 'pending');
      assert.match(ack!.body, /^ISA\*00\* {10}\*00\* {10}\*ZZ\*HARBORMART {5}\*ZZ\*ACMEWIDGET {5}\*/);
      assert.match(ack!.body, /AK9\*A\*1\*1\*1~/);
      assert.deepEqual(h.queue.of('deliver-outbound'), [{ ackId: ack!.id }]);
      assert.deepEqual(h.queue.of('map-documents'), [{ receiptId: id }]);
    });

    it('rejects the set of a broken 856 in the 997 and queues nothing for mapping', async () => {
      const h = harness(await engine.open());
      const id = await h.arrive('acme', BROKEN_856);
      const result = await processReceipt(h.deps, id);
      assert.equal(result.outcome, 'rejected');
      const { sets } = await interchangesOfReceipt(h.db, id);
      assert.equal(sets[0]!.status, 'rejected');
      assert.ok((sets[0]!.issues as { code: string }[]).length > 0);
      const [ack] = await acknowledgmentsOfReceipt(h.db, id);
      assert.match(ack!.body, /AK5\*R/);
      assert.deepEqual(h.queue.of('map-documents'), []);
    });

    it('answers a 005010 interchange with a 999', async () => {
      const h = harness(await engine.open(), (dir) => [testPartner('tchome', 'TCHOME', dir)]);
      const id = await h.arrive('tchome', GOLDEN_856_5010);
      await processReceipt(h.deps, id);
      const [ack] = await acknowledgmentsOfReceipt(h.db, id);
      assert.equal(ack!.kinds, '999');
      assert.match(ack!.body, /ST\*999\*0001\*005010X231~/);
    });

    it('refuses an interchange whose sender is another partner, with a TA1 006 and no 997', async () => {
      const h = harness(await engine.open());
      const id = await h.arrive('globex', GOLDEN_856);
      const result = await processReceipt(h.deps, id);
      assert.equal(result.outcome, 'rejected');
      const { interchanges, sets } = await interchangesOfReceipt(h.db, id);
      assert.equal(interchanges[0]!.status, 'refused');
      const issue = (interchanges[0]!.issues as { code: string; message: string }[]).find(
        (i) => i.code === 'sender-not-partner',
      );
      assert.match(
        issue!.message,
        /ZZ\/ACMEWIDGET is not an identity of partner globex.*belongs to partner acme/,
      );
      assert.equal(sets[0]!.status, 'rejected');
      const [ack] = await acknowledgmentsOfReceipt(h.db, id);
      assert.equal(ack!.kinds, 'TA1');
      assert.equal(ack!.ta1Code, 'R006');
      assert.equal(ack!.partnerId, 'globex');
      assert.doesNotMatch(ack!.body, /ST\*997/);
    });

    it('marks an interchange received again within the window a duplicate, answered with TA1 025', async () => {
      const h = harness(await engine.open());
      const first = await h.arrive('acme', GOLDEN_856);
      await processReceipt(h.deps, first);
      // Other bytes (so not the same arrival), same sender, receiver and ISA13.
      const second = await h.arrive('acme', GOLDEN_856.replace('SHP2026112001', 'SHP2026112099'));
      const result = await processReceipt(h.deps, second);
      assert.equal(result.outcome, 'rejected');
      const { interchanges } = await interchangesOfReceipt(h.db, second);
      assert.equal(interchanges[0]!.status, 'duplicate');
      const firstRows = await interchangesOfReceipt(h.db, first);
      assert.equal(interchanges[0]!.duplicateOf, firstRows.interchanges[0]!.id);
      const [ack] = await acknowledgmentsOfReceipt(h.db, second);
      assert.equal(ack!.ta1Code, 'R025');
    });

    it('does not flag an interchange older than the partner window as a duplicate', async () => {
      const h = harness(await engine.open(), (dir) => [
        testPartner('acme', 'ACMEWIDGET', dir, { duplicateWindowHours: 0 }),
      ]);
      await processReceipt(h.deps, await h.arrive('acme', GOLDEN_856));
      const second = await h.arrive('acme', `${GOLDEN_856}\n`);
      await processReceipt(h.deps, second);
      const { interchanges } = await interchangesOfReceipt(h.db, second);
      assert.equal(interchanges[0]!.status, 'accepted');
    });

    it('processes a receipt once however often its job runs, also when the runs overlap', async () => {
      const h = harness(await engine.open());
      const id = await h.arrive('acme', GOLDEN_856);
      const results = await Promise.all([
        processReceipt(h.deps, id),
        processReceipt(h.deps, id),
        processReceipt(h.deps, id),
      ]);
      assert.equal(results.filter((r) => !r.skipped).length, 1);
      assert.equal((await processReceipt(h.deps, id)).skipped, true);
      const { interchanges } = await interchangesOfReceipt(h.db, id);
      assert.equal(interchanges.length, 1);
      assert.equal((await acknowledgmentsOfReceipt(h.db, id)).length, 1);
    });

    it('gives each ack its own control numbers per partner, never reused', async () => {
      const h = harness(await engine.open());
      const ids: number[] = [];
      for (let n = 1; n <= 5; n++)
        ids.push(await h.arrive('acme', withEnvelope(GOLDEN_856, { control: 100 + n })));
      await Promise.all(ids.map((id) => processReceipt(h.deps, id)));
      const acks = (await Promise.all(ids.map((id) => acknowledgmentsOfReceipt(h.db, id)))).flat();
      const controls = acks.map((a) => Number(a.controlNumber)).sort((a, b) => a - b);
      assert.deepEqual(controls, [1, 2, 3, 4, 5]);
      const gs = acks.map((a) => /GS\*FA\*[^*]*\*[^*]*\*\d+\*\d+\*(\d+)/.exec(a.body)![1]).sort();
      assert.equal(new Set(gs).size, 5);
      // Another partner counts on its own.
      const other = await h.arrive('globex', withEnvelope(GOLDEN_856, { sender: 'GLOBEX', control: 7 }));
      await processReceipt(h.deps, other);
      const [globexAck] = await acknowledgmentsOfReceipt(h.db, other);
      assert.equal(globexAck!.controlNumber, '000000001');
    });

    it('sends a TA1 with the 997 when the interchange asks for one', async () => {
      const h = harness(await engine.open());
      const id = await h.arrive('acme', withEnvelope(GOLDEN_856, { ackRequested: '1' }));
      await processReceipt(h.deps, id);
      const [ack] = await acknowledgmentsOfReceipt(h.db, id);
      assert.equal(ack!.kinds, 'TA1+997');
      assert.equal(ack!.ta1Code, 'A000');
    });

    it('rejects a file that is not X12, with the reason on the receipt and no ack', async () => {
      const h = harness(await engine.open());
      const id = await h.arrive('acme', 'PO,ITEM,QTY\n4500123,ABC,10\n');
      const result = await processReceipt(h.deps, id);
      assert.equal(result.outcome, 'rejected');
      const receipt = await getReceipt(h.db, id);
      const [first] = receipt!.issues as { severity: string; message: string }[];
      assert.equal(first!.severity, 'error');
      assert.ok(first!.message.length > 0);
      assert.equal((await acknowledgmentsOfReceipt(h.db, id)).length, 0);
    });

    it('replays a receipt as a new one that is not a duplicate of it, with new ack control numbers', async () => {
      const h = harness(await engine.open());
      const id = await h.arrive('acme', GOLDEN_856);
      await processReceipt(h.deps, id);
      const replay = await replayReceipt({ ...h.deps, intake: h.intake }, id, 'test');
      assert.equal(replay.receipt.replayOf, id);
      await processReceipt(h.deps, replay.receipt.id);
      const { interchanges } = await interchangesOfReceipt(h.db, replay.receipt.id);
      assert.equal(interchanges[0]!.status, 'accepted');
      const [a] = await acknowledgmentsOfReceipt(h.db, id);
      const [b] = await acknowledgmentsOfReceipt(h.db, replay.receipt.id);
      assert.notEqual(a!.controlNumber, b!.controlNumber);
      const audit = await h.db.query<{ action: string; actor: string }>(
        'select action, actor from audit_log',
      );
      assert.deepEqual(audit, [{ action: 'receipt.replay', actor: 'test' }]);
    });

    it('dead-letters a receipt whose partner is not in the registry, and a retry processes it once it is', async () => {
      const db = await engine.open();
      const h = harness(db, (dir) => [testPartner('acme', 'ACMEWIDGET', dir)]);
      const id = await h.arrive('ghost', GOLDEN_856);
      const queue = new InProcessQueue({ attempts: 3, backoffMs: 5 }, deadLetterSink(db, silentLogger()));
      queue.process('process-receipt', processReceiptHandler(h.deps));
      await queue.add('process-receipt', { receiptId: id });
      await until('the dead letter', async () => (await listDeadLetters(db)).length === 1);
      const [letter] = await listDeadLetters(db);
      assert.equal(letter!.attempts, 1, 'a configuration error is not retried');
      assert.equal(letter!.errorCode, 'config-invalid');
      assert.match(letter!.reason, /partner "ghost", which is not in the registry/);
      assert.equal((await getReceipt(db, id))!.status, 'dead');

      // The partner file is added; operations retry.
      const fixed = new StaticPartnerDirectory([testPartner('ghost', 'ACMEWIDGET', h.dir)]);
      const retryQueue = new InProcessQueue(
        { attempts: 3, backoffMs: 5 },
        deadLetterSink(db, silentLogger()),
      );
      retryQueue.process('process-receipt', processReceiptHandler({ ...h.deps, partners: () => fixed }));
      await retryDeadLetter({ ...h.deps, intake: h.intake, queue: retryQueue }, letter!.id, 'ops');
      await until('the retried receipt', async () => (await getReceipt(db, id))!.status === 'processed');
      assert.equal((await listDeadLetters(db, { status: 'open' })).length, 0);
      await queue.close();
      await retryQueue.close();
    });

    it('delivers the ack into the partner folder under its control number and marks it delivered', async () => {
      const h = harness(await engine.open());
      const id = await h.arrive('acme', GOLDEN_856);
      await processReceipt(h.deps, id);
      const [ack] = await acknowledgmentsOfReceipt(h.db, id);
      const deliver = deliverOutboundHandler({ db: h.db, partners: h.deps.partners, log: silentLogger() });
      await deliver({ ackId: ack!.id }, { jobId: 'x', attempt: 1, maxAttempts: 3 });
      await deliver({ ackId: ack!.id }, { jobId: 'x', attempt: 1, maxAttempts: 3 });
      const outbound = join(h.dir, 'acme', 'outbound');
      assert.deepEqual(readdirSync(outbound), [ackFileName(ack!)]);
      assert.equal(readFileSync(join(outbound, ackFileName(ack!)), 'latin1'), ack!.body);
      const [after] = await acknowledgmentsOfReceipt(h.db, id);
      assert.equal(after!.deliveryStatus, 'delivered');
      assert.equal(after!.attempts, 1);
    });

    it('marks an ack for a partner without an outbound channel as no-channel, not as sent', async () => {
      const h = harness(await engine.open(), (dir) => [
        { ...testPartner('acme', 'ACMEWIDGET', dir), outbound: undefined },
      ]);
      const id = await h.arrive('acme', GOLDEN_856);
      await processReceipt(h.deps, id);
      const [ack] = await acknowledgmentsOfReceipt(h.db, id);
      const deliver = deliverOutboundHandler({ db: h.db, partners: h.deps.partners, log: silentLogger() });
      await deliver({ ackId: ack!.id }, { jobId: 'x', attempt: 1, maxAttempts: 3 });
      assert.equal((await acknowledgmentsOfReceipt(h.db, id))[0]!.deliveryStatus, 'no-channel');
    });

    it('re-queues receipts, deliveries and mappings the queue lost', async () => {
      const h = harness(await engine.open());
      h.queue.failAdds = true;
      const id = await h.arrive('acme', GOLDEN_856);
      assert.equal(
        (await getReceipt(h.db, id))!.status,
        'received',
        'the receipt is committed though not queued',
      );
      h.queue.failAdds = false;
      const sweeper = new Sweeper(h.db, h.queue, silentLogger(), { intervalMs: 1000 });
      assert.deepEqual(await sweeper.sweep(0), { receipts: 1, acks: 0, mappings: 0 });
      assert.deepEqual(h.queue.of('process-receipt'), [{ receiptId: id }]);
      h.queue.failAdds = true;
      await processReceipt(h.deps, id);
      h.queue.failAdds = false;
      assert.deepEqual(await sweeper.sweep(0), { receipts: 0, acks: 1, mappings: 1 });
      assert.deepEqual(h.queue.of('map-documents'), [{ receiptId: id }]);
    });
  });
}
