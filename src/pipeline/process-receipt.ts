// The process-receipt job: read the stored file, check it, decide per interchange, build the acks, and
// record everything in one transaction under the receipt's row lock. A second run of the same receipt
// (a redelivered job, a sweeper re-add, a worker killed after commit) finds it processed and does nothing;
// a run killed before commit leaves nothing behind. Acks and mapping are queued only after the commit.
import type { Logger } from '../log.ts';
import { GatewayError, errorMessage } from '../errors.ts';
import type { BlobStore } from '../store/blobs.ts';
import type { Db, Queryable } from '../store/db.ts';
import { allocateControlBlocks, type ControlKind } from '../store/queries/control-numbers.ts';
import { findEarlierInterchange, recordInterchanges } from '../store/queries/interchanges.ts';
import { insertAcknowledgments } from '../store/queries/acknowledgments.ts';
import {
  finishReceipt,
  lockReceipt,
  recordAttemptError,
  startAttempt,
  type Receipt,
} from '../store/queries/receipts.ts';
import type { JobHandler, JobQueue } from '../jobs/queue.ts';
import type { PartnerDirectory, Partner } from '../partners/partner.ts';
import { analyze, type AnalysisResult, type InterchangeResult } from '../x12/analyzer.ts';
import {
  buildForInterchange,
  serializeAck,
  type AckInterchange,
  type AckPolicy,
  type ControlNumbers,
} from '../x12/acks/build.ts';
import { issue } from '../x12/issues.ts';
import type { SpecResolver } from '../x12/spec/registry.ts';
import { duplicateOf, isDuplicate, planReceipt, refused, type InterchangePlan } from './receipt-plan.ts';

export interface PipelineDeps {
  db: Db;
  blobs: BlobStore;
  /** Read on every job, so a reloaded registry applies to the next file. */
  partners: () => PartnerDirectory;
  specs: SpecResolver;
  queue: JobQueue;
  log: Logger;
  now?: () => Date;
  /** Add a map-documents job for receipts with accepted sets. Only once something consumes those jobs: until
   * then the sets wait as rows (`transaction_sets.mapping_status = 'pending'`), and jobs nobody takes would
   * pile up in Redis or, in-process, in memory. */
  queueMapping?: boolean;
}

export interface ProcessOutcome {
  receiptId: number;
  skipped: boolean;
  outcome?: string;
  acks: number[];
}

export function processReceiptHandler(deps: PipelineDeps): JobHandler<'process-receipt'> {
  return async ({ receiptId }) => {
    await processReceipt(deps, receiptId);
  };
}

export async function processReceipt(deps: PipelineDeps, receiptId: number): Promise<ProcessOutcome> {
  const receipt = await startAttempt(deps.db, receiptId);
  if (!receipt) return { receiptId, skipped: true, acks: [] };
  const log = deps.log.child({ receiptId, partnerId: receipt.partnerId });
  try {
    return await processStarted(deps, receipt, log);
  } catch (e) {
    log.warn({ err: errorMessage(e), attempt: receipt.attempts }, 'processing failed');
    await recordAttemptError(deps.db, receiptId, errorMessage(e)).catch(() => undefined);
    throw e;
  }
}

async function processStarted(deps: PipelineDeps, receipt: Receipt, log: Logger): Promise<ProcessOutcome> {
  const partner = receipt.partnerId ? deps.partners().get(receipt.partnerId) : undefined;
  if (!partner) {
    throw new GatewayError(
      'config-invalid',
      `receipt ${receipt.id} belongs to partner "${receipt.partnerId ?? '(none)'}", which is not in the registry; ` +
        'add the partner file, then retry the dead letter',
      false,
    );
  }
  let analysis: AnalysisResult;
  try {
    analysis = await analyze(deps.blobs.read(receipt.blobKey), { specs: deps.specs });
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new GatewayError(
      missing ? 'not-found' : 'blob-failed',
      `cannot read blob ${receipt.blobKey} of receipt ${receipt.id}: ${errorMessage(e)}`,
      !missing,
      { cause: e },
    );
  }
  checkSenders(analysis, partner, deps.partners());
  const now = deps.now?.() ?? new Date();

  const result = await deps.db.transaction(async (tx) => {
    const status = await lockReceipt(tx, receipt.id);
    if (status !== 'processing' && status !== 'received') return undefined;
    await markDuplicates(tx, analysis, partner, receipt);
    // The acks are first built with stand-in numbers: their decisions (which groups and sets were accepted)
    // go into the rows, and they say how many numbers to take. The numbers are taken last, so that the
    // partner's counter row stays locked only for the end of this transaction.
    const draft = buildAcks(analysis, partner, now, standInNumbers());
    const plan = planReceipt(analysis, partner.id, draft.acks);
    const interchangeIds = await recordInterchanges(tx, receipt.id, plan.interchanges);
    await finishReceipt(tx, receipt.id, { outcome: plan.outcome, issues: analysis.fileIssues });
    const first = await allocateControlBlocks(tx, partner.id, draft.needed);
    const next = { interchange: first.interchange ?? 0, group: first.group ?? 0, set: first.set ?? 0 };
    const acks = buildAcks(analysis, partner, now, { next: (kind) => next[kind]++ }).acks;
    const ackIds = await insertAcknowledgments(
      tx,
      [...acks].map(([ic, ack]) => ({
        receiptId: receipt.id,
        interchangeId: interchangeIds.get(analysis.interchanges.indexOf(ic))!,
        partnerId: partner.id,
        kinds: [ack.ta1 ? 'TA1' : '', ...new Set(ack.functional.map((f) => f.type))]
          .filter(Boolean)
          .join('+'),
        controlNumber: ack.controlNumber,
        inboundControlNumber: ack.inboundControlNumber,
        ta1Code: ack.ta1 ? `${ack.ta1.code}${ack.ta1.note}` : null,
        functional: ack.functional,
        body: serializeAck(ack),
      })),
    );
    return { plan, ackIds };
  });
  if (!result) return { receiptId: receipt.id, skipped: true, acks: [] };

  for (const ic of result.plan.interchanges) {
    log.info(
      {
        interchange: ic.controlNumber,
        status: ic.status,
        sets: ic.groups.reduce((n, g) => n + g.sets.length, 0),
      },
      'interchange recorded',
    );
  }
  await enqueueFollowUps(deps, log, receipt.id, result.ackIds, result.plan);
  return { receiptId: receipt.id, skipped: false, outcome: result.plan.outcome, acks: result.ackIds };
}

