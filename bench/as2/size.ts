// One size of bench:as2, in a process of its own so that its peak RSS is its own: builds the message with
// openssl, starts the AS2 endpoint on a real intake (PGlite on disk, or PostgreSQL), posts the measured
// messages with a few in flight, then checks every MDN and times the openssl CLI doing the same crypto.
// Prints one JSON line. run.ts starts it; it is not meant to be run by hand.
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DEFAULT_RETRY } from '../../src/jobs/queue.ts';
import { InProcessQueue } from '../../src/jobs/in-process.ts';
import { createIntake } from '../../src/intake/receive.ts';
import { silentLogger } from '../../src/log.ts';
import type { As2Certificate, Partner } from '../../src/partners/partner.ts';
import { FileBlobStore } from '../../src/store/blobs.ts';
import { openPglite, openPostgres, type Db } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { loadCertificate } from '../../src/transports/as2/certificates.ts';
import { checkMdn } from '../../src/transports/as2/mdn-read.ts';
import { computeMic } from '../../src/transports/as2/mic.ts';
import { startAs2Server } from '../../src/transports/as2/server.ts';
import type { PeerIdentity } from '../../test/unit/transports/as2/openssl-peer.ts';
import { peakRssKB } from '../pipeline/proc.ts';
import { opensslPerMessage, parties, prepare, type SizeSpec } from './messages.ts';

export interface SizeOptions {
  size: SizeSpec;
  count: number;
  warmup: number;
  concurrency: number;
  opensslRuns: number;
  /** PostgreSQL instead of PGlite; the benchmark's own database on that server is dropped and recreated. */
  databaseUrl?: string;
}

export interface SizeResult {
  label: string;
  payloadBytes: number;
  wireBytes: number;
  messages: number;
  seconds: number;
  /** POST sent to the last byte of the MDN, ms. */
  latency: { p50: number; p99: number; max: number };
  failures: number;
  /** The first few failures, for the report. */
  failureSamples: string[];
  /** CPU ms of this process per measured message (endpoint, intake, PGlite when used, and the sender). */
  cpuMsPerMessage: number;
  rssMB: number;
  /** openssl cms -decrypt and cms -verify of one message, ms, each run. */
  openssl: { decryptMs: number; verifyMs: number }[];
}

export const BENCH_DB = 'dockside_bench_as2';
const ENVELOPED = 'application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"';
const SIGNED_SYNC_MDN =
  'signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, sha-256';

function certificate(identity: PeerIdentity): As2Certificate {
  return {
    pem: identity.certPem,
    ref: `file:${identity.certPath}`,
    notBefore: new Date(0),
    notAfter: new Date(Date.now() + 86_400_000),
    subject: identity.name,
  };
}

async function openDatabase(dir: string, url: string | undefined): Promise<Db> {
  if (!url) return openPglite({ dataDir: join(dir, 'pglite') });
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`drop database if exists ${BENCH_DB} with (force)`);
    await client.query(`create database ${BENCH_DB}`);
  } finally {
    await client.end();
  }
  const bench = new URL(url);
  bench.pathname = `/${BENCH_DB}`;
  return openPostgres({ url: bench.toString() });
}

interface Answer {
  status: number;
  contentType: string;
  body: Buffer;
  ms: number;
}

function post(port: number, agent: Agent, headers: Record<string, string>, body: Buffer): Promise<Answer> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/as2', method: 'POST', agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          body: Buffer.concat(chunks),
          ms: Number(process.hrtime.bigint() - start) / 1e6,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

