import assert from 'node:assert/strict';
import { GatewayError } from '../../../src/errors.ts';
import type { Db, Queryable } from '../../../src/store/db.ts';
import {
  acknowledgmentsOfReceipt,
  getAcknowledgment,
  insertAcknowledgments,
  markDelivered,
  pendingDeliveries,
  recordDeliveryError,
  reviveDelivery,
  type NewAcknowledgment,
} from '../../../src/store/queries/acknowledgments.ts';
import { recordInterchanges, type InterchangeRecord } from '../../../src/store/queries/interchanges.ts';
import { insertReceipt } from '../../../src/store/queries/receipts.ts';
import { engines } from '../../helpers/store.ts';

let serial = 0;

/** A receipt with `count` interchanges; their ids in order. */
async function receiptWithInterchanges(
  q: Queryable,
  count: number,
): Promise<{ receiptId: number; interchangeIds: number[] }> {
  serial++;
  const { receipt } = await insertReceipt(q, {
    channelKind: 'cli',
    channelId: 'cli',
    partnerId: 'acme',
    remotePath: null,
    fileName: null,
    size: 1,
    remoteMtime: null,
    sha256: 'b'.repeat(64),
    blobKey: 'b'.repeat(64),
    idempotencyKey: `ack-${serial}-${Math.random()}`,
  });
  const records: InterchangeRecord[] = Array.from({ length: count }, (_, position) => ({
    position,
    partnerId: 'acme',
    senderQualifier: 'ZZ',
    senderId: 'ACME',
    receiverQualifier: 'ZZ',
    receiverId: 'DOCKSIDE',
    controlNumber: String(position + 1).padStart(9, '0'),
    version: '00401',
    usageIndicator: 'P',
    ackRequested: true,
    sentDate: '261126',
    sentTime: '1030',
    status: 'accepted',
    duplicateOf: null,
    startOffset: 0,
    startLine: 1,
    issues: [],
    groups: [],
  }));
  const ids = await recordInterchanges(q, receipt.id, records);
  return { receiptId: receipt.id, interchangeIds: records.map((r) => ids.get(r.position)!) };
}

let controlSerial = 0;

function ack(
  receiptId: number,
  interchangeId: number,
  overrides: Partial<NewAcknowledgment> = {},
): NewAcknowledgment {
  return {
    receiptId,
    interchangeId,
    partnerId: 'acme',
    kinds: 'TA1+997',
    controlNumber: String(++controlSerial).padStart(9, '0'),
    inboundControlNumber: '000000001',
    ta1Code: 'A000',
    functional: [{ type: '997', group: '1', code: 'A', sets: [{ control: '0001', code: 'A' }] }],
    body: 'ISA*00*...~',
    ...overrides,
  };
}

async function backdate(db: Db, id: number, minutes: number): Promise<void> {
  await db.query(
    `update acknowledgments set updated_at = clock_timestamp() - $2 * interval '1 minute' where id = $1`,
    [id, minutes],
  );
}

function storeFailed(e: unknown): boolean {
  assert.ok(e instanceof GatewayError, String(e));
  assert.equal(e.code, 'store-failed');
  assert.equal(e.retryable, false);
  return true;
}

