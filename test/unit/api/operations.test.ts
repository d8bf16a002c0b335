import assert from 'node:assert/strict';
import { recordDeliveryError } from '../../../src/store/queries/acknowledgments.ts';
import { insertDeadLetter, markRetried } from '../../../src/store/queries/dead-letters.ts';
import { getReceipt, markReceiptDead } from '../../../src/store/queries/receipts.ts';
import { GOLDEN_856, withEnvelope } from '../../helpers/pipeline.ts';
import { engines } from '../../helpers/store.ts';
import { apiFixture, bearer, openDeadLetter, START, type ApiFixture } from './fixture.ts';

const HOUR_MS = 3_600_000;

function idsOf(res: { json(): unknown }): number[] {
  return (res.json() as { items: { id: number }[] }).items.map((i) => i.id);
}

for (const engine of engines()) {
  describe(`API operations routes on ${engine.name}`, function () {
    this.timeout(60_000);
    let f: ApiFixture;
    let ackId: number;
    const get = (url: string) => f.app.inject({ url, headers: bearer(f.tokens.operations) });
    const post = (url: string, headers: Record<string, string> = bearer(f.tokens.operations)) =>
      f.app.inject({ method: 'POST', url, headers });

    async function loginCookie(): Promise<string> {
      const res = await f.app.inject({
        method: 'POST',
        url: '/api/login',
        payload: { user: 'operations-user', password: f.password('operations') },
      });
      assert.equal(res.statusCode, 200, res.body);
      return String(res.headers['set-cookie']).split(';')[0]!;
    }

    before(async () => {
      f = await apiFixture(await engine.open());
      const [ack] = await f.db.query<{ id: number }>('select id from acknowledgments where receipt_id = $1', [
        f.receiptId,
      ]);
      assert.ok(ack, 'the fixture receipt has an acknowledgment');
      ackId = ack.id;
    });
    after(async () => {
      await f.app.close();
    });

    describe('GET /api/dead-letters', () => {
      it('lists dead letters newest first with the partner they concern, filtered by status, queue and partner', async () => {
        const mapping = await openDeadLetter(f, 'map-documents');
        const delivery = await insertDeadLetter(f.db, {
          queue: 'deliver-outbound',
          jobId: `ack-${ackId}`,
          receiptId: null,
          payload: { ackId },
          errorCode: 'delivery-failed',
          reason: 'connection refused',
          attempts: 6,
        });
        const retried = await openDeadLetter(f, 'process-receipt');
        assert.equal(await markRetried(f.db, retried, 'cli:ops'), true);

        const all = await get('/api/dead-letters');
        assert.equal(all.statusCode, 200, all.body);
        assert.deepEqual(idsOf(all), [retried, delivery, mapping]);
        const shown = all.json().items[1];
        assert.equal(shown.queue, 'deliver-outbound');
        assert.equal(
          shown.partnerId,
          'acme',
          'the partner of the acknowledgment, as the letter has no receipt',
        );
        assert.equal(shown.reason, 'connection refused');
        assert.equal(shown.status, 'open');
        assert.equal(shown.retriedBy, null);
        assert.equal(all.json().items[0].retriedBy, 'cli:ops');

        assert.deepEqual(idsOf(await get('/api/dead-letters?status=open')), [delivery, mapping]);
        assert.deepEqual(idsOf(await get('/api/dead-letters?status=retried')), [retried]);
        assert.deepEqual(idsOf(await get('/api/dead-letters?queue=map-documents')), [mapping]);
        assert.deepEqual(idsOf(await get('/api/dead-letters?partner=acme')), [retried, delivery, mapping]);
        assert.deepEqual(idsOf(await get('/api/dead-letters?partner=globex')), []);

        const first = (await get('/api/dead-letters?limit=2')).json();
        assert.deepEqual(
          first.items.map((i: { id: number }) => i.id),
          [retried, delivery],
        );
        assert.equal(first.nextBefore, delivery);
        const rest = await get(`/api/dead-letters?limit=2&before=${first.nextBefore}`);
        assert.deepEqual(rest.json(), { items: [rest.json().items[0]], nextBefore: null });
        assert.equal(rest.json().items[0].id, mapping);
      });

      it('refuses an unknown queue with validation-failed', async () => {
        const res = await get('/api/dead-letters?queue=send-faxes');
        assert.equal(res.statusCode, 400);
        assert.equal(res.json().error.code, 'validation-failed');
        assert.equal(res.json().error.details[0].path, '/queue');
      });
    });

    describe('POST /api/dead-letters/:id/retry', () => {
      let receiptId: number;
      let letterId: number;

      before(async () => {
        receiptId = await f.pipeline.arrive('acme', withEnvelope(GOLDEN_856, { control: 4711 }), 'dead.edi');
        await markReceiptDead(f.db, receiptId, 'the database went away');
        letterId = await insertDeadLetter(f.db, {
          queue: 'process-receipt',
          jobId: `receipt-${receiptId}`,
          receiptId,
          payload: { receiptId },
          errorCode: 'store-unavailable',
          reason: 'the database went away',
          attempts: 6,
        });
      });

      it('requeues the job, revives its receipt and records the user who asked', async () => {
        const queued = f.pipeline.queue.of('process-receipt').length;
        const res = await post(`/api/dead-letters/${letterId}/retry`, { cookie: await loginCookie() });
        assert.equal(res.statusCode, 200, res.body);
        const { deadLetter, requeued } = res.json();
        assert.deepEqual(requeued, { queue: 'process-receipt', jobId: `receipt-${receiptId}` });
        assert.equal(deadLetter.id, letterId);
        assert.equal(deadLetter.status, 'retried');
        assert.equal(deadLetter.retriedBy, 'operations-user');
        assert.equal(deadLetter.partnerId, 'acme');
        assert.deepEqual(f.pipeline.queue.of('process-receipt').slice(queued), [{ receiptId }]);
        assert.equal((await getReceipt(f.db, receiptId))!.status, 'received');
        const [entry] = await f.db.query<{ actor: string; action: string }>(
          `select actor, action from audit_log where subject_type = 'dead-letter' and subject_id = $1`,
          [String(letterId)],
        );
        assert.deepEqual(entry, { actor: 'operations-user', action: 'dead-letter.retry' });
      });

      it('refuses a retry of a dead letter already retried with 409 conflict, queueing nothing', async () => {
        const queued = f.pipeline.queue.added.length;
        const res = await post(`/api/dead-letters/${letterId}/retry`);
        assert.equal(res.statusCode, 409, res.body);
        const { error } = res.json();
        assert.equal(error.code, 'conflict');
        assert.match(error.message, /already retried by operations-user/);
        assert.equal(error.details.status, 'retried');
        assert.equal(error.details.retriedBy, 'operations-user');
        assert.equal(f.pipeline.queue.added.length, queued);
      });

      it('answers a dead letter that does not exist with 404', async () => {
        const res = await post('/api/dead-letters/999999/retry');
        assert.equal(res.statusCode, 404);
        assert.equal(res.json().error.code, 'not-found');
      });
    });

    describe('POST /api/receipts/:id/replay', () => {
      it('takes the file in again as a new receipt pointing at the original, audited with the token', async () => {
        const res = await post(`/api/receipts/${f.receiptId}/replay`);
        assert.equal(res.statusCode, 200, res.body);
        const { receipt, replayOf } = res.json();
        assert.equal(replayOf, f.receiptId);
        assert.notEqual(receipt.id, f.receiptId);
        assert.equal(receipt.replayOf, f.receiptId);
        assert.equal(receipt.channelKind, 'replay');
        assert.equal(receipt.partnerId, 'acme');
        assert.equal(receipt.status, 'received');
        assert.equal(receipt.duplicateOf, null);
        assert.equal(receipt.blobKey, undefined, 'storage details stay inside');
        assert.deepEqual(f.pipeline.queue.of('process-receipt').at(-1), { receiptId: receipt.id });
        const [entry] = await f.db.query<{ actor: string; details: unknown }>(
          `select actor, details from audit_log where action = 'receipt.replay' and subject_id = $1`,
          [String(f.receiptId)],
        );
        assert.deepEqual(entry, { actor: 'token:operations-token', details: { newReceipt: receipt.id } });
      });

      it('refuses to replay a duplicate arrival with 409, naming the receipt to replay', async () => {
        const duplicate = await f.pipeline.arrive('acme', GOLDEN_856, 'asn.edi');
        assert.equal((await getReceipt(f.db, duplicate))!.duplicateOf, f.receiptId);
        const res = await post(`/api/receipts/${duplicate}/replay`);
        assert.equal(res.statusCode, 409, res.body);
        assert.equal(res.json().error.code, 'conflict');
        assert.deepEqual(res.json().error.details, { duplicateOf: f.receiptId });
      });

      it('answers a receipt that does not exist with 404', async () => {
        const res = await post('/api/receipts/999999/replay');
        assert.equal(res.statusCode, 404);
        assert.equal(res.json().error.code, 'not-found');
      });
    });

    describe('GET /api/deliveries', () => {
      it('lists our acknowledgments with their delivery, and filters failed ones by partner', async () => {
        const all = await get('/api/deliveries');
        assert.equal(all.statusCode, 200, all.body);
        const ours = all.json().items.find((d: { id: number }) => d.id === ackId);
        assert.equal(ours.partnerId, 'acme');
        assert.equal(ours.receiptId, f.receiptId);
        assert.equal(ours.deliveryStatus, 'pending');
        assert.equal(ours.body, undefined);
        assert.deepEqual(idsOf(await get('/api/deliveries?status=failed')), []);

        await recordDeliveryError(f.db, ackId, 'sftp: connection refused', true);
        const failed = await get('/api/deliveries?status=failed');
        assert.deepEqual(idsOf(failed), [ackId]);
        assert.equal(failed.json().items[0].lastError, 'sftp: connection refused');
        assert.equal(failed.json().items[0].attempts, 1);
        assert.deepEqual(idsOf(await get('/api/deliveries?status=failed&partner=acme')), [ackId]);
        assert.deepEqual(idsOf(await get('/api/deliveries?status=failed&partner=globex')), []);
        assert.deepEqual(idsOf(await get('/api/deliveries?status=delivered')), []);
      });
    });

    describe('GET /api/throughput', () => {
      before(async () => {
        // The fixture's file arrived at 10:10 and was processed in 2.5 s; its ack went out at 11:30. Files
        // other tests made arrived at the real time, days after START.
        const arrived = new Date(START.getTime() - 110 * 60_000);
        await f.db.query(`update receipts set received_at = $2, finished_at = $3 where id = $1`, [
          f.receiptId,
          arrived,
          new Date(arrived.getTime() + 2500),
        ]);
        await f.db.query(
          `update acknowledgments set delivery_status = 'delivered', delivered_at = $2 where id = $1`,
          [ackId, new Date(START.getTime() - 30 * 60_000)],
        );
      });

      it('counts each hour of the range, oldest first, with zeros where nothing happened', async () => {
        const res = await get('/api/throughput?hours=3');
        assert.equal(res.statusCode, 200, res.body);
        const body = res.json();
        assert.equal(body.hours, 3);
        const zero = {
          received: 0,
          duplicates: 0,
          processed: 0,
          rejected: 0,
          dead: 0,
          acksSent: 0,
          failedDeliveries: 0,
        };
        assert.deepEqual(body.buckets, [
          { start: '2026-11-26T10:00:00.000Z', ...zero, received: 1, processed: 1 },
          { start: '2026-11-26T11:00:00.000Z', ...zero, acksSent: 1 },
          { start: '2026-11-26T12:00:00.000Z', ...zero },
        ]);
        assert.deepEqual(body.latency, { p50Ms: 2500, p95Ms: 2500, count: 1 });
      });

      it('takes the current hour as the last one and 24 hours by default', async () => {
        f.setNow(new Date(START.getTime() + 59 * 60_000));
        try {
          const { buckets } = (await get('/api/throughput')).json();
          assert.equal(buckets.length, 24);
          assert.equal(buckets[0].start, new Date(START.getTime() - 23 * HOUR_MS).toISOString());
          assert.equal(buckets[23].start, START.toISOString());
          assert.equal(buckets[21].received, 1);
          assert.equal(
            buckets.reduce((n: number, b: { received: number }) => n + b.received, 0),
            1,
          );
        } finally {
          f.setNow(START);
        }
      });

      it("counts only the partner's work when a partner is named", async () => {
        const body = (await get('/api/throughput?hours=3&partner=globex')).json();
        assert.ok(
          body.buckets.every((b: { received: number; acksSent: number }) => b.received + b.acksSent === 0),
        );
        assert.deepEqual(body.latency, { p50Ms: null, p95Ms: null, count: 0 });
        const acme = (await get('/api/throughput?hours=3&partner=acme')).json();
        assert.equal(acme.buckets[0].received, 1);
        assert.equal(acme.buckets[1].acksSent, 1);
      });

      it('refuses more than a week of hours with validation-failed', async () => {
        const res = await get('/api/throughput?hours=169');
        assert.equal(res.statusCode, 400);
        assert.equal(res.json().error.code, 'validation-failed');
      });
    });
  });
}
