// The map-documents job: the accepted transaction sets process-receipt left pending become canonical documents.
// process-receipt maps the sets of a file it read in one go itself, in its own transaction; this job takes the
// rest — sets of large files, which it streams (one set's segments held at a time), and sets whose mapping
// failed unexpectedly there — reading the stored file again. Idempotent: only sets still pending are looked
// at, and a document already stored for a set is not stored again.
import type { MapperRegistry } from '../documents/mappers/index.ts';
import { GatewayError, errorMessage } from '../errors.ts';
import type { JobHandler } from '../jobs/queue.ts';
import type { Logger } from '../log.ts';
import type { Partner, PartnerDirectory } from '../partners/partner.ts';
import type { BlobStore } from '../store/blobs.ts';
import type { Db } from '../store/db.ts';
import {
  documentFields,
  insertDocuments,
  pendingSetsOfReceipt,
  setMappingOutcomes,
  type MappingOutcome,
  type NewDocument,
} from '../store/queries/documents.ts';
import { getReceipt, type Receipt } from '../store/queries/receipts.ts';
import { SegmentTokenizer } from '../x12/tokenizer.ts';
import { TransactionSetCollector, type TransactionSetSegments } from '../x12/set-segments.ts';

export interface MapDocumentsDeps {
  db: Db;
  blobs: BlobStore;
  partners: () => PartnerDirectory;
  mappers: MapperRegistry;
  log: Logger;
}

export interface MapOutcome {
  receiptId: number;
  /** Documents stored by this run. */
  stored: number;
  /** Sets that could not become a document; their issues are on their rows. */
  failed: number;
}

export function mapDocumentsHandler(deps: MapDocumentsDeps): JobHandler<'map-documents'> {
  return async ({ receiptId }) => {
    await mapDocuments(deps, receiptId);
  };
}

export async function mapDocuments(deps: MapDocumentsDeps, receiptId: number): Promise<MapOutcome> {
  const receipt = await getReceipt(deps.db, receiptId);
  if (!receipt) throw new GatewayError('not-found', `receipt ${receiptId} does not exist`, false);
  const partner = receipt.partnerId ? deps.partners().get(receipt.partnerId) : undefined;
  if (!partner) {
    throw new GatewayError(
      'config-invalid',
      `receipt ${receiptId} belongs to partner "${receipt.partnerId ?? '(none)'}", which is not in the ` +
        'registry; add the partner file, then retry the dead letter',
      false,
    );
  }
  const log = deps.log.child({ receiptId, partnerId: partner.id });
  const outcome = await mapX12Receipt(deps, receipt, partner);
  if (outcome.stored + outcome.failed > 0) {
    log.info({ stored: outcome.stored, failed: outcome.failed }, 'documents mapped');
  }
  return outcome;
}

async function mapX12Receipt(
  deps: MapDocumentsDeps,
  receipt: Receipt,
  partner: Partner,
): Promise<MapOutcome> {
  const pending = await pendingSetsOfReceipt(deps.db, receipt.id);
  if (pending.length === 0) return { receiptId: receipt.id, stored: 0, failed: 0 };
  const wanted = new Map(
    pending.map((s) => [setKey(s.interchangeControlNumber, s.groupControlNumber, s.controlNumber), s]),
  );
  const docs: NewDocument[] = [];
  const outcomes: MappingOutcome[] = [];
  const take = (set: TransactionSetSegments) => {
    const row = wanted.get(setKey(set.interchange.controlNumber, set.group.controlNumber, set.controlNumber));
    if (!row) return;
    // A set is mapped once, even if the same control numbers repeat in the file (a duplicate, refused).
    wanted.delete(setKey(set.interchange.controlNumber, set.group.controlNumber, set.controlNumber));
    // A set no document type is defined for (a 997, an 846 today) is not a failure: there is nothing to make.
    if (!deps.mappers.find(set.setId, set.group.version)) {
      outcomes.push({ id: row.id, status: 'not-applicable', issues: [] });
      return;
    }
    const result = deps.mappers.map(set, {
      partnerId: partner.id,
      receiptId: String(receipt.id),
      ...(receipt.fileName ? { fileName: receipt.fileName } : {}),
    });
    if (!result.document) {
      outcomes.push({ id: row.id, status: 'failed', issues: result.issues });
      return;
    }
    docs.push({
      ...documentFields(result.document, isTestData(row.usageIndicator, partner), result.issues),
      receiptId: receipt.id,
      transactionSetId: row.id,
      sourceKey: `set:${row.id}`,
    });
    outcomes.push({ id: row.id, status: 'mapped', issues: result.issues });
  };
  await readSets(deps, receipt, take);
  // A pending set the file no longer yields (it cannot, unless the blob changed): failed, with the reason.
  for (const row of wanted.values()) {
    outcomes.push({
      id: row.id,
      status: 'failed',
      issues: [
        {
          code: 'set-not-found',
          severity: 'error',
          message: `set ${row.setId} ${row.controlNumber} is not in the stored file`,
          location: { line: 1 },
        },
      ],
    });
  }
  await deps.db.transaction(async (tx) => {
    await insertDocuments(tx, docs);
    await setMappingOutcomes(tx, outcomes);
  });
  return {
    receiptId: receipt.id,
    stored: docs.length,
    failed: outcomes.filter((o) => o.status === 'failed').length,
  };
}

/** Streams the stored file through the tokenizer, handing each complete set to `take` as it ends, so that
 * only one set's segments are held at a time. */
async function readSets(
  deps: MapDocumentsDeps,
  receipt: Receipt,
  take: (set: TransactionSetSegments) => void,
): Promise<void> {
  const collector = new TransactionSetCollector();
  const tokenizer = new SegmentTokenizer({
    // The reader's problems were recorded when the file was processed.
    onIssue: () => undefined,
    onSegment: (seg) => {
      const done = collector.push(seg);
      if (done) take(done);
    },
  });
  try {
    for await (const chunk of deps.blobs.read(receipt.blobKey)) tokenizer.push(chunk as Buffer);
  } catch (e) {
    throw blobFailure(receipt, e);
  }
  tokenizer.end();
  const last = collector.end();
  if (last) take(last);
}

const setKey = (interchange: string, group: string, set: string) => `${interchange}/${group}/${set}`;

function blobFailure(receipt: Receipt, e: unknown): GatewayError {
  const code = (e as { code?: string }).code;
  const missing = code === 'ENOENT' || code === 'not-found';
  return new GatewayError(
    missing ? 'not-found' : 'blob-failed',
    `cannot read blob ${receipt.blobKey} of receipt ${receipt.id}: ${errorMessage(e)}`,
    !missing,
    { cause: e },
  );
}

/** Test data is kept but not reconciled: an interchange marked T in ISA15, or anything from a partner still
 * being onboarded. */
export function isTestData(usageIndicator: string, partner: Partner): boolean {
  return usageIndicator === 'T' || partner.status === 'testing';
}