for (const engine of engines()) {
  describe(`acknowledgments on ${engine.name}`, () => {
    let db: Db;

    before(async () => {
      db = await engine.open();
    });

    it('inserts several acknowledgments and returns their ids in the order given', async () => {
      const { receiptId, interchangeIds } = await receiptWithInterchanges(db, 3);
      const input = interchangeIds.map((id, i) =>
        ack(receiptId, id, { inboundControlNumber: `00000000${i}` }),
      );
      const ids = await insertAcknowledgments(db, input);
      assert.equal(ids.length, 3);
      for (const [i, id] of ids.entries()) {
        const stored = (await getAcknowledgment(db, id))!;
        assert.equal(stored.interchangeId, interchangeIds[i]);
        assert.equal(stored.inboundControlNumber, `00000000${i}`);
        assert.equal(stored.controlNumber, input[i]!.controlNumber);
      }
    });

    it('reads back what was stored, pending and not yet attempted', async () => {
      const { receiptId, interchangeIds } = await receiptWithInterchanges(db, 1);
      const input = ack(receiptId, interchangeIds[0]!, { ta1Code: null, kinds: '999' });
      const [id] = await insertAcknowledgments(db, [input]);
      const stored = (await getAcknowledgment(db, id!))!;
      assert.deepEqual(
        {
          receiptId: stored.receiptId,
          interchangeId: stored.interchangeId,
          partnerId: stored.partnerId,
          kinds: stored.kinds,
          controlNumber: stored.controlNumber,
          inboundControlNumber: stored.inboundControlNumber,
          ta1Code: stored.ta1Code,
          functional: stored.functional,
          body: stored.body,
        },
        input,
      );
      assert.equal(stored.id, id);
      assert.equal(stored.deliveryStatus, 'pending');
      assert.equal(stored.channelKind, null);
      assert.equal(stored.deliveredTo, null);
      assert.equal(stored.attempts, 0);
      assert.equal(stored.lastError, null);
      assert.ok(stored.createdAt instanceof Date);
      assert.equal(stored.deliveredAt, null);
    });

    it('inserts nothing for an empty list', async () => {
      assert.deepEqual(await insertAcknowledgments(db, []), []);
    });

    it('finds nothing for an unknown id', async () => {
      assert.equal(await getAcknowledgment(db, 987654321), undefined);
    });

    it('lists the acknowledgments of a receipt in order, and only those', async () => {
      const a = await receiptWithInterchanges(db, 2);
      const b = await receiptWithInterchanges(db, 1);
      const idsA = await insertAcknowledgments(db, [
        ack(a.receiptId, a.interchangeIds[0]!),
        ack(a.receiptId, a.interchangeIds[1]!),
      ]);
      await insertAcknowledgments(db, [ack(b.receiptId, b.interchangeIds[0]!)]);
      assert.deepEqual(
        (await acknowledgmentsOfReceipt(db, a.receiptId)).map((x) => x.id),
        idsA,
      );
    });

    it('refuses an acknowledgment control number the partner has already used', async () => {
      const { receiptId, interchangeIds } = await receiptWithInterchanges(db, 2);
      const first = ack(receiptId, interchangeIds[0]!);
      await insertAcknowledgments(db, [first]);
      await assert.rejects(
        insertAcknowledgments(db, [
          ack(receiptId, interchangeIds[1]!, { controlNumber: first.controlNumber }),
        ]),
        storeFailed,
      );
      assert.equal((await acknowledgmentsOfReceipt(db, receiptId)).length, 1);
    });

    it('lets another partner use the same control number', async () => {
      const { receiptId, interchangeIds } = await receiptWithInterchanges(db, 2);
      const first = ack(receiptId, interchangeIds[0]!);
      await insertAcknowledgments(db, [first]);
      const ids = await insertAcknowledgments(db, [
        ack(receiptId, interchangeIds[1]!, { controlNumber: first.controlNumber, partnerId: 'globex' }),
      ]);
      assert.equal(ids.length, 1);
    });

    it('refuses a second acknowledgment of the same interchange, and the whole batch with it', async () => {
      const { receiptId, interchangeIds } = await receiptWithInterchanges(db, 2);
      await insertAcknowledgments(db, [ack(receiptId, interchangeIds[0]!)]);
      await assert.rejects(
        insertAcknowledgments(db, [ack(receiptId, interchangeIds[1]!), ack(receiptId, interchangeIds[0]!)]),
        storeFailed,
      );
      assert.deepEqual(
        (await acknowledgmentsOfReceipt(db, receiptId)).map((x) => x.interchangeId),
        [interchangeIds[0]],
      );
    });

    it('refuses an acknowledgment of an interchange that does not exist', async () => {
      const { receiptId } = await receiptWithInterchanges(db, 0);
      await assert.rejects(insertAcknowledgments(db, [ack(receiptId, 987654321)]), storeFailed);
    });

    describe('delivery', () => {
      let ackId: number;

      beforeEach(async () => {
        const { receiptId, interchangeIds } = await receiptWithInterchanges(db, 1);
        [ackId] = (await insertAcknowledgments(db, [ack(receiptId, interchangeIds[0]!)])) as [number];
      });

      it('marks an acknowledgment delivered with where it went and when', async () => {
        await recordDeliveryError(db, ackId, 'connection reset', false);
        await markDelivered(db, ackId, {
          status: 'delivered',
          channelKind: 'sftp',
          deliveredTo: '/in/ack.edi',
        });
        const a = (await getAcknowledgment(db, ackId))!;
        assert.equal(a.deliveryStatus, 'delivered');
        assert.equal(a.channelKind, 'sftp');
        assert.equal(a.deliveredTo, '/in/ack.edi');
        assert.equal(a.attempts, 2);
        assert.equal(a.lastError, null);
        assert.ok(a.deliveredAt instanceof Date);
      });

      it('marks an acknowledgment with no channel without a delivery time', async () => {
        await markDelivered(db, ackId, { status: 'no-channel', channelKind: null, deliveredTo: null });
        const a = (await getAcknowledgment(db, ackId))!;
        assert.equal(a.deliveryStatus, 'no-channel');
        assert.equal(a.deliveredAt, null);
        assert.equal(a.attempts, 1);
      });

      it('keeps a delivery pending after an error that is not final', async () => {
        await recordDeliveryError(db, ackId, 'timeout', false);
        const a = (await getAcknowledgment(db, ackId))!;
        assert.equal(a.deliveryStatus, 'pending');
        assert.equal(a.attempts, 1);
        assert.equal(a.lastError, 'timeout');
      });

      it('marks a delivery failed after a final error', async () => {
        await recordDeliveryError(db, ackId, 'timeout', false);
        await recordDeliveryError(db, ackId, 'permission denied', true);
        const a = (await getAcknowledgment(db, ackId))!;
        assert.equal(a.deliveryStatus, 'failed');
        assert.equal(a.attempts, 2);
        assert.equal(a.lastError, 'permission denied');
      });

      it('revives a failed delivery as pending, and nothing else', async () => {
        assert.equal(await reviveDelivery(db, ackId), false);
        await recordDeliveryError(db, ackId, 'permission denied', true);
        assert.equal(await reviveDelivery(db, ackId), true);
        assert.equal((await getAcknowledgment(db, ackId))!.deliveryStatus, 'pending');
        await markDelivered(db, ackId, { status: 'delivered', channelKind: 'folder', deliveredTo: '/x' });
        assert.equal(await reviveDelivery(db, ackId), false);
        assert.equal((await getAcknowledgment(db, ackId))!.deliveryStatus, 'delivered');
      });

      it('lists pending deliveries idle for at least idleMs, and not delivered or failed ones', async () => {
        await backdate(db, ackId, 10);
        assert.ok((await pendingDeliveries(db, 5 * 60_000, 100_000)).includes(ackId));
        await recordDeliveryError(db, ackId, 'timeout', false);
        assert.ok(!(await pendingDeliveries(db, 5 * 60_000, 100_000)).includes(ackId));
        assert.ok((await pendingDeliveries(db, 0, 100_000)).includes(ackId));
        await recordDeliveryError(db, ackId, 'gone', true);
        await backdate(db, ackId, 10);
        assert.ok(!(await pendingDeliveries(db, 0, 100_000)).includes(ackId));
      });

      it('lists at most limit pending deliveries', async () => {
        assert.equal((await pendingDeliveries(db, 0, 1)).length, 1);
      });
    });
  });
}
