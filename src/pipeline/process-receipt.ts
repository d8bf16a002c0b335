// The process-receipt job: read the stored file, check it, decide per interchange, build the acks, and
// record everything in one transaction under the receipt's row lock. A second run of the same receipt
// (a redelivered job, a sweeper re-add, a worker killed after commit) finds it processed and does nothing;
// a run killed before commit leaves nothing behind. Acks and mapping are queued only after the commit.
//
// Receipts are processed in batches: the jobs a worker runs at the same time hand their receipt ids to one
// Batcher, and a batch shares its statements and its commit (see docs/benchmarks-pipeline.md for what that
// saves). A batch whose transaction fails is tried again receipt by receipt, so one bad receipt holds up no
// other; each receipt's job still succeeds or fails on its own.
import { mapCsvStream, type CsvMapResult } from '../csv/map-file.ts';
import { selectCsvMapping } from '../csv/mapping.ts';
import type { Logger } from '../log.ts';
import { GatewayError, errorMessage } from '../errors.ts';
import { Batcher, type Settled } from '../jobs/batcher.ts';
import { deliverAcks, deliversLocally, type OutboundAck } from './deliver-outbound.ts';
import { ackPolicyFor, checkAgainstPartner } from './partner-checks.ts';
import { isTestData } from './map-documents.ts';
import type { MapperRegistry } from '../documents/mappers/index.ts';
import type { MapResult } from '../documents/issues.ts';
import type { CanonicalDocument } from '../documents/schemas.ts';
import { documentFields, insertDocuments } from '../store/queries/documents.ts';
import { TransactionSetCollector, type TransactionSetSegments } from '../x12/set-segments.ts';
import type { BlobStore } from '../store/blobs.ts';
import type { Db, Queryable } from '../store/db.ts';
import { allocateControlBlocksOfPartners, type ControlKind } from '../store/queries/control-numbers.ts';
import {
  findEarlierInterchanges,
  lockInterchangeIdentities,
  recordInterchangesOfReceipts,
  setDuplicateOf,
  type InterchangeIdentity,
} from '../store/queries/interchanges.ts';
import { insertAcknowledgments, type NewAcknowledgment } from '../store/queries/acknowledgments.ts';
import {
  finishReceipts,
  lockReceipts,
  recordAttemptErrors,
  startAttempts,
  type Receipt,
} from '../store/queries/receipts.ts';
import type { JobHandler, JobQueue } from '../jobs/queue.ts';
import type { PartnerDirectory, Partner } from '../partners/partner.ts';
import { analyze, type AnalysisResult, type InterchangeResult, type SetResult } from '../x12/analyzer.ts';
import {
  buildForInterchange,
  serializeAck,
  setAcceptance,
  type AckInterchange,
  type ControlNumbers,
} from '../x12/acks/build.ts';
import { issue } from '../x12/issues.ts';
import type { SpecResolver } from '../x12/spec/registry.ts';
import { duplicateOf, planReceipt, refused, type InterchangePlan, type ReceiptPlan } from './receipt-plan.ts';

export interface PipelineDeps {
  db: Db;
  blobs: BlobStore;
  /** Read on every job, so a reloaded registry applies to the next file. */
  partners: () => PartnerDirectory;
  specs: SpecResolver;
  /** The specs a partner's files are validated with: `specs` narrowed by the partner's overlays. Unset,
   * every partner gets `specs`. */
  specsFor?: (partner: Partner) => SpecResolver;
  queue: JobQueue;
  log: Logger;
  now?: () => Date;
  /** Add a map-documents job for receipts with accepted sets. Only once something consumes those jobs: until
   * then the sets wait as rows (`transaction_sets.mapping_status = 'pending'`), and jobs nobody takes would
   * pile up in Redis or, in-process, in memory. */
  queueMapping?: boolean;
  /** Map the accepted sets of a file read in one go into documents, stored with the sets in the same
   * transaction. Without it (or for a large file, or a mapper that throws) the sets wait for the
   * map-documents job. */
  mappers?: MapperRegistry;
  /** Receipts in one batch at most (default 64). */
  maxBatch?: number;
  /** Deliver the acks of partners whose outbound channel writes locally right after the commit, and queue a
   * deliver-outbound job only for the others and for a first attempt that failed. Off, every ack gets a job. */
  inlineDelivery?: boolean;
}

