// What happens to a job that failed for good: a dead letter with its reason, and the thing it was about
// marked so that nobody waits for it (a receipt becomes dead, an ack delivery failed).
import { GatewayError, errorMessage } from '../errors.ts';
import type { DeadJob, DeadLetterSink, JobPayloads } from '../jobs/queue.ts';
import type { Logger } from '../log.ts';
import type { Db } from '../store/db.ts';
import { getAcknowledgment, recordDeliveryError } from '../store/queries/acknowledgments.ts';
import { insertDeadLetter } from '../store/queries/dead-letters.ts';
import { markReceiptDead } from '../store/queries/receipts.ts';

export function deadLetterSink(db: Db, log: Logger): DeadLetterSink {
  return async (job: DeadJob) => {
    const reason = errorMessage(job.error);
    const errorCode = job.error instanceof GatewayError ? job.error.code : null;
    await db.transaction(async (tx) => {
      let receiptId: number | null;
      if (job.queue === 'process-receipt' || job.queue === 'map-documents') {
        receiptId = (job.payload as JobPayloads['process-receipt']).receiptId;
        if (job.queue === 'process-receipt') await markReceiptDead(tx, receiptId, reason);
      } else {
        const ackId = (job.payload as JobPayloads['deliver-outbound']).ackId;
        const ack = await getAcknowledgment(tx, ackId);
        receiptId = ack?.receiptId ?? null;
        await recordDeliveryError(tx, ackId, reason, true);
      }
      await insertDeadLetter(tx, {
        queue: job.queue,
        jobId: job.jobId,
        receiptId,
        payload: job.payload,
        errorCode,
        reason,
        attempts: job.attempts,
      });
    });
    log.error(
      { queue: job.queue, jobId: job.jobId, attempts: job.attempts, err: reason },
      'job failed for good',
    );
  };
}
