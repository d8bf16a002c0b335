import assert from 'node:assert/strict';
import { GatewayError } from '../../../src/errors.ts';
import type { Db } from '../../../src/store/db.ts';
import {
  getDeadLetter,
  insertDeadLetter,
  listDeadLetters,
  markRetried,
  type NewDeadLetter,
} from '../../../src/store/queries/dead-letters.ts';
import { insertReceipt } from '../../../src/store/queries/receipts.ts';
import { engines } from '../../helpers/store.ts';

function letter(overrides: Partial<NewDeadLetter> = {}): NewDeadLetter {
  return {
    queue: 'process-receipt',
    jobId: 'receipt-1',
    receiptId: null,
    payload: { receiptId: 1 },
    errorCode: 'config-invalid',
    reason: 'partner "acme" is not in the registry',
    attempts: 6,
    ...overrides,
  };
}

for (const engine of engines()) {
  describe(`dead letters on ${engine.name}`, () => {
    let db: Db;
    let receiptId: number;

    before(async () => {
      db = await engine.open();
      const { receipt } = await insertReceipt(db, {
        channelKind: 'cli',
        channelId: 'cli',
        partnerId: 'acme',
        remotePath: null,
        fileName: null,
        size: 1,
        remoteMtime: null,
        sha256: 'c'.repeat(64),
        blobKey: 'c'.repeat(64),
        idempotencyKey: 'dead-letters',
      });
      receiptId = receipt.id;
    });

    it('stores a dead letter as open and reads it back with its payload parsed', async () => {
      const input = letter({ receiptId, payload: { receiptId, nested: { list: [1, 'two', null] } } });
      const id = await insertDeadLetter(db, input);
      const stored = (await getDeadLetter(db, id))!;
      assert.deepEqual(
        {
          queue: stored.queue,
          jobId: stored.jobId,
          receiptId: stored.receiptId,
          payload: stored.payload,
          errorCode: stored.errorCode,
          reason: stored.reason,
          attempts: stored.attempts,
        },
        input,
      );
      assert.equal(stored.id, id);
      assert.equal(stored.status, 'open');
      assert.ok(stored.createdAt instanceof Date);
      assert.equal(stored.retriedAt, null);
      assert.equal(stored.retriedBy, null);
    });

    it('stores a dead letter with no receipt and no error code', async () => {
      const id = await insertDeadLetter(
        db,
        letter({ queue: 'deliver-outbound', jobId: 'ack-9', payload: { ackId: 9 }, errorCode: null }),
      );
      const stored = (await getDeadLetter(db, id))!;
      assert.equal(stored.receiptId, null);
      assert.equal(stored.errorCode, null);
    });

    it('refuses a dead letter for a receipt that does not exist', async () => {
      await assert.rejects(insertDeadLetter(db, letter({ receiptId: 987654321 })), (e: unknown) => {
        assert.ok(e instanceof GatewayError);
        assert.equal(e.code, 'store-failed');
        return true;
      });
    });

    it('finds nothing for an unknown id', async () => {
      assert.equal(await getDeadLetter(db, 987654321), undefined);
    });

    it('marks an open dead letter retried once, saying by whom', async () => {
      const id = await insertDeadLetter(db, letter());
      assert.equal(await markRetried(db, id, 'alice'), true);
      assert.equal(await markRetried(db, id, 'bob'), false);
      const stored = (await getDeadLetter(db, id))!;
      assert.equal(stored.status, 'retried');
      assert.equal(stored.retriedBy, 'alice');
      assert.ok(stored.retriedAt instanceof Date);
      assert.equal(await markRetried(db, 987654321, 'carol'), false);
    });

    it('lets only one of two concurrent retries win', async () => {
      const id = await insertDeadLetter(db, letter());
      const results = await Promise.all([
        db.transaction((tx) => markRetried(tx, id, 'alice')),
        db.transaction((tx) => markRetried(tx, id, 'bob')),
      ]);
      assert.deepEqual(results.filter(Boolean).length, 1);
    });

    it('lists dead letters newest first, filtered by status and limited', async () => {
      const ids: number[] = [];
      for (let i = 0; i < 4; i++) ids.push(await insertDeadLetter(db, letter({ jobId: `list-${i}` })));
      await markRetried(db, ids[1]!, 'ops');
      const open = await listDeadLetters(db, { status: 'open', limit: 1000 });
      assert.ok(open.every((d) => d.status === 'open'));
      assert.ok(!open.some((d) => d.id === ids[1]));
      const retried = await listDeadLetters(db, { status: 'retried', limit: 1000 });
      assert.ok(retried.some((d) => d.id === ids[1]));
      assert.ok(retried.every((d) => d.status === 'retried'));
      const newest = await listDeadLetters(db, { limit: 2 });
      assert.deepEqual(
        newest.map((d) => d.id),
        [ids[3], ids[2]],
      );
      const all = await listDeadLetters(db, { limit: 1000 });
      assert.deepEqual(
        all.map((d) => d.id),
        [...all.map((d) => d.id)].sort((a, b) => b - a),
      );
    });

    it('lists fifty by default', async () => {
      for (let i = 0; i < 52; i++) await insertDeadLetter(db, letter({ jobId: `many-${i}` }));
      assert.equal((await listDeadLetters(db)).length, 50);
    });
  });
}