/** An interchange whose ISA sender is not the channel's partner is refused: a partner cannot speak for
 * another, whatever the file says. */
function checkSenders(analysis: AnalysisResult, partner: Partner, directory: PartnerDirectory): void {
  for (const ic of analysis.interchanges) {
    const { senderQualifier: q, senderId: id } = ic.header;
    if (partner.identities.some((i) => i.qualifier === q.trim() && i.id === id.trim())) continue;
    const owner = directory.byIdentity(q, id);
    const claimed = partner.identities.map((i) => `${i.qualifier}/${i.id}`).join(', ');
    ic.issues.push(
      issue(
        'sender-not-partner',
        `ISA06 sender ${q.trim()}/${id.trim()} is not an identity of partner ${partner.id} (${claimed}), ` +
          `whose channel delivered the file` +
          (owner ? `; it belongs to partner ${owner.id}` : '; no partner claims it'),
        { ...ic.location, element: 6 },
        { data: id.trim() },
      ),
    );
  }
}

async function markDuplicates(
  tx: Queryable,
  analysis: AnalysisResult,
  partner: Partner,
  receipt: Receipt,
): Promise<void> {
  for (const ic of analysis.interchanges) {
    if (refused(ic)) continue;
    const h = ic.header;
    const identity = {
      senderQualifier: h.senderQualifier.trim(),
      senderId: h.senderId.trim(),
      receiverQualifier: h.receiverQualifier.trim(),
      receiverId: h.receiverId.trim(),
      controlNumber: h.controlNumber,
    };
    // Two workers recording the same interchange from two files must not both miss the other.
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', [
      `interchange:${identity.senderQualifier}/${identity.senderId}/${identity.receiverQualifier}/${identity.receiverId}/${identity.controlNumber}`,
    ]);
    const earlier = await findEarlierInterchange(
      tx,
      identity,
      partner.duplicateWindowHours,
      receipt.replayOf,
    );
    if (!earlier) continue;
    ic.issues.push(
      issue(
        'duplicate-interchange',
        `interchange ${h.controlNumber} from ${identity.senderQualifier}/${identity.senderId} to ` +
          `${identity.receiverQualifier}/${identity.receiverId} was already received in receipt ${earlier.receiptId} ` +
          `at ${earlier.createdAt.toISOString()}; it is not processed again`,
        { ...ic.location, element: 13 },
        { data: h.controlNumber },
      ),
    );
    duplicateOf.set(ic, earlier.id);
  }
}

/** Counts the numbers of each kind a build takes, handing out 1, 2, 3 … meanwhile. */
function standInNumbers(): ControlNumbers & { needed: Record<ControlKind, number> } {
  const needed: Record<ControlKind, number> = { interchange: 0, group: 0, set: 0 };
  return { needed, next: (kind: ControlKind) => ++needed[kind] };
}

/** Builds every ack of the receipt per the partner's policy; refused and duplicate interchanges get only
 * the envelope answer (a TA1), since their content is not ours to accept. */
function buildAcks(
  analysis: AnalysisResult,
  partner: Partner,
  now: Date,
  controlNumbers: ControlNumbers,
): { acks: Map<InterchangeResult, AckInterchange>; needed: Record<ControlKind, number> } {
  const counting = standInNumbers();
  const counted: ControlNumbers = {
    next: (kind) => {
      counting.next(kind);
      return controlNumbers.next(kind);
    },
  };
  const acks = new Map<InterchangeResult, AckInterchange>();
  for (const ic of analysis.interchanges) {
    const policy: AckPolicy =
      refused(ic) || isDuplicate(ic)
        ? { ta1: partner.acknowledgments.ta1 === 'never' ? 'never' : 'errors', functional: 'none' }
        : partner.acknowledgments;
    const ack = buildForInterchange(ic, { ...policy, controlNumbers: counted, now });
    if (ack) acks.set(ic, ack);
  }
  return { acks, needed: counting.needed };
}

async function enqueueFollowUps(
  deps: PipelineDeps,
  log: Logger,
  receiptId: number,
  ackIds: number[],
  plan: { interchanges: InterchangePlan[] },
): Promise<void> {
  // The rows are committed: a failure to enqueue loses nothing, the sweeper finds pending work in the tables.
  try {
    for (const ackId of ackIds) await deps.queue.add('deliver-outbound', { ackId });
    const mappable = plan.interchanges.some((ic) =>
      ic.groups.some((g) => g.sets.some((s) => s.mappingStatus === 'pending')),
    );
    if (mappable && deps.queueMapping) await deps.queue.add('map-documents', { receiptId });
  } catch (e) {
    log.warn({ err: errorMessage(e) }, 'follow-up jobs not queued; the sweeper will add them');
  }
}
