import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Db } from '../../../src/store/db.ts';
import {
  countReceiptsByStatus,
  finishReceipt,
  getReceipt,
  insertReceipt,
  listReceipts,
  lockReceipt,
  markReceiptDead,
  recordAttemptError,
  reviveReceipt,
  startAttempt,
  unfinishedReceipts,
  type NewReceipt,
} from '../../../src/store/queries/receipts.ts';
import { engines } from '../../helpers/store.ts';

let serial = 0;

/** A receipt with its own idempotency key and partner unless told otherwise. */
function newReceipt(overrides: Partial<NewReceipt> = {}): NewReceipt {
  serial++;
  const sha256 = createHash('sha256').update(`file ${serial}`).digest('hex');
  return {
    channelKind: 'folder',
    channelId: 'acme/drop',
    partnerId: 'acme',
    remotePath: `/in/file-${serial}.edi`,
    fileName: `file-${serial}.edi`,
    size: 100 + serial,
    remoteMtime: new Date('2026-11-20T08:00:00Z'),
    sha256,
    blobKey: sha256,
    idempotencyKey: `key-${serial}`,
    ...overrides,
  };
}

async function backdate(db: Db, id: number, minutes: number): Promise<void> {
  await db.query(
    `update receipts set updated_at = clock_timestamp() - $2 * interval '1 minute' where id = $1`,
    [id, minutes],
  );
}

