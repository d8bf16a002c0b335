// A pipeline on a test database: blob store in a temp dir, two partners with folder outbound channels, the
// bundled specs, a queue that records what was added (or the real in-process queue), and files built from
// the golden samples with the ISA sender and control number changed.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DEFAULT_SPECS_DIR, loadSpecs } from '../../src/config/x12-specs.ts';
import { createIntake, type Intake } from '../../src/intake/receive.ts';
import type { JobPayloads, JobQueue, QueueName } from '../../src/jobs/queue.ts';
import { silentLogger } from '../../src/log.ts';
import { StaticPartnerDirectory, type Partner } from '../../src/partners/partner.ts';
import type { PipelineDeps } from '../../src/pipeline/process-receipt.ts';
import { FileBlobStore } from '../../src/store/blobs.ts';
import type { Db } from '../../src/store/db.ts';
import { ROOT } from './golden.ts';

export const GOLDEN_856 = readFileSync(
  join(ROOT, 'test/golden/x12/004010/856/valid-asn-shipment-order-pack-item.edi'),
  'latin1',
);
export const BROKEN_856 = readFileSync(
  join(ROOT, 'test/golden/x12/004010/856/broken-asn-hierarchy.edi'),
  'latin1',
);
export const GOLDEN_856_5010 = readFileSync(
  join(ROOT, 'test/golden/x12/005010/856/valid-asn-shipment-order-item.edi'),
  'latin1',
);

/** The file with another ISA sender (ISA06, padded) and/or ISA13 (and IEA02). */
export function withEnvelope(
  text: string,
  o: { sender?: string; control?: number; ackRequested?: '0' | '1' },
): string {
  let out = text;
  if (o.sender !== undefined) out = out.replace(/^(ISA\*(?:[^*]*\*){5})[^*]*/, `$1${o.sender.padEnd(15)}`);
  if (o.control !== undefined) {
    const c = String(o.control).padStart(9, '0');
    out = out.replace(/^(ISA\*(?:[^*]*\*){12})\d{9}/, `$1${c}`).replace(/IEA\*(\d+)\*\d{9}/, `IEA*$1*${c}`);
  }
  if (o.ackRequested !== undefined) out = out.replace(/^(ISA\*(?:[^*]*\*){13})\d/, `$1${o.ackRequested}`);
  return out;
}

export class RecordingQueue implements JobQueue {
  readonly kind = 'in-process';
  readonly added: { queue: QueueName; payload: unknown }[] = [];
  failAdds = false;
  add<N extends QueueName>(queue: N, payload: JobPayloads[N]): Promise<void> {
    if (this.failAdds) return Promise.reject(new Error('queue down'));
    this.added.push({ queue, payload });
    return Promise.resolve();
  }
  async addMany<N extends QueueName>(queue: N, payloads: JobPayloads[N][]): Promise<void> {
    for (const payload of payloads) await this.add(queue, payload);
  }
  process(): void {}
  counts() {
    return Promise.resolve({ waiting: 0, active: 0, delayed: 0 });
  }
  close() {
    return Promise.resolve();
  }
  of<N extends QueueName>(queue: N): JobPayloads[N][] {
    return this.added.filter((a) => a.queue === queue).map((a) => a.payload as JobPayloads[N]);
  }
}

export function testPartner(id: string, isaId: string, dir: string, extra: Partial<Partner> = {}): Partner {
  return {
    id,
    name: id,
    status: 'active',
    identities: [{ qualifier: 'ZZ', id: isaId }],
    acknowledgments: { functional: 'auto', ta1: 'requested-or-errors', ackAcks: false },
    duplicateWindowHours: 720,
    transactionSets: [],
    specOverlays: [],
    reconciliation: { quantityPercent: 0, unitPriceAbsolute: 0, unitPricePercent: 0, invoiceGraceDays: 3 },
    contacts: [],
    inbound: [],
    outbound: { kind: 'folder', path: join(dir, id, 'outbound') },
    file: `${id}.yaml`,
    ...extra,
  };
}

const specs = loadSpecs(DEFAULT_SPECS_DIR).registry;

export interface Harness {
  dir: string;
  db: Db;
  blobs: FileBlobStore;
  queue: RecordingQueue;
  intake: Intake;
  partners: StaticPartnerDirectory;
  deps: PipelineDeps;
  /** Receives a file for a partner through the CLI channel; the receipt id. */
  arrive(partnerId: string, text: string, name?: string): Promise<number>;
}

export function harness(db: Db, partners?: (dir: string) => Partner[]): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'dockside-pipeline-'));
  const blobs = new FileBlobStore(join(dir, 'blobs'));
  const queue = new RecordingQueue();
  const log = silentLogger();
  const directory = new StaticPartnerDirectory(
    partners?.(dir) ?? [testPartner('acme', 'ACMEWIDGET', dir), testPartner('globex', 'GLOBEX', dir)],
  );
  const intake = createIntake({ db, blobs, queue, log });
  const deps: PipelineDeps = {
    db,
    blobs,
    partners: () => directory,
    specs,
    queue,
    log,
    now: () => new Date('2026-11-26T12:00:00Z'),
    queueMapping: true,
  };
  return {
    dir,
    db,
    blobs,
    queue,
    intake,
    partners: directory,
    deps,
    async arrive(partnerId, text, name = 'file.edi') {
      const r = await intake.receive(Readable.from([Buffer.from(text, 'latin1')]), {
        channel: { kind: 'upload', id: 'test' },
        partnerId,
        fileName: name,
      });
      return r.receipt.id;
    },
  };
}