export interface ProcessOutcome {
  receiptId: number;
  skipped: boolean;
  outcome?: string;
  acks: number[];
}

export function processReceiptHandler(deps: PipelineDeps): JobHandler<'process-receipt'> {
  const batcher = new Batcher<number, ProcessOutcome>((ids) => processReceipts(deps, ids), {
    maxBatch: deps.maxBatch ?? 64,
  });
  return async ({ receiptId }) => {
    await batcher.submit(receiptId);
  };
}

export async function processReceipt(deps: PipelineDeps, receiptId: number): Promise<ProcessOutcome> {
  const [result] = await processReceipts(deps, [receiptId]);
  if (!result!.ok) throw result!.error;
  return result!.value;
}

interface Prepared {
  receipt: Receipt;
  partner: Partner;
  /** Of an X12 file; for a CSV file, one with no interchange. */
  analysis: AnalysisResult;
  /** A CSV file read by one of the partner's CSV mappings. */
  csv?: CsvMapResult;
  /** The documents of the sets that can be accepted, mapped before the transaction decides which are. */
  mapped?: Map<SetResult, MapResult<CanonicalDocument>>;
  log: Logger;
}

interface Committed {
  plan: ReceiptPlan;
  acks: OutboundAck[];
}

/** Processes the receipts, each to its own result, in as few transactions as they allow. */
export async function processReceipts(deps: PipelineDeps, ids: number[]): Promise<Settled<ProcessOutcome>[]> {
  const results = new Map<number, Settled<ProcessOutcome>>();
  const skipped = (receiptId: number): Settled<ProcessOutcome> => ({
    ok: true,
    value: { receiptId, skipped: true, acks: [] },
  });
  const unique = [...new Set(ids)];
  const started = await startAttempts(deps.db, unique);
  const prepared: Prepared[] = [];
  await Promise.all(
    unique.map(async (id) => {
      const receipt = started.get(id);
      if (!receipt) {
        results.set(id, skipped(id));
        return;
      }
      const log = deps.log.child({ receiptId: id, partnerId: receipt.partnerId });
      try {
        prepared.push(await prepare(deps, receipt, log));
      } catch (error) {
        results.set(id, { ok: false, error });
      }
    }),
  );
  prepared.sort((a, b) => a.receipt.id - b.receipt.id);

  const now = deps.now?.() ?? new Date();
  const committed = new Map<number, Committed>();
  if (prepared.length > 0) {
    try {
      for (const [id, c] of await commitBatch(deps.db, prepared, now)) committed.set(id, c);
    } catch (error) {
      if (prepared.length === 1) results.set(prepared[0]!.receipt.id, { ok: false, error });
      else {
        for (const p of prepared) {
          try {
            for (const [id, c] of await commitBatch(deps.db, [p], now)) committed.set(id, c);
          } catch (e) {
            results.set(p.receipt.id, { ok: false, error: e });
          }
        }
      }
    }
  }

  for (const p of prepared) {
    const c = committed.get(p.receipt.id);
    if (!c) {
      if (!results.has(p.receipt.id)) results.set(p.receipt.id, skipped(p.receipt.id));
      continue;
    }
    for (const ic of c.plan.interchanges) {
      p.log.info(
        {
          interchange: ic.controlNumber,
          status: ic.status,
          sets: ic.groups.reduce((n, g) => n + g.sets.length, 0),
        },
        'interchange recorded',
      );
    }
    results.set(p.receipt.id, {
      ok: true,
      value: {
        receiptId: p.receipt.id,
        skipped: false,
        outcome: c.plan.outcome,
        acks: c.acks.map((a) => a.id),
      },
    });
  }
  await enqueueFollowUps(deps, prepared, committed);

  const failed = unique.flatMap((id) => {
    const r = results.get(id)!;
    return r.ok ? [] : [{ id, error: errorMessage(r.error) }];
  });
  for (const f of failed) {
    deps.log.warn(
      { receiptId: f.id, err: f.error, attempt: started.get(f.id)?.attempts },
      'processing failed',
    );
  }
  await recordAttemptErrors(deps.db, failed).catch(() => undefined);
  return ids.map((id) => results.get(id)!);
}

