// receive(): the one door into the gateway. It returns only after the bytes are fsynced in the blob store
// and the receipt row is committed; only then may a channel delete or move the remote file, answer an MDN
// or return HTTP 200. Processing is queued after the commit: if that fails, the receipt is still there and
// the sweeper queues it.
//
// Concurrent arrivals share their commit: the receipt rows of the calls that are waiting at the same moment
// go in one transaction, and their jobs in one add (group commit, see src/jobs/batcher.ts). Each call still
// returns only once its own row is committed.
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { GatewayError, errorMessage } from '../errors.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { Logger } from '../log.ts';
import type { BlobStore } from '../store/blobs.ts';
import type { Db } from '../store/db.ts';
import { Batcher, type Settled } from '../jobs/batcher.ts';
import {
  insertReceipt,
  insertReceipts,
  type InsertedReceipt,
  type NewReceipt,
} from '../store/queries/receipts.ts';
import type { Receipt } from '../store/queries/receipts.ts';
import { arrivalKey, type ArrivalMetadata } from './idempotency.ts';

export type { ArrivalMetadata, ChannelKind } from './idempotency.ts';

export interface ReceiveResult {
  receipt: Receipt;
  /** The first receipt of the same arrival, when this one is a repeat (not processed again). */
  duplicateOf?: Receipt;
}

export interface Intake {
  receive(
    source: Readable | AsyncIterable<Uint8Array | string>,
    meta: ArrivalMetadata,
  ): Promise<ReceiveResult>;
}

export interface IntakeDeps {
  db: Db;
  blobs: BlobStore;
  queue: JobQueue;
  log: Logger;
}

export function createIntake(deps: IntakeDeps): Intake {
  const recorder = new Batcher<NewReceipt, InsertedReceipt>((rows) => recordArrivals(deps, rows), {
    maxInFlight: 4,
  });
  return {
    async receive(source, meta) {
      // Metadata that cannot make a key is refused before anything is stored.
      let keyOf: (sha256: string) => string;
      try {
        keyOf = arrivalKey(meta);
      } catch (e) {
        (source as Partial<Readable>).destroy?.();
        throw e;
      }
      const blob = await deps.blobs.put(source);
      if (meta.size !== undefined && meta.size !== blob.size) {
        // A download cut short or a file still growing: nothing is recorded, the channel tries again later.
        throw new GatewayError(
          'input-unreadable',
          `${meta.remotePath ?? 'the file'}: listed as ${meta.size} bytes but ${blob.size} arrived`,
          true,
        );
      }
      const remotePath = meta.remotePath ?? null;
      const inserted = await recorder.submit({
        channelKind: meta.channel.kind,
        channelId: meta.channel.id,
        partnerId: meta.partnerId,
        remotePath,
        fileName: meta.fileName ?? (remotePath ? basename(remotePath) : null),
        size: blob.size,
        remoteMtime: meta.mtime ?? null,
        sha256: blob.sha256,
        blobKey: blob.key,
        idempotencyKey: keyOf(blob.sha256),
        replayOf: meta.replay?.of ?? null,
      });
      const log = deps.log.child({ receiptId: inserted.receipt.id, partnerId: meta.partnerId });
      if (inserted.duplicateOf) {
        log.info(
          { channel: meta.channel.id, duplicateOf: inserted.duplicateOf.id, file: inserted.receipt.fileName },
          'arrival already received; recorded as a duplicate',
        );
        return { receipt: inserted.receipt, duplicateOf: inserted.duplicateOf };
      }
      log.info(
        { channel: meta.channel.id, file: inserted.receipt.fileName, size: blob.size, sha256: blob.sha256 },
        'file received',
      );
      return { receipt: inserted.receipt };
    },
  };
}

/** Commits the receipt rows of a batch of arrivals, then queues the new ones. A batch whose transaction fails
 * is tried again row by row, so that one bad row fails only its own arrival. */
async function recordArrivals(deps: IntakeDeps, rows: NewReceipt[]): Promise<Settled<InsertedReceipt>[]> {
  let results: Settled<InsertedReceipt>[];
  try {
    const inserted = await deps.db.transaction((tx) => insertReceipts(tx, rows));
    results = inserted.map((value) => ({ ok: true, value }));
  } catch (error) {
    if (rows.length === 1) return [{ ok: false, error }];
    results = [];
    for (const row of rows) {
      try {
        results.push({ ok: true, value: await deps.db.transaction((tx) => insertReceipt(tx, row)) });
      } catch (e) {
        results.push({ ok: false, error: e });
      }
    }
  }
  const fresh = results.flatMap((r) =>
    r.ok && !r.value.duplicateOf ? [{ receiptId: r.value.receipt.id }] : [],
  );
  try {
    await deps.queue.addMany('process-receipt', fresh);
  } catch (e) {
    deps.log.warn(
      { err: errorMessage(e), receipts: fresh.map((f) => f.receiptId) },
      'processing not queued; the sweeper will queue it',
    );
  }
  return results;
}
