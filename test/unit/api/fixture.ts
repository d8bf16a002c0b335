// An API over a test database holding real data: an 856 received, processed and mapped into a ship notice,
// a mismatch on its PO, and for every role a user (password "correct horse <role>") and a token.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createToken, createUser } from '../../../src/api/accounts.ts';
import { buildApi } from '../../../src/api/app.ts';
import { DEFAULT_SPECS_DIR, loadSpecs } from '../../../src/config/x12-specs.ts';
import { defaultMappers } from '../../../src/documents/mappers/index.ts';
import { silentLogger } from '../../../src/log.ts';
import { loadPartners, type LoadPartnersOptions } from '../../../src/partners/load.ts';
import { LivePartnerDirectory } from '../../../src/partners/reload.ts';
import { mapDocuments } from '../../../src/pipeline/map-documents.ts';
import { processReceipt } from '../../../src/pipeline/process-receipt.ts';
import type { Mismatch } from '../../../src/reconcile/index.ts';
import type { Db } from '../../../src/store/db.ts';
import { API_ROLES, type ApiRole } from '../../../src/store/queries/api-users.ts';
import { insertDeadLetter } from '../../../src/store/queries/dead-letters.ts';
import { documentsOfReceipt } from '../../../src/store/queries/documents.ts';
import { saveMismatches } from '../../../src/store/queries/mismatches.ts';
import { GOLDEN_856, harness, type Harness } from '../../helpers/pipeline.ts';

export interface ApiFixture {
  db: Db;
  app: FastifyInstance;
  /** The pipeline the fixture's file went through; its queue records what the API adds. */
  pipeline: Harness;
  /** The partner files the API reads (acme.yaml, globex.yaml: the pipeline's partners), and how. */
  partnersDir: string;
  partnerLoad: LoadPartnersOptions;
  partners: LivePartnerDirectory;
  receiptId: number;
  documentId: number;
  mismatchId: number;
  /** The file as it was received. */
  raw: Buffer;
  tokens: Record<ApiRole, string>;
  password(role: ApiRole): string;
  /** Moves the API's clock. */
  setNow(at: Date): void;
}

export const START = new Date('2026-11-26T12:00:00Z');
export const SESSION_TTL_MS = 60 * 60 * 1000;

export async function apiFixture(db: Db): Promise<ApiFixture> {
  const h = harness(db);
  const receiptId = await h.arrive('acme', GOLDEN_856, 'asn.edi');
  await processReceipt(h.deps, receiptId);
  await mapDocuments(
    { db, blobs: h.blobs, partners: h.deps.partners, mappers: defaultMappers(), log: silentLogger() },
    receiptId,
  );
  const [doc] = await documentsOfReceipt(db, receiptId);
  if (!doc) throw new Error('the golden 856 made no document');
  const mismatch: Mismatch = {
    key: `${doc.poNumbers[0]}|over-shipment|test`,
    type: 'over-shipment',
    severity: 'error',
    poNumber: doc.poNumbers[0]!,
    expected: '10 EA',
    actual: '12 EA',
    amountAtRisk: '24.00',
    currency: 'USD',
    documents: [{ documentType: 'advance-ship-notice', documentId: String(doc.id), lineNumber: '1' }],
    message: 'shipped 12 EA of an item ordered 10 EA',
  };
  const saved = await saveMismatches(db, 'acme', mismatch.poNumber, [mismatch], START);
  const password = (role: ApiRole) => `correct horse ${role}`;
  const tokens = {} as Record<ApiRole, string>;
  for (const role of API_ROLES) {
    await createUser(db, { name: `${role}-user`, role, password: password(role) });
    tokens[role] = await createToken(db, { name: `${role}-token`, role });
  }
  const partnersDir = join(h.dir, 'partners');
  mkdirSync(partnersDir);
  writeFileSync(join(partnersDir, 'acme.yaml'), partnerYaml('acme', 'ACMEWIDGET', h.dir));
  writeFileSync(join(partnersDir, 'globex.yaml'), partnerYaml('globex', 'GLOBEX', h.dir));
  const partnerLoad: LoadPartnersOptions = { dataDir: h.dir, specs: SPECS };
  const partners = new LivePartnerDirectory(loadPartners(partnersDir, partnerLoad));
  let now = START;
  const app = await buildApi({
    db,
    blobs: h.blobs,
    log: silentLogger(),
    now: () => now,
    sessionTtlMs: SESSION_TTL_MS,
    operations: { intake: h.intake, queue: h.queue },
    partners: {
      directory: partners,
      dir: partnersDir,
      load: partnerLoad,
      hostKeysDir: join(h.dir, 'keys'),
      testTimeoutMs: 5000,
    },
  });
  return {
    db,
    app,
    pipeline: h,
    partnersDir,
    partnerLoad,
    partners,
    receiptId,
    documentId: doc.id,
    mismatchId: saved.detected[0]!,
    raw: Buffer.from(GOLDEN_856, 'latin1'),
    tokens,
    password,
    setNow(at) {
      now = at;
    },
  };
}

const SPECS = loadSpecs(DEFAULT_SPECS_DIR);

/** A partner file with a folder inbound channel and the folder outbound channel the pipeline's partners have. */
export function partnerYaml(id: string, isaId: string, dataDir: string): string {
  return [
    `id: ${id}`,
    `name: ${id} Inc.`,
    'status: active',
    `identities: [{ qualifier: ZZ, id: ${isaId} }]`,
    'channels:',
    `  inbound: [{ kind: folder, id: drop, path: ${join(dataDir, id, 'in')} }]`,
    `  outbound: { kind: folder, path: ${join(dataDir, id, 'outbound')} }`,
    '',
  ].join('\n');
}

export function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}

/** The routes fastify has, read from its printed route tree (not from what the API itself collected). */
export function registeredRoutes(app: FastifyInstance): { method: string; url: string }[] {
  const out: { method: string; url: string }[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    for (const method of (m[3] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      out.push({ method, url: stack.join('') });
    }
  }
  return out;
}

/** A new open dead letter of the fixture's receipt (a job of `queue` that failed for good); its id. */
export async function openDeadLetter(
  f: ApiFixture,
  queue: 'process-receipt' | 'map-documents' = 'map-documents',
): Promise<number> {
  return insertDeadLetter(f.db, {
    queue,
    jobId: queue === 'process-receipt' ? `receipt-${f.receiptId}` : `map-${f.receiptId}`,
    receiptId: f.receiptId,
    payload: { receiptId: f.receiptId },
    errorCode: 'store-unavailable',
    reason: 'the database went away',
    attempts: 6,
  });
}