const SMALL_FILE_BYTES = 1 << 20;

async function prepare(deps: PipelineDeps, receipt: Receipt, log: Logger): Promise<Prepared> {
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
  let csv: CsvMapResult | undefined;
  let bytes: Buffer | undefined;
  const collected: TransactionSetSegments[] = [];
  // A file named as one of the partner's CSV mappings expects is read by it; everything else is X12.
  const mapping =
    partner.csv && receipt.fileName ? selectCsvMapping(partner.csv, receipt.fileName) : undefined;
  try {
    // A small file is read in one go; a large one streams, so that memory stays flat.
    bytes = receipt.size <= SMALL_FILE_BYTES ? await deps.blobs.readAll(receipt.blobKey) : undefined;
    const source = bytes ? [bytes] : deps.blobs.read(receipt.blobKey);
    if (mapping) {
      csv = await mapCsvStream(source, receipt.fileName!, mapping, partner.id);
      analysis = NO_INTERCHANGES;
    } else {
      // A file read in one go may become documents here: its sets' segments are collected in the same pass.
      const collector = bytes && deps.mappers ? new TransactionSetCollector() : undefined;
      analysis = await analyze(source, {
        specs: deps.specsFor?.(partner) ?? deps.specs,
        ...(collector
          ? {
              onSegment: (seg) => {
                const done = collector.push(seg);
                if (done) collected.push(done);
              },
            }
          : {}),
      });
      const last = collector?.end();
      if (last) collected.push(last);
    }
  } catch (e) {
    const code = (e as { code?: string }).code;
    const missing = code === 'ENOENT' || code === 'not-found';
    throw new GatewayError(
      missing ? 'not-found' : 'blob-failed',
      `cannot read blob ${receipt.blobKey} of receipt ${receipt.id}: ${errorMessage(e)}`,
      !missing,
      { cause: e },
    );
  }
  if (csv) return { receipt, partner, analysis, csv, log };
  checkAgainstPartner(analysis, partner, deps.partners());
  const mapped =
    bytes && deps.mappers
      ? mapAcceptable(collected, receipt, analysis, partner, deps.mappers, log)
      : undefined;
  return { receipt, partner, analysis, ...(mapped ? { mapped } : {}), log };
}

/** Maps every set the acks may accept (complete, no error of its own or of its group, its interchange not
 * refused), each by its control numbers in file order. A mapper that throws leaves the set to the job. */
function mapAcceptable(
  sets: TransactionSetSegments[],
  receipt: Receipt,
  analysis: AnalysisResult,
  partner: Partner,
  mappers: MapperRegistry,
  log: Logger,
): Map<SetResult, MapResult<CanonicalDocument>> {
  const out = new Map<SetResult, MapResult<CanonicalDocument>>();
  const wanted: { ic: InterchangeResult; set: SetResult }[] = [];
  for (const ic of analysis.interchanges) {
    if (refused(ic)) continue;
    for (const g of ic.groups) {
      if (!g.complete || g.issues.some((i) => i.severity === 'error')) continue;
      for (const set of g.sets) {
        if (setAcceptance(set) !== 'R' && mappers.find(set.id, g.header.version)) wanted.push({ ic, set });
      }
    }
  }
  if (wanted.length === 0) return out;
  const byKey = new Map<string, TransactionSetSegments[]>();
  for (const seg of sets) {
    const key = `${seg.interchange.controlNumber}/${seg.group.controlNumber}/${seg.controlNumber}`;
    byKey.set(key, [...(byKey.get(key) ?? []), seg]);
  }
  for (const { ic, set } of wanted) {
    const group = ic.groups.find((g) => g.sets.includes(set))!;
    const segments = byKey.get(
      `${ic.header.controlNumber}/${group.header.controlNumber}/${set.controlNumber}`,
    );
    const found = segments?.shift();
    if (!found) continue;
    try {
      out.set(
        set,
        mappers.map(found, {
          partnerId: partner.id,
          receiptId: String(receipt.id),
          ...(receipt.fileName ? { fileName: receipt.fileName } : {}),
        }),
      );
    } catch (e) {
      log.warn(
        { set: set.id, control: set.controlNumber, err: errorMessage(e) },
        'mapping failed; left to the map-documents job',
      );
    }
  }
  return out;
}