async function runSize(o: SizeOptions): Promise<SizeResult> {
  const dir = mkdtempSync(join(tmpdir(), 'dockside-bench-as2-'));
  const p = parties();
  try {
    const message = prepare(p, o.size);
    const db = await openDatabase(dir, o.databaseUrl);
    await migrate(db);
    const log = silentLogger();
    // A real queue with no worker taking its jobs: processing the 850s is bench:pipeline's subject, not this.
    const queue = new InProcessQueue(DEFAULT_RETRY, () => Promise.resolve());
    const intake = createIntake({ db, blobs: new FileBlobStore(join(dir, 'blobs')), queue, log });
    const partner: Partner = {
      id: 'bench-partner',
      name: 'bench partner',
      status: 'active',
      identities: [{ qualifier: 'ZZ', id: 'BENCHPARTNER' }],
      acknowledgments: { functional: 'auto', ta1: 'requested-or-errors', ackAcks: false },
      duplicateWindowHours: 720,
      transactionSets: [],
      specOverlays: [],
      reconciliation: { quantityPercent: 0, unitPriceAbsolute: 0, unitPricePercent: 0, invoiceGraceDays: 3 },
      contacts: [],
      inbound: [],
      outbound: { kind: 'folder', path: join(dir, 'outbound') },
      file: 'bench-partner.yaml',
      as2: {
        as2Id: 'BENCHPARTNER',
        ourAs2Id: 'DOCKSIDE',
        certificate: certificate(p.theirs),
        identities: [
          {
            certificate: certificate(p.ours),
            privateKeyPem: p.ours.keyPem,
            privateKeyRef: `file:${p.ours.keyPath}`,
          },
        ],
        requireSigned: true,
        requireEncrypted: true,
        // As many as the sender keeps in flight: a 503 here would be a failure of the benchmark, not a limit.
        maxConcurrent: o.concurrency,
      },
    };
    const server = await startAs2Server({
      host: '127.0.0.1',
      port: 0,
      intake,
      db,
      log,
      lookup: (from, to) => (from === 'BENCHPARTNER' && to === 'DOCKSIDE' ? { partner } : undefined),
      limits: { maxMessageBytes: message.body.length + 1024 * 1024 },
    });
    const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency });
    const headers = (id: string) => ({
      'AS2-From': 'BENCHPARTNER',
      'AS2-To': 'DOCKSIDE',
      'AS2-Version': '1.2',
      'Message-ID': id,
      'Content-Type': ENVELOPED,
      'Content-Length': String(message.body.length),
      'Disposition-Notification-To': 'edi@bench-partner.example',
      'Disposition-Notification-Options': SIGNED_SYNC_MDN,
    });
    const run = `${process.pid}-${Date.now()}`;
    const send = async (n: number, prefix: string) => {
      const answers: { id: string; answer: Answer }[] = [];
      let next = 0;
      const lane = async () => {
        while (next < n) {
          const id = `<${prefix}-${next++}-${run}@bench-partner.example>`;
          answers.push({ id, answer: await post(server.port, agent, headers(id), message.body) });
        }
      };
      await Promise.all(Array.from({ length: Math.min(o.concurrency, n) }, lane));
      return answers;
    };

    // Unmeasured: V8 compiles the hot paths, the connections open, PGlite warms its caches.
    await send(o.warmup, 'warmup');
    const cpuBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    const answers = await send(o.count, 'bench');
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = process.cpuUsage(cpuBefore);
    const rssMB = (peakRssKB(process.pid) ?? 0) / 1024;
    agent.destroy();
    await server.close();

    // Checked after the clock stops, so the sender's verification does not share the endpoint's CPU.
    const ourCertificate = loadCertificate(p.ours.certPem);
    const mic = computeMic(message.entity, 'sha256', 'sha-256');
    const failureSamples: string[] = [];
    let failures = 0;
    for (const { id, answer } of answers) {
      let problem: string | undefined;
      if (answer.status !== 200) problem = `HTTP ${answer.status}: ${answer.body.toString().slice(0, 200)}`;
      else {
        const verdict = checkMdn({
          contentType: answer.contentType,
          body: answer.body,
          partnerCertificate: ourCertificate,
          requireSigned: true,
          messageId: id,
          mic,
        });
        if (verdict.status !== 'delivered')
          problem = verdict.status === 'refused' ? verdict.reason : verdict.failure.message;
        else if (!verdict.mdn.signed) problem = 'the MDN is not signed';
      }
      if (problem) {
        failures++;
        if (failureSamples.length < 5) failureSamples.push(`${id}: ${problem}`);
      }
    }
    const [row] = await db.query<{ n: number }>(
      "select count(*)::int as n from receipts where channel_kind = 'as2' and duplicate_of is null",
    );
    const stored = row?.n ?? 0;
    if (stored !== o.warmup + o.count) {
      failures++;
      failureSamples.push(`${stored} receipts stored for ${o.warmup + o.count} messages`);
    }
    await queue.close();
    await db.close();

    const latencies = answers.map((a) => a.answer.ms).sort((a, b) => a - b);
    // The other tool runs with the endpoint stopped, one message after another.
    const openssl = opensslPerMessage(p, message, o.opensslRuns);
    return {
      label: o.size.label,
      payloadBytes: message.payload.length,
      wireBytes: message.body.length,
      messages: o.count,
      seconds,
      latency: {
        p50: percentile(latencies, 0.5),
        p99: percentile(latencies, 0.99),
        max: latencies[latencies.length - 1]!,
      },
      failures,
      failureSamples,
      cpuMsPerMessage: (cpu.user + cpu.system) / 1000 / o.count,
      rssMB,
      openssl,
    };
  } finally {
    p.peer.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

const options = JSON.parse(process.argv[2]!) as SizeOptions;
process.stdout.write(`${JSON.stringify(await runSize(options))}\n`);
