// The data the console's browser test looks at, made the way the gateway makes it: an 856 from acme received,
// validated, acknowledged and mapped by the pipeline; a broken 856 from globex rejected; ship notices and
// invoices for three POs over two partners reconciled against an ERP on different days, so the mismatches,
// their timelines and the chart are reconciliation's own output; a dead letter; an acknowledgment whose
// delivery failed; and a user per role.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createUser } from '../../src/api/accounts.ts';
import { buildApi } from '../../src/api/app.ts';
import { DEFAULT_SPECS_DIR, loadSpecs } from '../../src/config/x12-specs.ts';
import type { CanonicalDocument, PurchaseOrder } from '../../src/documents/index.ts';
import { defaultMappers } from '../../src/documents/mappers/index.ts';
import type { ErpAdapter } from '../../src/erp/index.ts';
import { silentLogger } from '../../src/log.ts';
import { loadPartners, type LoadPartnersOptions } from '../../src/partners/load.ts';
import { LivePartnerDirectory } from '../../src/partners/reload.ts';
import { mapDocuments } from '../../src/pipeline/map-documents.ts';
import { processReceipt } from '../../src/pipeline/process-receipt.ts';
import { reconcilePo } from '../../src/pipeline/reconcile-documents.ts';
import type { Db } from '../../src/store/db.ts';
import { acknowledgmentsOfReceipt, recordDeliveryError } from '../../src/store/queries/acknowledgments.ts';
import { API_ROLES, type ApiRole } from '../../src/store/queries/api-users.ts';
import { insertDeadLetter } from '../../src/store/queries/dead-letters.ts';
import { documentFields, insertDocuments } from '../../src/store/queries/documents.ts';
import { findMismatches, type StoredMismatch } from '../../src/store/queries/mismatches.ts';
import { insertReceipt } from '../../src/store/queries/receipts.ts';
import { BROKEN_856, GOLDEN_856, harness, withEnvelope, type Harness } from '../helpers/pipeline.ts';
import {
  invoice,
  invoiceLine,
  poLine,
  purchaseOrder,
  shipNotice,
  shipped,
} from '../unit/reconcile/builders.ts';

/** The PO the golden 856 ships against (its PRF01). */
export const ACME_ASN_PO = 'HM4500123456';
export const ACME_SHORT_PO = 'PO-100';
export const GLOBEX_PO = 'PO-200';
/** Markup in a partner's name, which the console must show as text. */
export const GLOBEX_NAME = 'Globex <img src=x onerror="globalThis.pwned=1"> <b>Corp</b>';
const DAY_MS = 86_400_000;

