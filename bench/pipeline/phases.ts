// node --import tsx bench/pipeline/phases.ts [--files 2000] [--concurrency 64] [--partners 1] [--database-url URL]
// The pipeline's steps one at a time, in this one process, on PostgreSQL (database dockside_bench, dropped and
// recreated) without a queue: blob put, intake (blob + receipt; the job goes to an in-process queue nobody
// takes from), process-receipt, deliver-outbound. For each: files/s with --concurrency at once, and the CPU
// it costs per file, here and in the PostgreSQL backends. run.ts measures the whole; this says which step
// costs what, and (with --partners) how much one partner's control-number row lock holds processing back.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import pg from 'pg';
import { loadGatewayConfig } from '../../src/config/gateway.ts';
import { createLogger } from '../../src/log.ts';
import { openGateway } from '../../src/main.ts';
import { deliverOutboundHandler } from '../../src/pipeline/deliver-outbound.ts';
import { Batcher } from '../../src/jobs/batcher.ts';
import { processReceipts, type ProcessOutcome } from '../../src/pipeline/process-receipt.ts';
import { benchFile, partnerOf, writePartners } from './files.ts';
import { BENCH_DB } from './mode.ts';
import { cpuBetween, cpuSnapshot } from './proc.ts';

function option(name: string, fallback: string): string {
  const args = process.argv.slice(2);
  const i = args.lastIndexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

const n = Number(option('--files', '2000'));
const concurrency = Number(option('--concurrency', '64'));
const partners = Number(option('--partners', '1'));
const url = new URL(option('--database-url', 'postgres://postgres@127.0.0.1:5432/test'));
const dir = join(tmpdir(), 'dockside-bench-phases');

const admin = new pg.Client({ connectionString: url.toString() });
await admin.connect();
await admin.query(`drop database if exists ${BENCH_DB} with (force)`);
await admin.query(`create database ${BENCH_DB}`);
await admin.end();
url.pathname = `/${BENCH_DB}`;
rmSync(dir, { recursive: true, force: true });
const env = {
  DATABASE_URL: url.toString(),
  DOCKSIDE_DATA_DIR: join(dir, 'data'),
  DOCKSIDE_PARTNERS_DIR: writePartners(dir, partners),
  DOCKSIDE_LOG_LEVEL: 'warn',
  DOCKSIDE_WORKER_CONCURRENCY: String(concurrency),
};
const gateway = await openGateway(loadGatewayConfig(env), createLogger({ level: 'warn' }));
const files = Array.from({ length: n }, (_, i) => Buffer.from(benchFile(i + 1, partners)));

const rows: string[][] = [];
async function phase(name: string, work: (i: number) => Promise<unknown>): Promise<void> {
  // The first tenth warms the JIT up and is not measured.
  const warm = Math.floor(n / 10);
  for (let i = 0; i < warm; i++) await work(i);
  let next = warm;
  const before = cpuSnapshot();
  const ours = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await work(next++);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(ours);
  const cpu = cpuBetween(before, cpuSnapshot(), new Map(), (comm) => comm === `postgres ${BENCH_DB}`);
  const measured = n - warm;
  rows.push([
    name,
    (measured / seconds).toFixed(0),
    ((used.user + used.system) / 1000 / measured).toFixed(2),
    (((cpu.by[`postgres ${BENCH_DB}`] ?? 0) * 1000) / measured).toFixed(2),
    `${((cpu.machineBusy / seconds / 2) * 100).toFixed(0)}%`,
  ]);
}

await phase('blob put (2 fsyncs)', (i) =>
  // One byte more, so that the blobs are new ones and intake below still writes its own.
  gateway.blobs.put(Readable.from([Buffer.concat([files[i]!, Buffer.from('\n')])])),
);
const receipts: number[] = [];
await phase('intake: blob + receipt row', async (i) => {
  const r = await gateway.intake.receive(Readable.from([files[i]!]), {
    channel: { kind: 'upload', id: 'bench/phases' },
    partnerId: partnerOf(i + 1, partners).id,
    size: files[i]!.length,
  });
  receipts[i] = r.receipt.id;
});
const acks: number[] = [];
// Through the batcher, as a worker runs it; the acks are left for the delivery step.
const processing = new Batcher<number, ProcessOutcome>((ids) =>
  processReceipts({ ...gateway.pipeline, inlineDelivery: false }, ids),
);
await phase('process-receipt (batched, delivery left out)', async (i) => {
  const outcome = await processing.submit(receipts[i]!);
  if (outcome.outcome !== 'accepted')
    throw new Error(`receipt ${receipts[i]}: ${outcome.outcome ?? 'skipped'}`);
  acks[i] = outcome.acks[0]!;
});
const deliver = deliverOutboundHandler({
  db: gateway.db,
  partners: () => gateway.partners,
  log: gateway.log,
});
await phase('deliver-outbound (batched)', (i) =>
  deliver({ ackId: acks[i]! }, { jobId: '', attempt: 1, maxAttempts: 1 }),
);
await gateway.stop();

const header = ['step', 'files/s', 'CPU ms/file here', 'CPU ms/file PostgreSQL', 'machine busy'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) =>
  `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
console.log(
  `\nPipeline steps alone: ${n} files (the first tenth not measured), ${concurrency} at once, ` +
    `${partners === 1 ? 'one partner' : `${partners} partners`} (node ${process.version})\n`,
);
console.log(line(header));
console.log(
  `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
);
for (const r of rows) console.log(line(r));
process.exit(0);
