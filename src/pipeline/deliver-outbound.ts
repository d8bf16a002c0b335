// The deliver-outbound job: sends a stored acknowledgment over the partner's outbound channel. Delivery is
// at least once: a crash between writing the file and marking it delivered sends it again under the same
// name (the same control number), which the partner's side sees as the same file.
import { GatewayError, errorMessage, isRetryable } from '../errors.ts';
import type { JobContext, JobHandler } from '../jobs/queue.ts';
import type { Logger } from '../log.ts';
import type { PartnerDirectory } from '../partners/partner.ts';
import type { Db } from '../store/db.ts';
import { getAcknowledgment, markDelivered, recordDeliveryError } from '../store/queries/acknowledgments.ts';
import { deliverToFolder } from '../transports/folder.ts';

export interface DeliveryDeps {
  db: Db;
  partners: () => PartnerDirectory;
  log: Logger;
}

/** The file name an ack is delivered under: its kinds and its own control number, unique per partner. */
export function ackFileName(ack: { kinds: string; controlNumber: string }): string {
  return `${ack.kinds.replace(/\+/g, '-')}_${ack.controlNumber}.x12`;
}

export function deliverOutboundHandler(deps: DeliveryDeps): JobHandler<'deliver-outbound'> {
  return async ({ ackId }, ctx: JobContext) => {
    const ack = await getAcknowledgment(deps.db, ackId);
    if (!ack || ack.deliveryStatus !== 'pending') return;
    const log = deps.log.child({
      receiptId: ack.receiptId,
      partnerId: ack.partnerId,
      ack: ack.controlNumber,
    });
    const partner = deps.partners().get(ack.partnerId);
    if (!partner?.outbound) {
      await markDelivered(deps.db, ackId, { status: 'no-channel', channelKind: null, deliveredTo: null });
      log.warn('no outbound channel for this partner: the acknowledgment is stored but not sent');
      return;
    }
    try {
      const where = await deliverToFolder(partner.outbound, ackFileName(ack), ack.body);
      await markDelivered(deps.db, ackId, { status: 'delivered', channelKind: 'folder', deliveredTo: where });
      log.info({ kinds: ack.kinds, to: where }, 'acknowledgment delivered');
    } catch (e) {
      const final = !isRetryable(e) || ctx.attempt >= ctx.maxAttempts;
      await recordDeliveryError(deps.db, ackId, errorMessage(e), final).catch(() => undefined);
      log.warn({ err: errorMessage(e), attempt: ctx.attempt, final }, 'acknowledgment not delivered');
      throw e instanceof GatewayError
        ? e
        : new GatewayError('delivery-failed', errorMessage(e), isRetryable(e));
    }
  };
}