/** Puts the mapping of each set the plan accepts into the plan: the set is mapped (with its document) or
 * failed (with why); a set without a mapping stays pending for the job. */
function applyMapping(p: Prepared, plan: ReceiptPlan): void {
  if (!p.mapped) return;
  plan.interchanges.forEach((ic, i) => {
    const result = p.analysis.interchanges[i]!;
    ic.groups.forEach((g, gi) =>
      g.sets.forEach((s, si) => {
        if (s.mappingStatus !== 'pending') return;
        const mapped = p.mapped!.get(result.groups[gi]!.sets[si]!);
        if (!mapped) return;
        if (mapped.document) {
          s.mappingStatus = 'mapped';
          s.document = documentFields(
            mapped.document,
            isTestData(ic.usageIndicator, p.partner),
            mapped.issues,
          );
        } else s.mappingStatus = 'failed';
        s.mappingIssues = mapped.issues;
      }),
    );
  });
}

const NO_INTERCHANGES: AnalysisResult = Object.freeze({
  interchanges: [],
  fileIssues: [],
  issues: [],
  segments: 0,
  counts: { interchanges: 0, groups: 0, sets: 0, bySet: {} },
});

/** A CSV file's plan: no interchange and no ack (CSV partners get none); accepted when every row made its
 * document, partly when some documents were kept out, rejected when none could be made. */
function csvPlan(csv: CsvMapResult): ReceiptPlan {
  const errors = csv.issues.some((i) => i.severity === 'error');
  const outcome = csv.documents.length === 0 ? 'rejected' : errors ? 'partially-accepted' : 'accepted';
  return { interchanges: [], acks: [], outcome };
}

/** One transaction for the batch: the receipts' rows, their interchanges, their acks and the control numbers
 * those take. Receipts another run finished meanwhile are left out (and reported skipped). */