for (const engine of engines()) {
  describe(`receipts on ${engine.name}`, () => {
    let db: Db;

    before(async () => {
      db = await engine.open();
    });

    describe('insertReceipt', () => {
      it('records a first arrival as received with what was given', async () => {
        const input = newReceipt({ replayOf: null });
        const { receipt, duplicateOf } = await insertReceipt(db, input);
        assert.equal(duplicateOf, undefined);
        assert.equal(typeof receipt.id, 'number');
        assert.equal(receipt.channelKind, 'folder');
        assert.equal(receipt.channelId, input.channelId);
        assert.equal(receipt.partnerId, 'acme');
        assert.equal(receipt.remotePath, input.remotePath);
        assert.equal(receipt.fileName, input.fileName);
        assert.equal(receipt.size, input.size);
        assert.deepEqual(receipt.remoteMtime, input.remoteMtime);
        assert.equal(receipt.sha256, input.sha256);
        assert.equal(receipt.blobKey, input.blobKey);
        assert.equal(receipt.idempotencyKey, input.idempotencyKey);
        assert.equal(receipt.status, 'received');
        assert.equal(receipt.duplicateOf, null);
        assert.equal(receipt.replayOf, null);
        assert.equal(receipt.outcome, null);
        assert.deepEqual(receipt.issues, []);
        assert.equal(receipt.attempts, 0);
        assert.equal(receipt.lastError, null);
        assert.ok(receipt.receivedAt instanceof Date);
        assert.ok(receipt.updatedAt instanceof Date);
        assert.equal(receipt.startedAt, null);
        assert.equal(receipt.finishedAt, null);
        assert.deepEqual(await getReceipt(db, receipt.id), receipt);
      });

      it('keeps null partner, path, name and mtime', async () => {
        const { receipt } = await insertReceipt(
          db,
          newReceipt({
            channelKind: 'cli',
            partnerId: null,
            remotePath: null,
            fileName: null,
            remoteMtime: null,
          }),
        );
        assert.equal(receipt.partnerId, null);
        assert.equal(receipt.remotePath, null);
        assert.equal(receipt.fileName, null);
        assert.equal(receipt.remoteMtime, null);
      });

      it('records a repeated arrival as a duplicate that points at the first', async () => {
        const input = newReceipt();
        const first = await insertReceipt(db, input);
        const again = await insertReceipt(db, { ...input, remotePath: '/in/again.edi' });
        assert.notEqual(again.receipt.id, first.receipt.id);
        assert.equal(again.receipt.status, 'duplicate');
        assert.equal(again.receipt.duplicateOf, first.receipt.id);
        assert.equal(again.receipt.remotePath, '/in/again.edi');
        assert.ok(again.receipt.finishedAt instanceof Date);
        assert.deepEqual(again.duplicateOf, first.receipt);
        assert.equal((await getReceipt(db, first.receipt.id))!.status, 'received');
      });

      it('points every later repeat at the first arrival, not at an earlier repeat', async () => {
        const input = newReceipt();
        const first = await insertReceipt(db, input);
        await insertReceipt(db, input);
        const third = await insertReceipt(db, input);
        assert.equal(third.receipt.duplicateOf, first.receipt.id);
        assert.equal(third.duplicateOf!.id, first.receipt.id);
      });

      it('treats the same key on another kind of channel as a new arrival', async () => {
        const input = newReceipt();
        await insertReceipt(db, input);
        const other = await insertReceipt(db, { ...input, channelKind: 'sftp-poll' });
        assert.equal(other.duplicateOf, undefined);
        assert.equal(other.receipt.status, 'received');
      });

      it('records a replay with the receipt it replays', async () => {
        const { receipt: original } = await insertReceipt(db, newReceipt());
        const { receipt } = await insertReceipt(
          db,
          newReceipt({ channelKind: 'replay', replayOf: original.id }),
        );
        assert.equal(receipt.replayOf, original.id);
      });

      it('lets exactly one of ten concurrent arrivals of the same key be the original', async () => {
        const input = newReceipt({ idempotencyKey: `concurrent-${engine.name}` });
        const results = await Promise.all(
          Array.from({ length: 10 }, () => db.transaction((tx) => insertReceipt(tx, input))),
        );
        const originals = results.filter((r) => r.duplicateOf === undefined);
        assert.equal(originals.length, 1);
        const originalId = originals[0]!.receipt.id;
        for (const r of results.filter((x) => x.duplicateOf !== undefined)) {
          assert.equal(r.receipt.duplicateOf, originalId);
          assert.equal(r.duplicateOf!.id, originalId);
          assert.equal(r.receipt.status, 'duplicate');
        }
        const rows = await db.query<{ original: number; dups: number }>(
          `select count(*) filter (where duplicate_of is null) as original,
             count(*) filter (where duplicate_of is not null) as dups
           from receipts where channel_kind = $1 and idempotency_key = $2`,
          [input.channelKind, input.idempotencyKey],
        );
        assert.deepEqual(rows, [{ original: 1, dups: 9 }]);
      });

      it('lets exactly one of ten concurrent arrivals be the original outside transactions too', async () => {
        const input = newReceipt();
        const results = await Promise.all(Array.from({ length: 10 }, () => insertReceipt(db, input)));
        assert.equal(results.filter((r) => r.duplicateOf === undefined).length, 1);
        assert.equal(new Set(results.map((r) => r.receipt.id)).size, 10);
      });

      it('makes an arrival the original when the first insert of its key was rolled back', async () => {
        const input = newReceipt();
        await assert.rejects(
          db.transaction(async (tx) => {
            await insertReceipt(tx, input);
            throw new Error('crash before commit');
          }),
        );
        const { receipt, duplicateOf } = await insertReceipt(db, input);
        assert.equal(duplicateOf, undefined);
        assert.equal(receipt.status, 'received');
      });
    });

    describe('getReceipt and lockReceipt', () => {
      it('find nothing for an unknown id', async () => {
        assert.equal(await getReceipt(db, 987654321), undefined);
        assert.equal(await db.transaction((tx) => lockReceipt(tx, 987654321)), undefined);
      });

      it('locks a receipt and gives its status', async () => {
        const { receipt } = await insertReceipt(db, newReceipt());
        assert.equal(await db.transaction((tx) => lockReceipt(tx, receipt.id)), 'received');
      });
    });

    describe('processing transitions', () => {
      it('starts an attempt on a received receipt: processing, one attempt, a start time', async () => {
        const { receipt } = await insertReceipt(db, newReceipt());
        const started = await startAttempt(db, receipt.id);
        assert.equal(started!.status, 'processing');
        assert.equal(started!.attempts, 1);
        assert.ok(started!.startedAt instanceof Date);
      });

      it('counts a restarted attempt on a receipt left processing', async () => {
        const { receipt } = await insertReceipt(db, newReceipt());
        await startAttempt(db, receipt.id);
        const again = await startAttempt(db, receipt.id);
        assert.equal(again!.status, 'processing');
        assert.equal(again!.attempts, 2);
      });

      it('starts no attempt on a processed, dead or duplicate receipt, or an unknown one', async () => {
        const input = newReceipt();
        const { receipt: processed } = await insertReceipt(db, input);
        await finishReceipt(db, processed.id, { outcome: 'accepted', issues: [] });
        const { receipt: duplicate } = await insertReceipt(db, input);
        const { receipt: dead } = await insertReceipt(db, newReceipt());
        await markReceiptDead(db, dead.id, 'gave up');
        for (const id of [processed.id, duplicate.id, dead.id, 987654321]) {
          assert.equal(await startAttempt(db, id), undefined, `receipt ${id}`);
        }
        assert.equal((await getReceipt(db, processed.id))!.attempts, 0);
        assert.equal((await getReceipt(db, duplicate.id))!.status, 'duplicate');
      });

      it('finishes a receipt as processed with its outcome and issues, clearing the last error', async () => {
        const { receipt } = await insertReceipt(db, newReceipt());
        await startAttempt(db, receipt.id);
        await recordAttemptError(db, receipt.id, 'blob store busy');
        assert.equal((await getReceipt(db, receipt.id))!.lastError, 'blob store busy');
        const issues = [{ code: 'isa-date', severity: 'warning', location: { offset: 70, line: 1 } }];
        await finishReceipt(db, receipt.id, { outcome: 'partially-accepted', issues });
        const done = (await getReceipt(db, receipt.id))!;
        assert.equal(done.status, 'processed');
        assert.equal(done.outcome, 'partially-accepted');
        assert.deepEqual(done.issues, issues);
        assert.equal(done.lastError, null);
        assert.ok(done.finishedAt instanceof Date);
        assert.equal(done.attempts, 1);
      });

      it('marks a received or processing receipt dead with the reason', async () => {
        const { receipt: a } = await insertReceipt(db, newReceipt());
        const { receipt: b } = await insertReceipt(db, newReceipt());
        await startAttempt(db, b.id);
        await markReceiptDead(db, a.id, 'partner unknown');
        await markReceiptDead(db, b.id, 'blob missing');
        const deadA = (await getReceipt(db, a.id))!;
        const deadB = (await getReceipt(db, b.id))!;
        assert.equal(deadA.status, 'dead');
        assert.equal(deadA.lastError, 'partner unknown');
        assert.ok(deadA.finishedAt instanceof Date);
        assert.equal(deadB.status, 'dead');
        assert.equal(deadB.lastError, 'blob missing');
      });

      it('leaves a processed or duplicate receipt alone when asked to mark it dead', async () => {
        const input = newReceipt();
        const { receipt: processed } = await insertReceipt(db, input);
        await finishReceipt(db, processed.id, { outcome: 'accepted', issues: [] });
        const { receipt: duplicate } = await insertReceipt(db, input);
        await markReceiptDead(db, processed.id, 'late failure');
        await markReceiptDead(db, duplicate.id, 'late failure');
        const p = (await getReceipt(db, processed.id))!;
        assert.equal(p.status, 'processed');
        assert.equal(p.lastError, null);
        assert.equal((await getReceipt(db, duplicate.id))!.status, 'duplicate');
      });

      it('revives a dead receipt as received with its attempts reset', async () => {
        const { receipt } = await insertReceipt(db, newReceipt());
        await startAttempt(db, receipt.id);
        await startAttempt(db, receipt.id);
        await markReceiptDead(db, receipt.id, 'gave up');
        assert.equal(await reviveReceipt(db, receipt.id), true);
        const revived = (await getReceipt(db, receipt.id))!;
        assert.equal(revived.status, 'received');
        assert.equal(revived.attempts, 0);
        assert.equal(revived.finishedAt, null);
        const restarted = await startAttempt(db, receipt.id);
        assert.equal(restarted!.attempts, 1);
      });

      it('revives nothing but a dead receipt', async () => {
        const input = newReceipt();
        const { receipt: received } = await insertReceipt(db, input);
        const { receipt: duplicate } = await insertReceipt(db, input);
        const { receipt: processed } = await insertReceipt(db, newReceipt());
        await finishReceipt(db, processed.id, { outcome: 'rejected', issues: [] });
        for (const id of [received.id, duplicate.id, processed.id, 987654321]) {
          assert.equal(await reviveReceipt(db, id), false, `receipt ${id}`);
        }
        assert.equal((await getReceipt(db, processed.id))!.status, 'processed');
        assert.equal((await getReceipt(db, duplicate.id))!.status, 'duplicate');
      });
    });

    describe('unfinishedReceipts', () => {
      it('lists received and processing receipts idle for at least idleMs, oldest first', async () => {
        const { receipt: fresh } = await insertReceipt(db, newReceipt());
        const { receipt: oldReceived } = await insertReceipt(db, newReceipt());
        const { receipt: oldProcessing } = await insertReceipt(db, newReceipt());
        await startAttempt(db, oldProcessing.id);
        await backdate(db, oldReceived.id, 10);
        await backdate(db, oldProcessing.id, 20);
        const ids = await unfinishedReceipts(db, 5 * 60_000, 1000);
        assert.ok(!ids.includes(fresh.id));
        assert.ok(ids.indexOf(oldProcessing.id) >= 0);
        assert.ok(ids.indexOf(oldProcessing.id) < ids.indexOf(oldReceived.id));
        assert.ok((await unfinishedReceipts(db, 0, 100_000)).includes(fresh.id));
      });

      it('leaves out processed, dead and duplicate receipts however old', async () => {
        const input = newReceipt();
        const { receipt: processed } = await insertReceipt(db, input);
        await finishReceipt(db, processed.id, { outcome: 'accepted', issues: [] });
        const { receipt: duplicate } = await insertReceipt(db, input);
        const { receipt: dead } = await insertReceipt(db, newReceipt());
        await markReceiptDead(db, dead.id, 'x');
        for (const id of [processed.id, duplicate.id, dead.id]) await backdate(db, id, 60);
        const ids = await unfinishedReceipts(db, 0, 100_000);
        for (const id of [processed.id, duplicate.id, dead.id]) assert.ok(!ids.includes(id), `receipt ${id}`);
      });

      it('counts a recorded attempt error as activity', async () => {
        const { receipt } = await insertReceipt(db, newReceipt());
        await backdate(db, receipt.id, 30);
        assert.ok((await unfinishedReceipts(db, 10 * 60_000, 100_000)).includes(receipt.id));
        await recordAttemptError(db, receipt.id, 'timeout');
        assert.ok(!(await unfinishedReceipts(db, 10 * 60_000, 100_000)).includes(receipt.id));
      });

      it('returns at most limit ids', async () => {
        for (let i = 0; i < 3; i++) await insertReceipt(db, newReceipt());
        assert.equal((await unfinishedReceipts(db, 0, 2)).length, 2);
      });
    });

    describe('listReceipts', () => {
      const partner = `list-${engine.name}`;
      let ids: number[];

      before(async () => {
        ids = [];
        for (let i = 0; i < 5; i++) {
          ids.push((await insertReceipt(db, newReceipt({ partnerId: partner }))).receipt.id);
        }
        await insertReceipt(db, newReceipt({ partnerId: `${partner}-other` }));
        await finishReceipt(db, ids[1]!, { outcome: 'accepted', issues: [] });
        await finishReceipt(db, ids[3]!, { outcome: 'rejected', issues: [] });
      });

      it("lists one partner's receipts newest first", async () => {
        const rows = await listReceipts(db, { partnerId: partner });
        assert.deepEqual(
          rows.map((r) => r.id),
          [...ids].reverse(),
        );
      });

      it('filters by status', async () => {
        const rows = await listReceipts(db, { partnerId: partner, status: 'processed' });
        assert.deepEqual(
          rows.map((r) => r.id),
          [ids[3], ids[1]],
        );
        assert.ok(rows.every((r) => r.status === 'processed'));
        const all = await listReceipts(db, { status: 'received', limit: 1000 });
        assert.ok(all.every((r) => r.status === 'received'));
        assert.ok(all.some((r) => r.partnerId === `${partner}-other`));
      });

      it('pages backwards with beforeId and limit without gaps or repeats', async () => {
        const seen: number[] = [];
        let beforeId: number | undefined;
        for (;;) {
          const page = await listReceipts(db, { partnerId: partner, limit: 2, beforeId });
          if (page.length === 0) break;
          assert.ok(page.length <= 2);
          seen.push(...page.map((r) => r.id));
          beforeId = page.at(-1)!.id;
        }
        assert.deepEqual(seen, [...ids].reverse());
      });

      it('lists fifty by default', async () => {
        const extra = `many-${engine.name}`;
        for (let i = 0; i < 55; i++) await insertReceipt(db, newReceipt({ partnerId: extra }));
        assert.equal((await listReceipts(db, { partnerId: extra })).length, 50);
      });

      it('lists nothing for an unknown partner', async () => {
        assert.deepEqual(await listReceipts(db, { partnerId: 'nobody' }), []);
      });
    });

    describe('countReceiptsByStatus', () => {
      it('counts receipts per status as numbers', async () => {
        const before = await countReceiptsByStatus(db);
        const input = newReceipt();
        const { receipt } = await insertReceipt(db, input);
        await insertReceipt(db, input);
        await startAttempt(db, receipt.id);
        const after = await countReceiptsByStatus(db);
        assert.equal(after.processing, (before.processing ?? 0) + 1);
        assert.equal(after.duplicate, (before.duplicate ?? 0) + 1);
        assert.equal(typeof after.processing, 'number');
      });
    });
  });
}
