// receive(): the one door into the gateway. It returns only after the bytes are fsynced in the blob store
// and the receipt row is committed; only then may a channel delete or move the remote file, answer an MDN
// or return HTTP 200. Processing is queued after the commit: if that fails, the receipt is still there and
// the sweeper queues it.
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { GatewayError, errorMessage } from '../errors.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { Logger } from '../log.ts';
import type { BlobStore } from '../store/blobs.ts';
import type { Db } from '../store/db.ts';
import { insertReceipt, type Receipt } from '../store/queries/receipts.ts';
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
      const key = keyOf(blob.sha256);
      const remotePath = meta.remotePath ?? null;
      const inserted = await deps.db.transaction((tx) =>
        insertReceipt(tx, {
          channelKind: meta.channel.kind,
          channelId: meta.channel.id,
          partnerId: meta.partnerId,
          remotePath,
          fileName: meta.fileName ?? (remotePath ? basename(remotePath) : null),
          size: blob.size,
          remoteMtime: meta.mtime ?? null,
          sha256: blob.sha256,
          blobKey: blob.key,
          idempotencyKey: key,
          replayOf: meta.replay?.of ?? null,
        }),
      );
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
      try {
        await deps.queue.add('process-receipt', { receiptId: inserted.receipt.id });
      } catch (e) {
        log.warn({ err: errorMessage(e) }, 'processing not queued; the sweeper will queue it');
      }
      return { receipt: inserted.receipt };
    },
  };
}