async function commitBatch(db: Db, batch: Prepared[], now: Date): Promise<Map<number, Committed>> {
  return db.transaction(async (tx) => {
    const statuses = await lockReceipts(
      tx,
      batch.map((p) => p.receipt.id),
    );
    const live = batch.filter((p) => {
      const status = statuses.get(p.receipt.id);
      return status === 'processing' || status === 'received';
    });
    const sameBatch = await markDuplicates(tx, live, now);
    // The acks are first built with stand-in numbers: their decisions (which groups and sets were accepted)
    // go into the rows, and they say how many numbers to take. The numbers are taken last, so that the
    // partners' counter rows stay locked only for the end of this transaction.
    const drafts = live.map((p) => {
      const draft = buildAcks(p.analysis, p.partner, now, standInNumbers());
      const plan = p.csv ? csvPlan(p.csv) : planReceipt(p.analysis, p.partner.id, draft.acks);
      applyMapping(p, plan);
      return { ...draft, plan };
    });
    const interchangeIds = await recordInterchangesOfReceipts(
      tx,
      live.map((p, i) => ({ receiptId: p.receipt.id, interchanges: drafts[i]!.plan.interchanges })),
    );
    const idOf = (p: Prepared, ic: InterchangeResult) =>
      interchangeIds.get(p.receipt.id)!.get(p.analysis.interchanges.indexOf(ic))!;
    await setDuplicateOf(
      tx,
      sameBatch.map((d) => ({ id: idOf(d.repeat.p, d.repeat.ic), duplicateOf: idOf(d.first.p, d.first.ic) })),
    );
    await finishReceipts(
      tx,
      live.map((p, i) => ({
        id: p.receipt.id,
        outcome: drafts[i]!.plan.outcome,
        issues: p.csv ? p.csv.issues : p.analysis.fileIssues,
      })),
    );
    await insertDocuments(
      tx,
      live.flatMap((p) =>
        (p.csv?.documents ?? []).map((d, n) => ({
          ...documentFields(d, p.partner.status === 'testing', []),
          receiptId: p.receipt.id,
          transactionSetId: null,
          sourceKey: `csv:${n + 1}`,
        })),
      ),
    );
    const needs = new Map<string, Record<ControlKind, number>>();
    live.forEach((p, i) => {
      const need = needs.get(p.partner.id) ?? { interchange: 0, group: 0, set: 0 };
      for (const kind of ['interchange', 'group', 'set'] as const) need[kind] += drafts[i]!.needed[kind];
      needs.set(p.partner.id, need);
    });
    const firsts = await allocateControlBlocksOfPartners(tx, needs);
    const counters = new Map(
      [...firsts].map(([partner, f]) => [
        partner,
        { interchange: f.interchange ?? 0, group: f.group ?? 0, set: f.set ?? 0 },
      ]),
    );
    const rows: NewAcknowledgment[] = [];
    const ackOwners: number[] = [];
    for (const p of live) {
      const next = counters.get(p.partner.id)!;
      const { acks } = buildAcks(p.analysis, p.partner, now, { next: (kind) => next[kind]++ });
      for (const [ic, ack] of acks) {
        rows.push(ackRow(p, idOf(p, ic), ack));
        ackOwners.push(p.receipt.id);
      }
    }
    const ackIds = await insertAcknowledgments(tx, rows);
    const out = new Map<number, Committed>(
      live.map((p, i) => [p.receipt.id, { plan: drafts[i]!.plan, acks: [] }]),
    );
    ackIds.forEach((id, i) => out.get(ackOwners[i]!)!.acks.push({ ...rows[i]!, id }));
    return out;
  });
}

function ackRow(p: Prepared, interchangeId: number, ack: AckInterchange): NewAcknowledgment {
  return {
    receiptId: p.receipt.id,
    interchangeId,
    partnerId: p.partner.id,
    kinds: [ack.ta1 ? 'TA1' : '', ...new Set(ack.functional.map((f) => f.type))].filter(Boolean).join('+'),
    controlNumber: ack.controlNumber,
    inboundControlNumber: ack.inboundControlNumber,
    ta1Code: ack.ta1 ? `${ack.ta1.code}${ack.ta1.note}` : null,
    functional: ack.functional,
    body: serializeAck(ack),
  };
}

interface Occurrence {
  p: Prepared;
  ic: InterchangeResult;
  identity: InterchangeIdentity;
}

/** Marks every interchange already received (within the partner's window) as a duplicate: of an earlier
 * receipt, found in the table, or of an earlier interchange in this batch — the same file or another — which
 * has no row yet. Those are returned, to be linked once both have ids. */
