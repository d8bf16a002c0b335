// Delivery of stored acknowledgments over the partner's outbound channel. Delivery is at least once: a crash
// between writing the file and marking it delivered sends it again under the same name (the same control
// number), which the partner's side sees as the same file.
//
// Acks are delivered in batches (one read and one update for all of them, the files written side by side):
// by the deliver-outbound job, whose jobs running at the same time share a batch, and right after processing
// for channels that write locally (see `deliversLocally`), which then need no job at all unless that first
// attempt fails. A pending ack whose job is lost is found by the sweeper.
import { GatewayError, errorMessage, isRetryable } from '../errors.ts';
import { Batcher, type Settled } from '../jobs/batcher.ts';
import type { JobHandler } from '../jobs/queue.ts';
import type { Logger } from '../log.ts';
import type { OutboundChannel, Partner, PartnerDirectory } from '../partners/partner.ts';
import type { Db } from '../store/db.ts';
import {
  getAcknowledgments,
  recordDeliveries,
  type Acknowledgment,
  type DeliveryRecord,
} from '../store/queries/acknowledgments.ts';
import { deliverOver, type Delivered } from '../transports/outbound.ts';

export interface DeliveryDeps {
  db: Db;
  partners: () => PartnerDirectory;
  log: Logger;
}

/** The part of a stored ack that delivery needs. */
export type OutboundAck = Pick<
  Acknowledgment,
  'id' | 'receiptId' | 'partnerId' | 'kinds' | 'controlNumber' | 'body'
>;

export interface DeliveryRequest {
  ack: number | OutboundAck;
  /** The last attempt: a failure then marks the ack failed for good. */
  final: boolean;
  /** The attempt made right after processing: whatever the error, the ack stays pending for the job that
   * follows, so that a lasting failure ends in a dead letter like any other. */
  inline?: boolean;
}

/** The file name an ack is delivered under: its kinds and its own control number, unique per partner. */
export function ackFileName(ack: { kinds: string; controlNumber: string }): string {
  return `${ack.kinds.replace(/\+/g, '-')}_${ack.controlNumber}.x12`;
}

/** Whether an ack for this partner is written locally (a folder, the hosted server's outbound/), quickly enough to deliver it straight after
 * processing instead of through a job of its own. */
export function deliversLocally(partner: Partner | undefined): boolean {
  return !partner?.outbound || partner.outbound.kind === 'folder' || partner.outbound.kind === 'hosted';
}

export function deliverOutboundHandler(deps: DeliveryDeps): JobHandler<'deliver-outbound'> {
  const batcher = new Batcher<DeliveryRequest, void>((requests) => deliverAcks(deps, requests));
  return async ({ ackId }, ctx) => {
    await batcher.submit({ ack: ackId, final: ctx.attempt >= ctx.maxAttempts });
  };
}

/** Delivers a batch of acks, each to its own result: done (delivered, already delivered, or stored with no
 * channel to send it over) or the error that stopped it, after which the ack stays pending unless `final`. */
export async function deliverAcks(deps: DeliveryDeps, requests: DeliveryRequest[]): Promise<Settled<void>[]> {
  const wanted = requests.flatMap((r) => (typeof r.ack === 'number' ? [r.ack] : []));
  const stored = new Map((await getAcknowledgments(deps.db, wanted)).map((a) => [a.id, a]));
  const records: DeliveryRecord[] = [];
  const results = await Promise.all(
    requests.map(async (request): Promise<Settled<void>> => {
      const ack = typeof request.ack === 'number' ? stored.get(request.ack) : request.ack;
      // Gone or no longer pending (delivered by an earlier run): nothing to do.
      if (!ack || ('deliveryStatus' in ack && ack.deliveryStatus !== 'pending'))
        return { ok: true, value: undefined };
      const log = deps.log.child({
        receiptId: ack.receiptId,
        partnerId: ack.partnerId,
        ack: ack.controlNumber,
      });
      const partner = deps.partners().get(ack.partnerId);
      const outbound = partner?.outbound;
      if (!outbound) {
        records.push({ id: ack.id, status: 'no-channel', channelKind: null, deliveredTo: null, error: null });
        log.warn('no outbound channel for this partner: the acknowledgment is stored but not sent');
        return { ok: true, value: undefined };
      }
      try {
        const { channelKind, deliveredTo, awaitingMdn } = await send(deps, partner, outbound, ack, log);
        if (awaitingMdn) {
          // Not recorded here: its async MDN (or its deadline) settles the ack, and may already have.
          log.info({ kinds: ack.kinds, to: deliveredTo }, 'acknowledgment sent over AS2; awaiting its MDN');
          return { ok: true, value: undefined };
        }
        records.push({ id: ack.id, status: 'delivered', channelKind, deliveredTo, error: null });
        log.info({ kinds: ack.kinds, to: deliveredTo }, 'acknowledgment delivered');
        return { ok: true, value: undefined };
      } catch (e) {
        const final = !request.inline && (request.final || !isRetryable(e));
        records.push({
          id: ack.id,
          status: final ? 'failed' : 'pending',
          channelKind: null,
          deliveredTo: null,
          error: errorMessage(e),
        });
        const fields = { err: errorMessage(e), channel: outbound.kind, final };
        if (final)
          log.error(fields, 'acknowledgment not delivered, for good: it stays failed until retried by hand');
        else log.warn(fields, 'acknowledgment not delivered; trying again');
        const error =
          e instanceof GatewayError
            ? e
            : new GatewayError('delivery-failed', errorMessage(e), isRetryable(e));
        return { ok: false, error };
      }
    }),
  );
  await recordDeliveries(deps.db, records);
  return results;
}

/** Sends one ack over the channel. */
function send(
  deps: DeliveryDeps,
  partner: Partner | undefined,
  outbound: OutboundChannel,
  ack: OutboundAck,
  log: Logger,
): Promise<Delivered> {
  return deliverOver(ack.partnerId, outbound, ackFileName(ack), ack.body, log, {
    settings: partner?.as2,
    db: deps.db,
    ackId: ack.id,
  });
}
