// What operations do by hand: replay a receipt from its stored bytes, retry a dead letter. Each is recorded
// in the audit log with who asked.
import { randomUUID } from 'node:crypto';
import { GatewayError } from '../errors.ts';
import type { Intake, ReceiveResult } from '../intake/receive.ts';
import type { JobPayloads, JobQueue } from '../jobs/queue.ts';
import type { BlobStore } from '../store/blobs.ts';
import type { Db } from '../store/db.ts';
import { reviveDelivery } from '../store/queries/acknowledgments.ts';
import { audit } from '../store/queries/audit.ts';
import { getDeadLetter, markRetried } from '../store/queries/dead-letters.ts';
import { getReceipt, reviveReceipt } from '../store/queries/receipts.ts';

export interface OperationsDeps {
  db: Db;
  blobs: BlobStore;
  intake: Intake;
  queue: JobQueue;
}

/** Processes a receipt's file again as a new receipt that points at the one replayed. The interchanges are
 * not duplicates of the replayed ones; the acks get new control numbers. */
export async function replayReceipt(
  deps: OperationsDeps,
  receiptId: number,
  actor: string,
): Promise<ReceiveResult> {
  const original = await getReceipt(deps.db, receiptId);
  if (!original) throw new GatewayError('not-found', `there is no receipt ${receiptId}`, false);
  if (original.duplicateOf !== null) {
    throw new GatewayError(
      'usage',
      `receipt ${receiptId} is a duplicate arrival of receipt ${original.duplicateOf}; replay that one`,
      false,
    );
  }
  if (!(await deps.blobs.has(original.blobKey))) {
    throw new GatewayError(
      'not-found',
      `the stored file of receipt ${receiptId} (${original.blobKey}) is missing`,
      false,
    );
  }
  const root = original.replayOf ?? original.id;
  const result = await deps.intake.receive(deps.blobs.read(original.blobKey), {
    channel: { kind: 'replay', id: `replay/${original.channelId}` },
    partnerId: original.partnerId,
    ...(original.remotePath !== null ? { remotePath: original.remotePath } : {}),
    ...(original.fileName !== null ? { fileName: original.fileName } : {}),
    replay: { of: root, nonce: randomUUID() },
  });
  await audit(deps.db, {
    actor,
    action: 'receipt.replay',
    subjectType: 'receipt',
    subjectId: receiptId,
    details: { newReceipt: result.receipt.id },
  });
  return result;
}

/** Puts a dead letter's job back in the queue; the thing it was about is made pending again. */
export async function retryDeadLetter(deps: OperationsDeps, id: number, actor: string): Promise<void> {
  const letter = await getDeadLetter(deps.db, id);
  if (!letter) throw new GatewayError('not-found', `there is no dead letter ${id}`, false);
  if (letter.status !== 'open') {
    throw new GatewayError(
      'usage',
      `dead letter ${id} was already retried by ${letter.retriedBy ?? '?'}`,
      false,
    );
  }
  await deps.db.transaction(async (tx) => {
    if (!(await markRetried(tx, id, actor))) {
      throw new GatewayError('usage', `dead letter ${id} was retried by someone else just now`, false);
    }
    if (letter.queue === 'process-receipt') {
      await reviveReceipt(tx, (letter.payload as JobPayloads['process-receipt']).receiptId);
    } else if (letter.queue === 'deliver-outbound') {
      await reviveDelivery(tx, (letter.payload as JobPayloads['deliver-outbound']).ackId);
    }
    await audit(tx, { actor, action: 'dead-letter.retry', subjectType: 'dead-letter', subjectId: id });
  });
  if (letter.queue === 'process-receipt') {
    await deps.queue.add('process-receipt', letter.payload as JobPayloads['process-receipt']);
  } else if (letter.queue === 'deliver-outbound') {
    await deps.queue.add('deliver-outbound', letter.payload as JobPayloads['deliver-outbound']);
  } else {
    await deps.queue.add('map-documents', letter.payload as JobPayloads['map-documents']);
  }
}