async function markDuplicates(
  tx: Queryable,
  live: Prepared[],
  now: Date,
): Promise<{ repeat: Occurrence; first: Occurrence }[]> {
  const asked: Occurrence[] = [];
  for (const p of live) {
    for (const ic of p.analysis.interchanges) {
      // A batch that failed and is tried again receipt by receipt decides afresh.
      ic.issues = ic.issues.filter((i) => i.code !== 'duplicate-interchange');
      duplicateOf.delete(ic);
      if (refused(ic)) continue;
      const h = ic.header;
      asked.push({
        p,
        ic,
        identity: {
          senderQualifier: h.senderQualifier.trim(),
          senderId: h.senderId.trim(),
          receiverQualifier: h.receiverQualifier.trim(),
          receiverId: h.receiverId.trim(),
          controlNumber: h.controlNumber,
        },
      });
    }
  }
  // Two workers recording the same interchange from two files must not both miss the other.
  await lockInterchangeIdentities(
    tx,
    asked.map((a) => a.identity),
  );
  const earlier = await findEarlierInterchanges(
    tx,
    asked.map((a) => ({
      identity: a.identity,
      windowHours: a.p.partner.duplicateWindowHours,
      replayRoot: a.p.receipt.replayOf,
    })),
  );
  const firstSeen = new Map<string, Occurrence>();
  const sameBatch: { repeat: Occurrence; first: Occurrence }[] = [];
  asked.forEach((a, n) => {
    const found = earlier[n];
    if (found) {
      markDuplicate(a, `receipt ${found.receiptId} at ${found.createdAt.toISOString()}`);
      duplicateOf.set(a.ic, found.id);
      return;
    }
    const key = Object.values(a.identity).join('/');
    const first = firstSeen.get(key);
    if (!first) {
      firstSeen.set(key, a);
      return;
    }
    if (a.p.partner.duplicateWindowHours === 0 || replays(a.p.receipt, first.p.receipt)) return;
    markDuplicate(
      a,
      first.p === a.p
        ? `this file, at line ${first.ic.location.line}`
        : `receipt ${first.p.receipt.id} at ${now.toISOString()}`,
    );
    sameBatch.push({ repeat: a, first });
  });
  return sameBatch;
}

/** A replay is not a duplicate of what it replays, nor of another replay of the same receipt. */
function replays(a: Receipt, b: Receipt): boolean {
  const root = (r: Receipt) => r.replayOf ?? r.id;
  return a.id !== b.id && root(a) === root(b);
}

function markDuplicate(a: Occurrence, where: string): void {
  const { identity: i, ic } = a;
  ic.issues.push(
    issue(
      'duplicate-interchange',
      `interchange ${i.controlNumber} from ${i.senderQualifier}/${i.senderId} to ` +
        `${i.receiverQualifier}/${i.receiverId} was already received in ${where}; it is not processed again`,
      { ...ic.location, element: 13 },
      { data: i.controlNumber },
    ),
  );
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
    const ack = buildForInterchange(ic, { ...ackPolicyFor(ic, partner), controlNumbers: counted, now });
    if (ack) acks.set(ic, ack);
  }
  return { acks, needed: counting.needed };
}

async function enqueueFollowUps(
  deps: PipelineDeps,
  prepared: Prepared[],
  committed: Map<number, Committed>,
): Promise<void> {
  const queued: number[] = [];
  const local: OutboundAck[] = [];
  for (const p of prepared) {
    const acks = committed.get(p.receipt.id)?.acks ?? [];
    for (const ack of acks) {
      if (deps.inlineDelivery && deliversLocally(p.partner)) local.push(ack);
      else queued.push(ack.id);
    }
  }
  if (local.length > 0) {
    try {
      const sent = await deliverAcks(
        deps,
        local.map((ack) => ({ ack, final: false, inline: true })),
      );
      sent.forEach((r, i) => {
        if (!r.ok) queued.push(local[i]!.id);
      });
    } catch (e) {
      deps.log.warn({ err: errorMessage(e) }, 'acknowledgments not delivered at once; queued for delivery');
      queued.push(...local.map((a) => a.id));
    }
  }
  // The rows are committed: a failure to enqueue loses nothing, the sweeper finds pending work in the tables.
  const mappable = deps.queueMapping
    ? prepared
        .filter((p) => committed.get(p.receipt.id)?.plan.interchanges.some(hasPendingSets))
        .map((p) => ({ receiptId: p.receipt.id }))
    : [];
  try {
    await deps.queue.addMany(
      'deliver-outbound',
      queued.map((ackId) => ({ ackId })),
    );
    await deps.queue.addMany('map-documents', mappable);
  } catch (e) {
    deps.log.warn(
      { err: errorMessage(e), receipts: [...committed.keys()] },
      'follow-up jobs not queued; the sweeper will add them',
    );
  }
}

function hasPendingSets(ic: InterchangePlan): boolean {
  return ic.groups.some((g) => g.sets.some((s) => s.mappingStatus === 'pending'));
}