/** An ERP holding the fixture's purchase orders. */
export class FixtureErp implements ErpAdapter {
  readonly kind = 'csv-export' as const;
  readonly orders = new Map<string, PurchaseOrder>();
  purchaseOrder(poNumber: string): Promise<PurchaseOrder | undefined> {
    return Promise.resolve(this.orders.get(poNumber));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

export interface ConsoleData {
  h: Harness;
  erp: FixtureErp;
  acmeReceiptId: number;
  globexReceiptId: number;
  mismatches: StoredMismatch[];
  deadLetterId: number;
  failedAckId: number;
  password(role: ApiRole): string;
  /** The user name of a role's user. */
  user(role: ApiRole): string;
}

let stored = 0;
/** A document as if mapped from a file of its own (receipt and document rows, no X12). */
async function store(db: Db, partnerId: string, doc: CanonicalDocument, name: string): Promise<void> {
  stored++;
  const { receipt } = await insertReceipt(db, {
    channelKind: 'folder',
    channelId: `${partnerId}/drop`,
    partnerId,
    remotePath: null,
    fileName: name,
    size: 1,
    remoteMtime: null,
    sha256: String(stored).padStart(64, '0'),
    blobKey: String(stored).padStart(64, '0'),
    idempotencyKey: `console-${stored}-${Date.now()}`,
  });
  await insertDocuments(db, [
    { ...documentFields(doc, false, []), receiptId: receipt.id, transactionSetId: null, sourceKey: 'csv:1' },
  ]);
}

export async function consoleData(db: Db, now = new Date()): Promise<ConsoleData> {
  const h = harness(db);
  const acmeReceiptId = await h.arrive('acme', GOLDEN_856, 'asn-8801.edi');
  await processReceipt(h.deps, acmeReceiptId);
  await mapDocuments(
    { db, blobs: h.blobs, partners: h.deps.partners, mappers: defaultMappers(), log: silentLogger() },
    acmeReceiptId,
  );
  const globexReceiptId = await h.arrive(
    'globex',
    withEnvelope(BROKEN_856, { sender: 'GLOBEX', control: 4242 }),
    'globex-broken.edi',
  );
  await processReceipt(h.deps, globexReceiptId);

  const erp = new FixtureErp();
  // The golden 856 ships 24 AW-1001, 12 AW-1002 and 24 AW-2001 (vendor part numbers).
  erp.orders.set(
    ACME_ASN_PO,
    purchaseOrder(
      [
        poLine('1', 'AW-1001', '24', '5.00'),
        poLine('2', 'AW-1002', '10', '7.00'),
        poLine('3', 'AW-2001', '24', '3.10'),
      ],
      { poNumber: ACME_ASN_PO },
    ),
  );
  await store(
    db,
    'acme',
    invoice(
      'INV-8801',
      [
        invoiceLine('1', 'AW-1001', '24', '5.00'),
        invoiceLine('2', 'AW-1002', '12', '7.50'),
        invoiceLine('3', 'AW-2001', '24', '3.10'),
      ],
      { poNumbers: [ACME_ASN_PO] },
    ),
    'inv-8801.csv',
  );
  erp.orders.set(
    ACME_SHORT_PO,
    purchaseOrder([poLine('1', 'A-1', '100', '4.25'), poLine('2', 'B-2', '50', '10')], {
      poNumber: ACME_SHORT_PO,
    }),
  );
  await store(db, 'acme', shipNotice('S1', [shipped('A-1', '80'), shipped('B-2', '50')]), 'asn-s1.csv');
  const globexOrder = (items: ReturnType<typeof shipped>[]) => ({
    partnerId: 'globex',
    poNumbers: [GLOBEX_PO],
    orders: [{ poNumber: GLOBEX_PO, parties: [], references: [], packs: [], items }],
  });
  erp.orders.set(
    GLOBEX_PO,
    purchaseOrder([poLine('1', 'G-7', '40', '12.00'), poLine('2', 'G-8', '5', '99.90')], {
      poNumber: GLOBEX_PO,
      partnerId: 'globex',
    }),
  );
  await store(
    db,
    'globex',
    shipNotice(
      'G-SHIP-1',
      [shipped('G-7', '48'), shipped('G-9', '3')],
      globexOrder([shipped('G-7', '48'), shipped('G-9', '3')]),
    ),
    'globex-asn.csv',
  );

  const deps = { db, erp, partners: h.partners, log: silentLogger() };
  await reconcilePo(deps, 'acme', ACME_SHORT_PO, new Date(now.getTime() - 6 * DAY_MS));
  await reconcilePo(deps, 'globex', GLOBEX_PO, new Date(now.getTime() - 3 * DAY_MS));
  await reconcilePo(deps, 'acme', ACME_ASN_PO, new Date(now.getTime() - 1 * DAY_MS));
  const mismatches = await findMismatches(db, { limit: 100 });

  const [ack] = await acknowledgmentsOfReceipt(db, acmeReceiptId);
  if (!ack) throw new Error('the golden 856 was not acknowledged');
  await recordDeliveryError(db, ack.id, 'sftp upload to acme refused: permission denied', true);
  const deadLetterId = await insertDeadLetter(db, {
    queue: 'deliver-outbound',
    jobId: `ack-${ack.id}`,
    receiptId: acmeReceiptId,
    payload: { ackId: ack.id },
    errorCode: 'transport-refused',
    reason: 'sftp upload to acme refused: permission denied',
    attempts: 5,
  });

  const password = (role: ApiRole) => `console ${role} password`;
  const user = (role: ApiRole) => `${role}-user`;
  for (const role of API_ROLES) await createUser(db, { name: user(role), role, password: password(role) });
  return {
    h,
    erp,
    acmeReceiptId,
    globexReceiptId,
    mismatches,
    deadLetterId,
    failedAckId: ack.id,
    password,
    user,
  };
}

const SPECS = loadSpecs(DEFAULT_SPECS_DIR);

/** A partner file matching the pipeline harness's partner: its identity and its folder outbound channel. */
function partnerFile(id: string, name: string, isaId: string, dataDir: string): string {
  return [
    `id: ${id}`,
    `name: ${JSON.stringify(name)}`,
    'status: active',
    `identities: [{ qualifier: ZZ, id: ${isaId} }]`,
    'channels:',
    `  inbound: [{ kind: folder, id: drop, path: ${join(dataDir, id, 'in')} }]`,
    `  outbound: { kind: folder, path: ${join(dataDir, id, 'outbound')} }`,
    '',
  ].join('\n');
}

/** A partner file the loader refuses: an unknown setting on line 4 and a channel without its path. */
export const BROKEN_PARTNER_FILE = [
  'id: initech',
  'name: Initech',
  'status: active',
  'colour: blue',
  'identities: [{ qualifier: ZZ, id: INITECH }]',
  'channels:',
  '  inbound: [{ kind: folder, id: drop }]',
  '',
].join('\n');

export interface ConsoleServer {
  data: ConsoleData;
  app: FastifyInstance;
  /** http://127.0.0.1:<port> */
  base: string;
  partnersDir: string;
  /** The registry the API reads; a test may replace its partners (and should put them back). */
  directory: LivePartnerDirectory;
  close(): Promise<void>;
}

/**
 * The API with every optional part the console uses (partners, operations, an ERP), listening on a free port
 * of 127.0.0.1 as `npm start` serves it. The partners folder holds acme's and globex's files, loaded, and a
 * broken file the registry refused (initech.yaml), so the problems list has something to show.
 */
export async function consoleServer(db: Db): Promise<ConsoleServer> {
  const data = await consoleData(db);
  const { h } = data;
  const partnersDir = join(h.dir, 'partners');
  mkdirSync(partnersDir);
  writeFileSync(join(partnersDir, 'acme.yaml'), partnerFile('acme', 'Acme Widget Co', 'ACMEWIDGET', h.dir));
  writeFileSync(join(partnersDir, 'globex.yaml'), partnerFile('globex', GLOBEX_NAME, 'GLOBEX', h.dir));
  const load: LoadPartnersOptions = { dataDir: h.dir, specs: SPECS };
  const directory = new LivePartnerDirectory(loadPartners(partnersDir, load));
  writeFileSync(join(partnersDir, 'initech.yaml'), BROKEN_PARTNER_FILE);
  const app = await buildApi({
    db,
    blobs: h.blobs,
    log: silentLogger(),
    erp: data.erp,
    operations: { intake: h.intake, queue: h.queue },
    partners: { directory, dir: partnersDir, load, hostKeysDir: join(h.dir, 'keys'), testTimeoutMs: 3000 },
  });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  return { data, app, base, partnersDir, directory, close: () => app.close() };
}
