import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GatewayError } from '../../../src/errors.ts';
import { createIntake, type ArrivalMetadata, type Intake } from '../../../src/intake/receive.ts';
import { InProcessQueue } from '../../../src/jobs/in-process.ts';
import type { JobContext, JobPayloads, JobQueue, QueueCounts, QueueName } from '../../../src/jobs/queue.ts';
import { silentLogger } from '../../../src/log.ts';
import { FileBlobStore } from '../../../src/store/blobs.ts';
import type { Db } from '../../../src/store/db.ts';
import { getReceipt, unfinishedReceipts, type Receipt } from '../../../src/store/queries/receipts.ts';
import { engines } from '../../helpers/store.ts';

/** A queue that only writes down what it is given; `onAdd` runs first, and `failWith` makes add throw. */
class RecordingQueue implements JobQueue {
  readonly kind = 'in-process';
  readonly added: { queue: QueueName; payload: unknown }[] = [];
  failWith: Error | undefined;
  onAdd: ((queue: QueueName, payload: unknown) => Promise<void>) | undefined;

  async add<N extends QueueName>(queue: N, payload: JobPayloads[N]): Promise<void> {
    await this.onAdd?.(queue, payload);
    if (this.failWith) throw this.failWith;
    this.added.push({ queue, payload });
  }
  async addMany<N extends QueueName>(queue: N, payloads: JobPayloads[N][]): Promise<void> {
    for (const payload of payloads) await this.add(queue, payload);
  }
  process(): void {}
  counts(): Promise<QueueCounts> {
    return Promise.resolve({ waiting: 0, active: 0, delayed: 0 });
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const edi = (n: number | string) => `ISA*00*          *00*          *ZZ*ACME*ZZ*DOCKSIDE*${n}~`;

let serial = 0;

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}

function gatewayError(code: string, retryable: boolean) {
  return (e: unknown) => {
    assert.ok(e instanceof GatewayError, String(e));
    assert.equal(e.code, code);
    assert.equal(e.retryable, retryable);
    return true;
  };
}

for (const engine of engines()) {
  describe(`intake receive on ${engine.name}`, () => {
    let db: Db;
    let root: string;
    let blobs: FileBlobStore;
    let queue: RecordingQueue;
    let intake: Intake;
    /** A channel id no other test uses, so rows can be counted per test. */
    let channel: string;

    before(async () => {
      db = await engine.open();
    });

    beforeEach(async () => {
      root = await mkdtemp(join(tmpdir(), 'dockside-intake-'));
      blobs = new FileBlobStore(join(root, 'blobs'));
      queue = new RecordingQueue();
      intake = createIntake({ db, blobs, queue, log: silentLogger() });
      channel = `${engine.name}-channel-${++serial}`;
    });

    afterEach(async () => {
      await rm(root, { recursive: true, force: true });
    });

    async function receiptsOfChannel(): Promise<Receipt[]> {
      return db.query<Receipt>(
        `select id, status, duplicate_of as "duplicateOf" from receipts where channel_id = $1 order by id`,
        [channel],
      );
    }

    const folder = (overrides: Partial<ArrivalMetadata> = {}): ArrivalMetadata => ({
      channel: { kind: 'folder', id: channel },
      partnerId: 'acme',
      remotePath: `/drop/${channel}/po.edi`,
      size: Buffer.byteLength(edi(1)),
      mtime: new Date('2026-11-26T10:30:00Z'),
      ...overrides,
    });

    it('returns only after the blob is stored and the receipt committed, then queues process-receipt', async () => {
      const seenAtAdd: { blob: boolean; committed: Receipt | undefined }[] = [];
      queue.onAdd = async (_queue, payload) => {
        const { receiptId } = payload as JobPayloads['process-receipt'];
        // Read outside the intake's transaction: the row is there only if it was committed.
        seenAtAdd.push({ blob: await blobs.has(sha256(edi(1))), committed: await getReceipt(db, receiptId) });
      };
      const { receipt, duplicateOf } = await intake.receive(Readable.from([edi(1)]), folder());
      assert.equal(duplicateOf, undefined);
      assert.equal(receipt.status, 'received');
      assert.equal(receipt.sha256, sha256(edi(1)));
      assert.equal(receipt.blobKey, sha256(edi(1)));
      assert.equal(receipt.size, Buffer.byteLength(edi(1)));
      assert.deepEqual(queue.added, [{ queue: 'process-receipt', payload: { receiptId: receipt.id } }]);
      assert.equal(seenAtAdd.length, 1);
      assert.equal(seenAtAdd[0]!.blob, true);
      assert.equal(seenAtAdd[0]!.committed?.id, receipt.id);
      assert.deepEqual(await getReceipt(db, receipt.id), receipt);
      const stored: Buffer[] = [];
      for await (const c of blobs.read(receipt.blobKey)) stored.push(c as Buffer);
      assert.equal(Buffer.concat(stored).toString(), edi(1));
    });

    it('records where the file came from, naming it after its remote path', async () => {
      const meta = folder();
      const { receipt } = await intake.receive(Readable.from([edi(1)]), meta);
      assert.equal(receipt.channelKind, 'folder');
      assert.equal(receipt.channelId, channel);
      assert.equal(receipt.partnerId, 'acme');
      assert.equal(receipt.remotePath, meta.remotePath);
      assert.equal(receipt.fileName, 'po.edi');
      assert.deepEqual(receipt.remoteMtime, meta.mtime);
      assert.equal(receipt.replayOf, null);
    });

    it('keeps a file name given explicitly, and none when there is neither name nor path', async () => {
      const named = await intake.receive(Readable.from([edi(1)]), folder({ fileName: 'renamed.edi' }));
      assert.equal(named.receipt.fileName, 'renamed.edi');
      const bare = await intake.receive(Readable.from([edi(2)]), {
        channel: { kind: 'upload', id: channel },
        partnerId: 'acme',
      });
      assert.equal(bare.receipt.fileName, null);
      assert.equal(bare.receipt.remotePath, null);
      assert.equal(bare.receipt.remoteMtime, null);
    });

    it('takes a file stream as its source', async () => {
      const path = join(root, 'po.edi');
      await writeFile(path, edi(3));
      const { receipt } = await intake.receive(
        createReadStream(path),
        folder({ remotePath: path, size: Buffer.byteLength(edi(3)) }),
      );
      assert.equal(receipt.sha256, sha256(edi(3)));
    });

    it('records the same folder arrival twice as one receipt and one duplicate, and queues only the first', async () => {
      const first = await intake.receive(Readable.from([edi(1)]), folder());
      const again = await intake.receive(Readable.from([edi(1)]), folder());
      assert.equal(again.duplicateOf?.id, first.receipt.id);
      assert.equal(again.receipt.status, 'duplicate');
      assert.equal(again.receipt.duplicateOf, first.receipt.id);
      assert.deepEqual(queue.added, [{ queue: 'process-receipt', payload: { receiptId: first.receipt.id } }]);
      assert.deepEqual(
        (await receiptsOfChannel()).map((r) => [r.id, r.status, r.duplicateOf]),
        [
          [first.receipt.id, 'received', null],
          [again.receipt.id, 'duplicate', first.receipt.id],
        ],
      );
    });

    it('commits arrivals that come in at the same time in one transaction and queues them together', async () => {
      let transactions = 0;
      const counting: Db = Object.create(db) as Db;
      counting.transaction = (fn) => {
        transactions++;
        return db.transaction(fn);
      };
      const together = createIntake({ db: counting, blobs, queue, log: silentLogger() });
      const files = [1, 2, 3, 4, 5, 6].map((n) => edi(n));
      const results = await Promise.all(
        files.map((text, n) =>
          together.receive(
            Readable.from([text]),
            folder({ remotePath: `/drop/${channel}/f${n}.edi`, size: text.length }),
          ),
        ),
      );
      assert.ok(transactions >= 1 && transactions < files.length, `${transactions} transactions`);
      // Ids follow the order the blobs were stored in, not the order of the calls.
      const ids = results.map((r) => r.receipt.id).sort((x, y) => x - y);
      const rows = await receiptsOfChannel();
      assert.deepEqual(
        rows.map((r) => [r.id, r.status]),
        ids.map((id) => [id, 'received']),
      );
      assert.deepEqual(
        queue.added.map((a) => (a.payload as { receiptId: number }).receiptId).sort((x, y) => x - y),
        ids,
      );
    });

    it('records the second of two identical arrivals committed together as a duplicate of the first', async () => {
      const [a, b] = await Promise.all([
        intake.receive(Readable.from([edi(1)]), folder()),
        intake.receive(Readable.from([edi(1)]), folder()),
      ]);
      const [first, again] = a.duplicateOf ? [b, a] : [a, b];
      assert.equal(first.duplicateOf, undefined);
      assert.equal(again.duplicateOf?.id, first.receipt.id);
      assert.equal(again.receipt.status, 'duplicate');
      assert.deepEqual(queue.added, [{ queue: 'process-receipt', payload: { receiptId: first.receipt.id } }]);
    });

    it('records a rewritten file (same path, new modification time) as a new arrival', async () => {
      const first = await intake.receive(Readable.from([edi(1)]), folder());
      const rewritten = await intake.receive(
        Readable.from([edi(1)]),
        folder({ mtime: new Date('2026-11-26T11:00:00Z') }),
      );
      assert.equal(rewritten.duplicateOf, undefined);
      assert.notEqual(rewritten.receipt.id, first.receipt.id);
      assert.equal(queue.added.length, 2);
    });

    it("does not take one folder channel's file for another's with the same path, size and time", async () => {
      const a = await intake.receive(Readable.from([edi(1)]), folder({ remotePath: '/drop/po.edi' }));
      const b = await intake.receive(
        Readable.from([edi(1)]),
        folder({
          channel: { kind: 'folder', id: `${channel}-other` },
          partnerId: 'globex',
          remotePath: '/drop/po.edi',
        }),
      );
      assert.equal(b.duplicateOf, undefined);
      assert.notEqual(b.receipt.id, a.receipt.id);
    });

    for (const kind of ['cli', 'upload'] as const) {
      it(`keys ${kind} arrivals by partner and sha256: the same bytes from two partners are two receipts`, async () => {
        const meta = (partnerId: string): ArrivalMetadata => ({ channel: { kind, id: channel }, partnerId });
        const bytes = edi(`${kind}-${serial}`);
        const acme = await intake.receive(Readable.from([bytes]), meta('acme'));
        const globex = await intake.receive(Readable.from([bytes]), meta('globex'));
        const acmeAgain = await intake.receive(Readable.from([bytes]), meta('acme'));
        const acmeOther = await intake.receive(Readable.from([`${bytes}\n`]), meta('acme'));
        assert.equal(acme.duplicateOf, undefined);
        assert.equal(globex.duplicateOf, undefined);
        assert.equal(acmeAgain.duplicateOf?.id, acme.receipt.id);
        assert.equal(acmeOther.duplicateOf, undefined);
        assert.deepEqual(
          queue.added.map((a) => (a.payload as { receiptId: number }).receiptId),
          [acme.receipt.id, globex.receipt.id, acmeOther.receipt.id],
        );
        // One blob serves both partners' receipts of the same bytes.
        assert.equal(acme.receipt.blobKey, globex.receipt.blobKey);
      });
    }

    it('refuses an AS2 arrival without a Message-ID, storing and recording nothing', async () => {
      const source = Readable.from([edi(1)]);
      await assert.rejects(
        intake.receive(source, { channel: { kind: 'as2', id: channel }, partnerId: 'acme' }),
        gatewayError('usage', false),
      );
      assert.deepEqual(await receiptsOfChannel(), []);
      assert.deepEqual(queue.added, []);
      assert.deepEqual(await filesUnder(root), []);
      assert.equal(source.destroyed, true, 'the source is not left open');
    });

    it('records AS2 messages by Message-ID: a resent message is a duplicate, another message is not', async () => {
      const as2 = (messageId: string): ArrivalMetadata => ({
        channel: { kind: 'as2', id: channel },
        partnerId: 'acme',
        messageId,
      });
      const m1 = await intake.receive(Readable.from([edi(1)]), as2(`<${channel}-1@acme>`));
      const resent = await intake.receive(Readable.from([edi(1)]), as2(`<${channel}-1@acme>`));
      const m2 = await intake.receive(Readable.from([edi(1)]), as2(`<${channel}-2@acme>`));
      assert.equal(resent.duplicateOf?.id, m1.receipt.id);
      assert.equal(m2.duplicateOf, undefined);
      assert.equal(queue.added.length, 2);
    });

    it('refuses a file whose listed size differs from the bytes received, as retryable, recording nothing', async () => {
      const listed = Buffer.byteLength(edi(1)) + 10;
      await assert.rejects(
        intake.receive(Readable.from([edi(1)]), folder({ size: listed })),
        (e: unknown) => {
          gatewayError('input-unreadable', true)(e);
          assert.match(
            (e as Error).message,
            new RegExp(`listed as ${listed} bytes but ${listed - 10} arrived`),
          );
          return true;
        },
      );
      assert.deepEqual(await receiptsOfChannel(), []);
      assert.deepEqual(queue.added, []);
      // Once the whole file is there, the same arrival is taken in.
      const { receipt } = await intake.receive(Readable.from([edi(1)]), folder());
      assert.equal(receipt.status, 'received');
    });

    it('returns the committed receipt when queueing fails, leaving it for the sweeper', async () => {
      queue.failWith = new GatewayError('queue-unavailable', 'Redis is away', true);
      const { receipt, duplicateOf } = await intake.receive(Readable.from([edi(1)]), folder());
      assert.equal(duplicateOf, undefined);
      assert.equal((await getReceipt(db, receipt.id))?.status, 'received');
      assert.ok((await unfinishedReceipts(db, 0, 100_000)).includes(receipt.id));
    });

    it('records and queues nothing when the blob cannot be stored', async () => {
      const file = join(root, 'not-a-directory');
      await writeFile(file, '');
      const broken = createIntake({
        db,
        blobs: new FileBlobStore(join(file, 'blobs')),
        queue,
        log: silentLogger(),
      });
      await assert.rejects(
        broken.receive(Readable.from([edi(1)]), folder()),
        gatewayError('blob-failed', false),
      );
      assert.deepEqual(await receiptsOfChannel(), []);
      assert.deepEqual(queue.added, []);
    });

    it('passes on the error of a source that fails, recording and queueing nothing', async () => {
      const dropped = new Error('connection reset by partner');
      async function* failing() {
        yield edi(1);
        await Promise.resolve();
        throw dropped;
      }
      await assert.rejects(intake.receive(failing(), folder()), (e: unknown) => e === dropped);
      assert.deepEqual(await receiptsOfChannel(), []);
      assert.deepEqual(queue.added, []);
    });

    it('queues nothing when the receipt cannot be committed', async () => {
      const down = new GatewayError('store-unavailable', 'connection refused', true);
      const failingDb: Db = { ...db, kind: db.kind, transaction: () => Promise.reject(down) };
      const cut = createIntake({ db: failingDb, blobs, queue, log: silentLogger() });
      await assert.rejects(cut.receive(Readable.from([edi(1)]), folder()), (e: unknown) => e === down);
      assert.deepEqual(queue.added, []);
    });

    it('records a replay with the receipt it replays, as a new arrival each time', async () => {
      const original = await intake.receive(Readable.from([edi(1)]), folder());
      const replay = (nonce: string): ArrivalMetadata => ({
        channel: { kind: 'replay', id: `replay/${channel}` },
        partnerId: 'acme',
        replay: { of: original.receipt.id, nonce },
      });
      const r1 = await intake.receive(blobs.read(original.receipt.blobKey), replay('n1'));
      const r2 = await intake.receive(blobs.read(original.receipt.blobKey), replay('n2'));
      assert.equal(r1.receipt.replayOf, original.receipt.id);
      assert.equal(r1.duplicateOf, undefined);
      assert.equal(r2.duplicateOf, undefined);
      assert.equal(r1.receipt.blobKey, original.receipt.blobKey);
    });

    it('hands the receipt id to the process-receipt handler of the in-process queue', async () => {
      const deadLetters: unknown[] = [];
      const inProcess = new InProcessQueue({ attempts: 1, backoffMs: 1 }, (job) => {
        deadLetters.push(job);
        return Promise.resolve();
      });
      try {
        const handled = new Promise<[JobPayloads['process-receipt'], JobContext]>((resolve) => {
          inProcess.process('process-receipt', (payload, ctx) => {
            resolve([payload, ctx]);
            return Promise.resolve();
          });
        });
        const real = createIntake({ db, blobs, queue: inProcess, log: silentLogger() });
        const { receipt } = await real.receive(Readable.from([edi(1)]), folder());
        const [payload, ctx] = await handled;
        assert.deepEqual(payload, { receiptId: receipt.id });
        assert.equal(ctx.jobId, `receipt-${receipt.id}`);
        assert.deepEqual(deadLetters, []);
      } finally {
        await inProcess.close({ timeoutMs: 1000 });
      }
    });
  });
}
